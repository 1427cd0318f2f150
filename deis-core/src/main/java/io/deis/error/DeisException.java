package io.deis.error;

/**
 * Base of every error the SDK throws on purpose. Each subclass maps onto one HTTP status of the
 * Deis REST API, so a front-end can translate errors without knowing where they came from.
 */
public abstract class DeisException extends RuntimeException {
  protected DeisException(String message) {
    super(message);
  }

  protected DeisException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The HTTP status the Deis API answered this error with. */
  public abstract int httpStatus();
}
