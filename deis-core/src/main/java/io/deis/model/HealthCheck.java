package io.deis.model;

import io.deis.error.InvalidInputException;
import java.time.Duration;

/**
 * An HTTP check that a new web or cmd container must pass (status 200 on {@code path}) before a
 * deploy retires the old containers. Configured as Deis did, through config values:
 * {@code HEALTHCHECK_URL} (the path), {@code HEALTHCHECK_TIMEOUT} (seconds per request, default 1)
 * and {@code HEALTHCHECK_INITIAL_DELAY} (seconds before the first try, default 0).
 */
public record HealthCheck(String path, Duration timeout, Duration initialDelay) {
  public static final String URL_KEY = "HEALTHCHECK_URL";
  public static final String TIMEOUT_KEY = "HEALTHCHECK_TIMEOUT";
  public static final String INITIAL_DELAY_KEY = "HEALTHCHECK_INITIAL_DELAY";

  public HealthCheck {
    if (!path.startsWith("/")) {
      throw new InvalidInputException(URL_KEY + " '" + path + "' must be a path starting with '/', for example /healthz");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new InvalidInputException(TIMEOUT_KEY + " must be more than 0 seconds");
    }
    if (initialDelay.isNegative()) {
      throw new InvalidInputException(INITIAL_DELAY_KEY + " must be 0 seconds or more");
    }
  }

  static Duration seconds(String key, String text, Duration fallback) {
    if (text == null) {
      return fallback;
    }
    try {
      return Duration.ofMillis(Math.round(Double.parseDouble(text) * 1000));
    } catch (NumberFormatException e) {
      throw new InvalidInputException(key + " '" + text + "' is not a number of seconds");
    }
  }
}
