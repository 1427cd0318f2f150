package io.deis.error;

/** Wrong password, unknown or revoked token, unknown key. */
public class AuthenticationException extends DeisException {
  public AuthenticationException(String message) {
    super(message);
  }

  @Override
  public int httpStatus() {
    return 401;
  }
}
