package io.deis.error;

/**
 * The store could not do what was asked: its database did not answer, refused the connection, or
 * holds a row that cannot be read. Nothing was changed by the call that threw it, unless the
 * connection was lost while the change was being committed (then it may or may not have been).
 * The message names the operation and the database's error code, never a value being written.
 */
public class StoreException extends DeisException {
  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int httpStatus() {
    return 503;
  }
}
