package io.deis.model;

import io.deis.error.InvalidInputException;
import java.util.regex.Pattern;

/**
 * The id of an application: lowercase letters, digits and dashes, starting with a letter, at most
 * 64 characters. It is also a DNS label of the app's URL, which is why the rules are this strict.
 * Whether a name is reserved or taken is the controller's business, not this type's.
 */
public record AppName(String value) implements Comparable<AppName> {
  public static final int MAX_LENGTH = 64;
  private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9-]*");

  public AppName {
    if (value == null || value.isEmpty()) {
      throw new InvalidInputException("app name is empty: use lowercase letters, digits and dashes, starting with a letter");
    }
    if (value.length() > MAX_LENGTH) {
      throw new InvalidInputException("app name " + io.deis.error.DeisException.quote(value) + " is " + value.length()
          + " characters long: at most " + MAX_LENGTH + " are allowed");
    }
    if (!VALID.matcher(value).matches()) {
      throw new InvalidInputException("app name " + io.deis.error.DeisException.quote(value)
          + " is invalid: App IDs can only contain [a-z0-9-] and must start with a letter");
    }
  }

  public static AppName of(String value) {
    return new AppName(value);
  }

  @Override
  public int compareTo(AppName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
