package io.deis.model;

import io.deis.error.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A change to an app's config, built with {@link #builder()}: values to set or unset, limits and
 * tags. Every key and value is validated as it is added, so a change that exists can be applied.
 */
public record ConfigChange(
    Map<String, Optional<String>> values,
    Map<ProcessType, Optional<String>> memory,
    Map<ProcessType, Optional<Integer>> cpu,
    Map<String, Optional<String>> tags) {

  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern MEMORY = Pattern.compile("[0-9]+(MB|KB|GB|[BKMG])", Pattern.CASE_INSENSITIVE);
  private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z]+");
  private static final Pattern TAG_VALUE = Pattern.compile("\\w+");
  public static final int MAX_CPU_SHARES = 1024;

  public ConfigChange {
    values = Map.copyOf(values);
    memory = Map.copyOf(memory);
    cpu = Map.copyOf(cpu);
    tags = Map.copyOf(tags);
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean isEmpty() {
    return values.isEmpty() && memory.isEmpty() && cpu.isEmpty() && tags.isEmpty();
  }

  /** Collects a change; each method rejects bad input at once with a message naming it. */
  public static final class Builder {
    private final Map<String, Optional<String>> values = new LinkedHashMap<>();
    private final Map<ProcessType, Optional<String>> memory = new LinkedHashMap<>();
    private final Map<ProcessType, Optional<Integer>> cpu = new LinkedHashMap<>();
    private final Map<String, Optional<String>> tags = new LinkedHashMap<>();

    private Builder() {}

    public Builder set(String key, String value) {
      if (value == null) {
        throw new InvalidInputException("config value for " + key + " is null: use unset(\"" + key + "\") to remove it");
      }
      values.put(checkKey(key), Optional.of(value));
      return this;
    }

    public Builder setAll(Map<String, String> entries) {
      entries.forEach(this::set);
      return this;
    }

    public Builder unset(String key) {
      values.put(checkKey(key), Optional.empty());
      return this;
    }

    /** A memory limit such as {@code 512M} or {@code 1G} for every container of {@code type}. */
    public Builder memory(ProcessType type, String limit) {
      if (limit == null || !MEMORY.matcher(limit).matches()) {
        throw new InvalidInputException("memory limit '" + limit + "' for " + type
            + " is invalid: Limit format: <number><unit>, where unit = B, K, M or G");
      }
      memory.put(type, Optional.of(limit));
      return this;
    }

    public Builder unsetMemory(ProcessType type) {
      memory.put(type, Optional.empty());
      return this;
    }

    /** CPU shares, 0 to 1024 (1024 is all of one host's CPU), for every container of {@code type}. */
    public Builder cpu(ProcessType type, int shares) {
      if (shares < 0 || shares > MAX_CPU_SHARES) {
        throw new InvalidInputException("cpu shares " + shares + " for " + type
            + " are invalid: CPU shares must be between 0 and " + MAX_CPU_SHARES);
      }
      cpu.put(type, Optional.of(shares));
      return this;
    }

    public Builder unsetCpu(ProcessType type) {
      cpu.put(type, Optional.empty());
      return this;
    }

    public Builder tag(String key, String value) {
      checkTagKey(key);
      if (value == null || !TAG_VALUE.matcher(value).matches()) {
        throw new InvalidInputException("Invalid tag value '" + value + "' for " + key + ": use letters, digits and '_'");
      }
      tags.put(key, Optional.of(value));
      return this;
    }

    public Builder untag(String key) {
      tags.put(checkTagKey(key), Optional.empty());
      return this;
    }

    public ConfigChange build() {
      return new ConfigChange(values, memory, cpu, tags);
    }

    private static String checkKey(String key) {
      if (key == null || !KEY.matcher(key).matches()) {
        throw new InvalidInputException("config key '" + key
            + "' is invalid: Config keys must start with a letter or underscore and only contain [A-z0-9_]");
      }
      return key;
    }

    private static String checkTagKey(String key) {
      if (key == null || !TAG_KEY.matcher(key).matches()) {
        throw new InvalidInputException("tag key '" + key + "' is invalid: Tag keys can only contain [a-z]");
      }
      return key;
    }
  }
}
