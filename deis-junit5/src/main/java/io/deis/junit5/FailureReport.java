package io.deis.junit5;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The message of a test whose app did not come up: what failed and why, the build's output and
 * the containers' last log lines. No config value appears in it: every value of the app's config
 * that the output may echo (the app's own output can print its environment) is replaced by the
 * name of its key.
 */
final class FailureReport {
  /** Shorter values are not masked: they would mask digits and words of every line, and hold no secret. */
  static final int MASKED_LENGTH = 4;

  private FailureReport() {}

  static String message(String what, Backend backend, RuntimeException error, List<String> buildOutput, List<String> logs,
      Map<String, String> config) {
    StringBuilder m = new StringBuilder();
    m.append(what).append(" did not come up on ").append(backend.displayName()).append(": ")
        .append(error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage());
    section(m, "build output", buildOutput);
    section(m, "last log lines of its containers", logs);
    return mask(m.toString(), config);
  }

  private static void section(StringBuilder m, String title, List<String> lines) {
    m.append("\n").append(title);
    if (lines.isEmpty()) {
      m.append(": none");
      return;
    }
    m.append(" (last ").append(lines.size()).append(" lines):");
    lines.forEach(line -> m.append("\n  ").append(line));
  }

  /** Replaces each config value (of at least {@value #MASKED_LENGTH} characters) with {@code <config KEY>}, longest first. */
  static String mask(String text, Map<String, String> config) {
    String masked = text;
    List<Map.Entry<String, String>> byLength = config.entrySet().stream()
        .filter(e -> e.getValue().length() >= MASKED_LENGTH)
        .sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getValue().length()).reversed())
        .toList();
    for (Map.Entry<String, String> e : byLength) {
      masked = masked.replace(e.getValue(), "<config " + e.getKey() + ">");
    }
    return masked;
  }
}
