package io.deis.scheduler.k8s.fake;

import java.math.BigDecimal;
import java.util.Map;

/** Kubernetes resource quantities ({@code 512Mi}, {@code 1G}, {@code 500m}, {@code 2}) as numbers, for the fake scheduler's fit check. */
final class Quantities {
  private static final Map<String, Long> SUFFIXES = Map.of(
      "Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30, "Ti", 1L << 40,
      "k", 1_000L, "M", 1_000_000L, "G", 1_000_000_000L, "T", 1_000_000_000_000L);

  private Quantities() {}

  static long bytes(String quantity) {
    if (quantity == null) {
      return 0;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+)([A-Za-z]*)").matcher(quantity);
    if (!m.matches() || !m.group(2).isEmpty() && !SUFFIXES.containsKey(m.group(2))) {
      throw new Store.ApiError(422, "Invalid", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': " + quantity);
    }
    long unit = m.group(2).isEmpty() ? 1 : SUFFIXES.get(m.group(2));
    return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).longValue();
  }

  static long millicpu(String quantity) {
    if (quantity == null) {
      return 0;
    }
    if (quantity.endsWith("m")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 1));
    }
    return new BigDecimal(quantity).multiply(BigDecimal.valueOf(1000)).longValue();
  }
}
