package io.deis.error;

import java.time.Duration;

/** A caller made more attempts than a limit allows within its window (log in, register); try again after {@link #retryAfter()}. */
public class TooManyRequestsException extends DeisException {
  private final Duration retryAfter;

  public TooManyRequestsException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** How long until the caller's window ends and an attempt is allowed again (an HTTP {@code Retry-After}). */
  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public int httpStatus() {
    return 429;
  }
}
