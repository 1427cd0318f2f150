package io.deis.model;

import com.google.common.collect.ImmutableSortedMap;
import io.deis.error.DeisException;
import io.deis.error.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An app's environment: config values (environment variables), per-process-type memory and cpu
 * limits, and tags. Immutable; {@link #apply} makes the next one.
 *
 * <p>A config that exists is valid: every key, value, limit and tag is checked here (the one home
 * of those rules; {@link ConfigChange} checks each entry with them as it is added). Values are
 * secrets: no message, and not {@link #toString()}, ever shows one; they are named by their key.
 *
 * @param owner the user who made this version of the config
 */
public record Config(
    String uuid,
    String owner,
    Instant created,
    Map<String, String> values,
    Map<ProcessType, String> memory,
    Map<ProcessType, Integer> cpu,
    Map<String, String> tags) {

  /** The longest config key. */
  public static final int MAX_KEY_LENGTH = 256;
  /**
   * The most bytes (UTF-8) of one value the model holds: the kernel refuses a longer environment
   * string (MAX_ARG_STRLEN, 128 KiB). The controller's {@code Limits} bound values lower.
   */
  public static final int MAX_VALUE_BYTES = 128 * 1024;
  /** Tag keys and values become Kubernetes label parts and node labels: 63 characters at most. */
  public static final int MAX_TAG_LENGTH = 63;
  /** CPU shares: 1024 is all of one CPU. */
  public static final int MAX_CPU_SHARES = 1024;
  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z]+");
  private static final Pattern TAG_VALUE = Pattern.compile("\\w+");

  public Config {
    requireNonNull(uuid, "config uuid");
    requireNonNull(owner, "config owner");
    requireNonNull(created, "config creation time");
    requireNonNull(values, "config values");
    requireNonNull(memory, "memory limits");
    requireNonNull(cpu, "cpu limits");
    requireNonNull(tags, "tags");
    values.forEach(Config::checkValue);
    memory.forEach((type, limit) -> checkMemory(type, limit));
    cpu.forEach((type, shares) -> checkCpu(type, shares));
    tags.forEach(Config::checkTag);
    values = ImmutableSortedMap.copyOf(values);
    memory = ImmutableSortedMap.copyOf(memory);
    cpu = ImmutableSortedMap.copyOf(cpu);
    tags = ImmutableSortedMap.copyOf(tags);
    healthCheckOf(values); // a config that exists has a valid health check, or none
  }

  /** The config's shape without its values, which are secrets: keys, limits and tags. */
  @Override
  public String toString() {
    return "Config[" + uuid + " by " + owner + " at " + created + ", keys " + values.keySet() + ", memory " + memory
        + ", cpu " + cpu + ", tags " + tags + "]";
  }

  // ---------------------------------------------------------------- the rules of keys, values, limits and tags

  /**
   * Checks a config key: a letter or underscore, then letters, digits and underscores, at most
   * {@value #MAX_KEY_LENGTH} characters.
   */
  public static String checkKey(String key) {
    if (key == null) {
      throw new InvalidInputException("config key is missing (null): Config keys must start with a letter or underscore and only contain [A-z0-9_]");
    }
    if (key.length() > MAX_KEY_LENGTH) {
      throw new InvalidInputException("config key " + DeisException.quote(key) + " is too long: at most " + MAX_KEY_LENGTH
          + " characters");
    }
    if (!KEY.matcher(key).matches()) {
      throw new InvalidInputException("config key " + DeisException.quote(key)
          + " is invalid: Config keys must start with a letter or underscore and only contain [A-z0-9_]");
    }
    return key;
  }

  /**
   * Checks a value for {@code key} and returns its size in UTF-8 bytes. A value must be text every
   * backend can hand a process as an environment variable: no NUL character (a C string ends there:
   * Java's ProcessBuilder, Docker and the kernel refuse it), no unpaired UTF-16 surrogate (it has no
   * UTF-8 form, so it would reach the process changed), at most {@value #MAX_VALUE_BYTES} bytes.
   * The message names the key, never the value.
   */
  public static int checkValue(String key, String value) {
    checkKey(key);
    if (value == null) {
      throw new InvalidInputException("config value of " + key + " is missing (null): unset " + key + " to remove it");
    }
    long bytes = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0) {
        throw new InvalidInputException("config value of " + key + " contains a NUL character (at position " + i
            + "), which no process environment can carry: remove it");
      }
      if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidInputException("config value of " + key + " is not valid Unicode (an unpaired surrogate at position "
            + i + "): it cannot be passed to a process unchanged");
      } else {
        bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      }
      if (bytes > MAX_VALUE_BYTES) {
        throw new InvalidInputException("config value of " + key + " is longer than " + MAX_VALUE_BYTES
            + " bytes, the most an environment variable can hold");
      }
    }
    return (int) bytes;
  }

  /** Checks a memory limit ({@link MemoryLimit}) for a process type. */
  public static MemoryLimit checkMemory(ProcessType type, String limit) {
    requireNonNull(type, "process type of a memory limit");
    try {
      return MemoryLimit.parse(limit);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(e.getMessage().replaceFirst("^memory limit", "memory limit for " + type));
    }
  }

  /** Checks CPU shares for a process type: 0 to {@value #MAX_CPU_SHARES}. */
  public static int checkCpu(ProcessType type, Integer shares) {
    requireNonNull(type, "process type of a cpu limit");
    if (shares == null || shares < 0 || shares > MAX_CPU_SHARES) {
      throw new InvalidInputException("cpu shares " + shares + " for " + type
          + " are invalid: CPU shares must be between 0 and " + MAX_CPU_SHARES);
    }
    return shares;
  }

  /** Checks a tag key (letters) and value (letters, digits and '_'), each at most {@value #MAX_TAG_LENGTH} characters. */
  public static void checkTag(String key, String value) {
    checkTagKey(key);
    if (value == null || value.length() > MAX_TAG_LENGTH || !TAG_VALUE.matcher(value).matches()) {
      throw new InvalidInputException("Invalid tag value " + DeisException.quote(value) + " for " + key
          + ": use 1 to " + MAX_TAG_LENGTH + " letters, digits and '_'");
    }
  }

  /** Checks a tag key: 1 to {@value #MAX_TAG_LENGTH} letters. */
  public static String checkTagKey(String key) {
    if (key == null || key.length() > MAX_TAG_LENGTH || !TAG_KEY.matcher(key).matches()) {
      throw new InvalidInputException("tag key " + DeisException.quote(key) + " is invalid: Tag keys can only contain [a-z]"
          + " (1 to " + MAX_TAG_LENGTH + " letters)");
    }
    return key;
  }

  private static void requireNonNull(Object value, String what) {
    if (value == null) {
      throw new InvalidInputException(what + " is missing (null)");
    }
  }

  public static Config empty(String uuid, String owner, Instant created) {
    return new Config(uuid, owner, created, Map.of(), Map.of(), Map.of(), Map.of());
  }

  /** The config with {@code change} applied: set keys merged in, unset keys removed. */
  public Config apply(ConfigChange change, String uuid, String owner, Instant created) {
    return new Config(uuid, owner, created,
        merge(values, change.values()), merge(memory, change.memory()), merge(cpu, change.cpu()), merge(tags, change.tags()));
  }

  /** True when both configs hold the same values, limits and tags, whoever made them. */
  public boolean sameSettings(Config other) {
    return values.equals(other.values) && memory.equals(other.memory) && cpu.equals(other.cpu) && tags.equals(other.tags);
  }

  public Optional<HealthCheck> healthCheck() {
    return healthCheckOf(values);
  }

  public Optional<String> memory(ProcessType type) {
    return Optional.ofNullable(memory.get(type));
  }

  public Optional<Integer> cpu(ProcessType type) {
    return Optional.ofNullable(cpu.get(type));
  }

  /**
   * What changed from {@code before} to this config, in Deis's words without the user:
   * {@code added A, B, changed C, deleted D}, {@code changed limits for memory, cpu},
   * {@code added tag environ}. Empty when nothing changed.
   */
  public String describeChangeFrom(Config before) {
    List<String> parts = new ArrayList<>();
    diff(before.values, values, "", parts);
    List<String> limits = new ArrayList<>();
    if (!before.memory.equals(memory)) {
      limits.add("memory");
    }
    if (!before.cpu.equals(cpu)) {
      limits.add("cpu");
    }
    if (!limits.isEmpty()) {
      parts.add("changed limits for " + String.join(", ", limits));
    }
    diff(before.tags, tags, "tag ", parts);
    return String.join(", ", parts);
  }

  private static <K> void diff(Map<K, ?> before, Map<K, ?> after, String noun, List<String> parts) {
    List<String> added = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    after.forEach((k, v) -> {
      if (!before.containsKey(k)) {
        added.add(noun + k);
      } else if (!Objects.equals(before.get(k), v)) {
        changed.add(noun + k);
      }
    });
    before.keySet().stream().filter(k -> !after.containsKey(k)).forEach(k -> deleted.add(noun + k));
    if (!added.isEmpty()) {
      parts.add("added " + String.join(", ", added));
    }
    if (!changed.isEmpty()) {
      parts.add("changed " + String.join(", ", changed));
    }
    if (!deleted.isEmpty()) {
      parts.add("deleted " + String.join(", ", deleted));
    }
  }

  private static <K extends Comparable<K>, V> Map<K, V> merge(Map<K, V> base, Map<K, Optional<V>> change) {
    TreeMap<K, V> merged = new TreeMap<>(base);
    change.forEach((k, v) -> {
      if (v.isPresent()) {
        merged.put(k, v.get());
      } else {
        merged.remove(k);
      }
    });
    return merged;
  }

  private static Optional<HealthCheck> healthCheckOf(Map<String, String> values) {
    String path = values.get(HealthCheck.URL_KEY);
    if (path == null) {
      return Optional.empty();
    }
    return Optional.of(new HealthCheck(path,
        HealthCheck.seconds(HealthCheck.TIMEOUT_KEY, values.get(HealthCheck.TIMEOUT_KEY), Duration.ofSeconds(1)),
        HealthCheck.seconds(HealthCheck.INITIAL_DELAY_KEY, values.get(HealthCheck.INITIAL_DELAY_KEY), Duration.ZERO)));
  }
}
