package io.deis.model;

import io.deis.error.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's memory limit, in Deis's form {@code <number><unit>} with unit {@code B}, {@code K},
 * {@code M}, {@code G} (or {@code KB}, {@code MB}, {@code GB}), case-insensitive and binary
 * ({@code 1K} is 1024 bytes), as Docker read Deis's limits. This is the one parser of memory limits:
 * the model validates with it and every backend reads {@link #bytes()} from it, so a limit means
 * the same on each. The range is checked without overflow: {@value #MIN_TEXT} to {@value #MAX_TEXT}.
 *
 * @param bytes the limit in bytes
 */
public record MemoryLimit(long bytes) {
  /** Docker refuses limits under 6 MiB; no backend can run a process with less. */
  public static final long MIN_BYTES = 6L << 20;
  /** 1 TiB: more than any host this runs on, and far from overflowing a long. */
  public static final long MAX_BYTES = 1L << 40;
  static final String MIN_TEXT = "6M";
  static final String MAX_TEXT = "1024G";
  private static final Pattern FORMAT = Pattern.compile("([0-9]{1,30})(B|K|M|G|KB|MB|GB)", Pattern.CASE_INSENSITIVE);

  public MemoryLimit {
    if (bytes < MIN_BYTES || bytes > MAX_BYTES) {
      throw new InvalidInputException("memory limit of " + bytes + " bytes is out of range: use " + MIN_TEXT + " to " + MAX_TEXT);
    }
  }

  /**
   * Parses {@code 512M}, {@code 1G}, {@code 20MB}...
   *
   * @throws InvalidInputException for null, a number without a unit, another unit, or a limit out of range
   */
  public static MemoryLimit parse(String text) {
    if (text == null) {
      throw new InvalidInputException("memory limit is missing (null): Limit format: <number><unit>, where unit = B, K, M or G");
    }
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      throw new InvalidInputException("memory limit " + io.deis.error.DeisException.quote(text)
          + " is invalid: Limit format: <number><unit>, where unit = B, K, M or G");
    }
    int shift = switch (Character.toUpperCase(m.group(2).charAt(0))) {
      case 'K' -> 10;
      case 'M' -> 20;
      case 'G' -> 30;
      default -> 0;
    };
    String digits = m.group(1).replaceFirst("^0+(?=.)", "");
    // 14 digits are more than 1 TiB in bytes whatever the unit; longer numbers are refused before they could overflow.
    long number = digits.length() > 14 ? Long.MAX_VALUE : Long.parseLong(digits);
    long bytes = number > (MAX_BYTES >> shift) ? Long.MAX_VALUE : number << shift;
    if (bytes < MIN_BYTES || bytes > MAX_BYTES) {
      throw new InvalidInputException("memory limit " + io.deis.error.DeisException.quote(text) + " is out of range: use "
          + MIN_TEXT + " to " + MAX_TEXT);
    }
    return new MemoryLimit(bytes);
  }
}
