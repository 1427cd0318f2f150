package io.deis.store.jdbc;

import io.deis.error.InvalidInputException;

/**
 * Checks of free text before it is written. PostgreSQL refuses a NUL character in text, and a
 * key column has a length; both are refused here with a clear message instead of a database error.
 */
final class Text {
  private Text() {}

  static void check(String what, String value) {
    if (value == null) {
      throw new InvalidInputException(what + " is missing (null)");
    }
    if (value.indexOf('\0') >= 0) {
      throw new InvalidInputException(what + " contains a NUL character: remove it");
    }
  }

  static void checkKey(String what, String value, int maxLength) {
    check(what, value);
    if (value.length() > maxLength) {
      throw new InvalidInputException(what + " is " + value.length() + " characters long: at most " + maxLength + " are allowed");
    }
  }

  /** Text the platform wrote itself (a failure's reason): kept, with any NUL replaced. */
  static String clean(String value) {
    return value == null ? null : value.replace('\0', '\uFFFD');
  }
}
