package io.deis.model;

import io.deis.error.InvalidInputException;
import java.time.Instant;
import java.util.regex.Pattern;

/** A person who uses the platform. The first one registered is an administrator. */
public record User(String username, String email, boolean admin, Instant created) {
  private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9@.+_-]{1,150}");

  public User {
    checkUsername(username);
  }

  public static String checkUsername(String username) {
    if (username == null || !USERNAME.matcher(username).matches()) {
      throw new InvalidInputException("username '" + username
          + "' is invalid: use 1 to 150 letters, digits and @ . + - _");
    }
    return username;
  }

  public User withAdmin(boolean isAdmin) {
    return new User(username, email, isAdmin, created);
  }
}
