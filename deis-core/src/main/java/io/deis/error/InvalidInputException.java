package io.deis.error;

/** Bad input from a caller: the message names the input and what would be valid. Nothing was changed. */
public class InvalidInputException extends DeisException {
  public InvalidInputException(String message) {
    super(message);
  }

  @Override
  public int httpStatus() {
    return 400;
  }
}
