package io.deis.model;

import io.deis.error.InvalidInputException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * An HTTP check that a new web or cmd container must pass (status 200 on {@code path}) before a
 * deploy retires the old containers. Configured as Deis did, through config values:
 * {@code HEALTHCHECK_URL} (the path), {@code HEALTHCHECK_TIMEOUT} (seconds per request, default 1)
 * and {@code HEALTHCHECK_INITIAL_DELAY} (seconds before the first try, default 0).
 *
 * <p>These are config values, so messages name the key and never quote the value, and
 * {@link #toString()} leaves the path out. Each duration is at most {@link #MAX_SECONDS} here; the
 * controller's limits bound them lower, within the scheduler's deploy timeout.
 */
public record HealthCheck(String path, Duration timeout, Duration initialDelay) {
  public static final String URL_KEY = "HEALTHCHECK_URL";
  public static final String TIMEOUT_KEY = "HEALTHCHECK_TIMEOUT";
  public static final String INITIAL_DELAY_KEY = "HEALTHCHECK_INITIAL_DELAY";
  /** The longest timeout or initial delay any health check may have: one hour. */
  public static final long MAX_SECONDS = 3600;
  /** The longest path: what HTTP servers commonly accept in a request line. */
  public static final int MAX_PATH_LENGTH = 2048;
  /** A path as it may go on an HTTP request line: printable ASCII without spaces. */
  private static final Pattern PATH = Pattern.compile("/[!-~]*");
  /** Whole or decimal seconds, as Deis's settings were written: {@code 1}, {@code 2.5}. */
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,3})?");

  public HealthCheck {
    if (path == null || path.length() > MAX_PATH_LENGTH || !PATH.matcher(path).matches()) {
      throw new InvalidInputException(URL_KEY + " must be a path starting with '/', for example /healthz, of at most "
          + MAX_PATH_LENGTH + " printable characters without spaces");
    }
    check(TIMEOUT_KEY, timeout, false);
    check(INITIAL_DELAY_KEY, initialDelay, true);
  }

  private static void check(String key, Duration value, boolean zeroAllowed) {
    if (value == null) {
      throw new InvalidInputException(key + " is missing (null)");
    }
    if (value.isNegative() || value.isZero() && !zeroAllowed) {
      throw new InvalidInputException(key + " must be " + (zeroAllowed ? "0 seconds or more" : "more than 0 seconds"));
    }
    if (value.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0) {
      throw new InvalidInputException(key + " must be at most " + MAX_SECONDS + " seconds");
    }
  }

  static Duration seconds(String key, String text, Duration fallback) {
    if (text == null) {
      return fallback;
    }
    if (!SECONDS.matcher(text).matches()) {
      throw new InvalidInputException(key + " is not a number of seconds: use a number such as 1 or 2.5");
    }
    return Duration.ofMillis(Math.round(Double.parseDouble(text) * 1000));
  }

  /** The check without its path, which is a config value. */
  @Override
  public String toString() {
    return "HealthCheck[" + URL_KEY + " set, timeout " + timeout + ", initial delay " + initialDelay + "]";
  }
}
