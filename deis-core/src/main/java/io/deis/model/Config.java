package io.deis.model;

import com.google.common.collect.ImmutableSortedMap;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An app's environment: config values (environment variables), per-process-type memory and cpu
 * limits, and tags. Immutable; {@link #apply} makes the next one.
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

  public Config {
    values = ImmutableSortedMap.copyOf(values);
    memory = ImmutableSortedMap.copyOf(memory);
    cpu = ImmutableSortedMap.copyOf(cpu);
    tags = ImmutableSortedMap.copyOf(tags);
    healthCheckOf(values); // a config that exists has a valid health check, or none
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
