package io.deis.error;

/** The change collides with existing state: a taken app name, a key already registered, a user who still owns apps. */
public class ConflictException extends DeisException {
  public ConflictException(String message) {
    super(message);
  }

  @Override
  public int httpStatus() {
    return 409;
  }
}
