package io.deis.model;

import io.deis.error.InvalidInputException;
import java.time.Instant;
import java.util.regex.Pattern;

/** A person who uses the platform. The first one registered is an administrator. */
public record User(String username, String email, boolean admin, Instant created) {
  private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9@.+_-]{1,150}");
  /** The longest e-mail address (RFC 5321's path limit). */
  public static final int MAX_EMAIL_LENGTH = 254;

  public User {
    checkUsername(username);
    checkEmail(email);
    if (created == null) {
      throw new InvalidInputException("user creation time is missing (null)");
    }
  }

  /** Checks an e-mail address as given at registration: empty, or at most {@value #MAX_EMAIL_LENGTH} characters without control characters. */
  public static String checkEmail(String email) {
    if (email == null) {
      throw new InvalidInputException("e-mail address is missing (null): give one, or an empty string");
    }
    if (email.length() > MAX_EMAIL_LENGTH || email.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidInputException("e-mail address " + io.deis.error.DeisException.quote(email) + " is invalid: use at most "
          + MAX_EMAIL_LENGTH + " characters without control characters");
    }
    return email;
  }

  public static String checkUsername(String username) {
    if (username == null || !USERNAME.matcher(username).matches()) {
      throw new InvalidInputException("username " + io.deis.error.DeisException.quote(username)
          + " is invalid: use 1 to 150 letters, digits and @ . + - _");
    }
    return username;
  }

  public User withAdmin(boolean isAdmin) {
    return new User(username, email, isAdmin, created);
  }
}
