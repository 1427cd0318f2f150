package io.deis.error;

/**
 * Base of every error the SDK throws on purpose. Each subclass maps onto one HTTP status of the
 * Deis REST API, so a front-end can translate errors without knowing where they came from.
 */
public abstract class DeisException extends RuntimeException {
  /** How much of a user's input a message quotes: enough to recognise it, never a flood. */
  public static final int QUOTE_LIMIT = 64;

  protected DeisException(String message) {
    super(message);
  }

  protected DeisException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The HTTP status the Deis API answered this error with. */
  public abstract int httpStatus();

  /**
   * A user's input as an error message quotes it: in single quotes, control characters shown as
   * {@code ?}, cut after {@value #QUOTE_LIMIT} characters with the length said. Never use it for a
   * config value: messages name a value's key, never the value.
   */
  public static String quote(String input) {
    if (input == null) {
      return "null";
    }
    StringBuilder shown = new StringBuilder("'");
    int end = Math.min(input.length(), QUOTE_LIMIT);
    for (int i = 0; i < end; i++) {
      char c = input.charAt(i);
      shown.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
    }
    shown.append('\'');
    if (input.length() > QUOTE_LIMIT) {
      shown.append(" (cut; ").append(input.length()).append(" characters)");
    }
    return shown.toString();
  }
}
