package io.deis.model;

import com.google.common.collect.ImmutableSortedMap;
import io.deis.error.InvalidInputException;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How many containers of each process type an app should run: Deis's {@code structure},
 * written {@code web=3 worker=1}. Counts are never negative.
 */
public record Formation(Map<ProcessType, Integer> counts) {
  public static final Formation EMPTY = new Formation(Map.of());

  public Formation {
    if (counts == null) {
      throw new InvalidInputException("Invalid scaling format: the counts are missing (null)");
    }
    counts.forEach((type, count) -> {
      if (type == null) {
        throw new InvalidInputException("Invalid scaling format: a process type is missing (null)");
      }
      if (count == null || count < 0) {
        throw new InvalidInputException("Invalid scaling format: " + type + "=" + count
            + " must be a whole number of containers, 0 or more");
      }
    });
    counts = ImmutableSortedMap.copyOf(counts);
  }

  /** Parses Deis CLI syntax: {@code web=3 worker=2} (spaces or commas between pairs). */
  public static Formation parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("Invalid scaling format: empty; use type=count, for example web=3 worker=1");
    }
    TreeMap<ProcessType, Integer> counts = new TreeMap<>();
    for (String pair : text.trim().split("[\\s,]+")) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new InvalidInputException("Invalid scaling format: " + io.deis.error.DeisException.quote(pair)
            + "; use type=count, for example web=3");
      }
      String number = pair.substring(eq + 1);
      int count;
      try {
        count = Integer.parseInt(number);
      } catch (NumberFormatException e) {
        throw new InvalidInputException("Invalid scaling format: invalid literal for int() with base 10: "
            + io.deis.error.DeisException.quote(number));
      }
      counts.put(ProcessType.of(pair.substring(0, eq)), count);
    }
    return new Formation(counts);
  }

  public static Formation of(ProcessType type, int count) {
    return new Formation(Map.of(type, count));
  }

  public int count(ProcessType type) {
    return counts.getOrDefault(type, 0);
  }

  /** All the counts together; {@link Integer#MAX_VALUE} when they add up to more (they never overflow to a small number). */
  public int total() {
    return (int) Math.min(Integer.MAX_VALUE, counts.values().stream().mapToLong(Integer::longValue).sum());
  }

  public boolean isEmpty() {
    return counts.isEmpty();
  }

  /** This formation with {@code other}'s counts laid over it. */
  public Formation merge(Formation other) {
    TreeMap<ProcessType, Integer> merged = new TreeMap<>(counts);
    merged.putAll(other.counts);
    return new Formation(merged);
  }

  @Override
  public String toString() {
    return counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
  }
}
