package io.deis.model;

import io.deis.error.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A change to an app's config, built with {@link #builder()}: values to set or unset, limits and
 * tags. Every key and value is validated as it is added, so a change that exists can be applied.
 */
public record ConfigChange(
    Map<String, Optional<String>> values,
    Map<ProcessType, Optional<String>> memory,
    Map<ProcessType, Optional<Integer>> cpu,
    Map<String, Optional<String>> tags) {

  /** CPU shares, 0 to 1024 (1024 is all of one CPU). */
  public static final int MAX_CPU_SHARES = Config.MAX_CPU_SHARES;

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

  /** What the change sets and unsets, by key: values are secrets and never shown. */
  @Override
  public String toString() {
    return "ConfigChange[values " + keys(values) + ", memory " + memory + ", cpu " + cpu + ", tags " + tags + "]";
  }

  private static String keys(Map<String, Optional<String>> values) {
    return values.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> (e.getValue().isPresent() ? "set " : "unset ") + e.getKey()).toList().toString();
  }

  /**
   * Collects a change; each method rejects bad input at once with a message naming it (a value
   * by its key only), with {@link Config}'s rules.
   */
  public static final class Builder {
    private final Map<String, Optional<String>> values = new LinkedHashMap<>();
    private final Map<ProcessType, Optional<String>> memory = new LinkedHashMap<>();
    private final Map<ProcessType, Optional<Integer>> cpu = new LinkedHashMap<>();
    private final Map<String, Optional<String>> tags = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets a value.
     *
     * @throws InvalidInputException for a malformed key, or a value no process environment can
     *     carry (a NUL character, broken Unicode, too long); the message names the key, never the value
     */
    public Builder set(String key, String value) {
      Config.checkValue(key, value);
      values.put(key, Optional.of(value));
      return this;
    }

    public Builder setAll(Map<String, String> entries) {
      if (entries == null) {
        throw new InvalidInputException("config values are missing (null)");
      }
      entries.forEach(this::set);
      return this;
    }

    public Builder unset(String key) {
      values.put(Config.checkKey(key), Optional.empty());
      return this;
    }

    /** A memory limit such as {@code 512M} or {@code 1G} for every container of {@code type} ({@link MemoryLimit}). */
    public Builder memory(ProcessType type, String limit) {
      Config.checkMemory(type, limit);
      memory.put(type, Optional.of(limit));
      return this;
    }

    public Builder unsetMemory(ProcessType type) {
      memory.put(requireType(type), Optional.empty());
      return this;
    }

    /** CPU shares, 0 to 1024 (1024 is all of one host's CPU), for every container of {@code type}. */
    public Builder cpu(ProcessType type, int shares) {
      cpu.put(type, Optional.of(Config.checkCpu(type, shares)));
      return this;
    }

    public Builder unsetCpu(ProcessType type) {
      cpu.put(requireType(type), Optional.empty());
      return this;
    }

    public Builder tag(String key, String value) {
      Config.checkTag(key, value);
      tags.put(key, Optional.of(value));
      return this;
    }

    public Builder untag(String key) {
      tags.put(Config.checkTagKey(key), Optional.empty());
      return this;
    }

    public ConfigChange build() {
      return new ConfigChange(values, memory, cpu, tags);
    }

    private static ProcessType requireType(ProcessType type) {
      if (type == null) {
        throw new InvalidInputException("process type is missing (null)");
      }
      return type;
    }
  }
}
