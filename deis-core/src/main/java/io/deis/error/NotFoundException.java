package io.deis.error;

/** The named app, user, key, release or container does not exist. */
public class NotFoundException extends DeisException {
  public NotFoundException(String message) {
    super(message);
  }

  @Override
  public int httpStatus() {
    return 404;
  }
}
