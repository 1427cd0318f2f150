package io.deis.controller;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted PBKDF2-HMAC-SHA256, stored in Django's format ({@code pbkdf2_sha256$iterations$salt$hash})
 * so the original controller's user table could be read, and so that the iteration count can be
 * raised later without invalidating existing hashes.
 */
final class PasswordHasher {
  static final String ALGORITHM = "pbkdf2_sha256";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The longest password: PBKDF2's work grows with it, so an unbounded one is a way to burn the controller's CPU. */
  static final int MAX_PASSWORD_LENGTH = 1024;
  private final int iterations;
  /** A hash of nothing anyone knows, with this hasher's iterations: what an unknown user's password is checked against. */
  private final String unmatchable;
  /** PBKDF2 iterations done so far, all checks together: how tests see that every check does the same work. */
  private final java.util.concurrent.atomic.AtomicLong iterationsDerived = new java.util.concurrent.atomic.AtomicLong();

  PasswordHasher(int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("password hash iterations must be at least 1, not " + iterations);
    }
    this.iterations = iterations;
    byte[] salt = new byte[16];
    byte[] hash = new byte[32];
    RANDOM.nextBytes(salt);
    RANDOM.nextBytes(hash);
    this.unmatchable = ALGORITHM + "$" + iterations + "$" + Base64.getEncoder().withoutPadding().encodeToString(salt) + "$"
        + Base64.getEncoder().encodeToString(hash);
  }

  /** Refuses a null, empty or over-long password, naming {@code what} (never the password). */
  static String check(String what, String password) {
    if (password == null || password.isEmpty()) {
      throw new io.deis.error.InvalidInputException(what + " is empty");
    }
    if (password.length() > MAX_PASSWORD_LENGTH) {
      throw new io.deis.error.InvalidInputException(what + " is longer than " + MAX_PASSWORD_LENGTH + " characters");
    }
    return password;
  }

  long iterationsDerived() {
    return iterationsDerived.get();
  }

  /** A stored-hash form that no password matches, costing as much to check as a real one. */
  String unmatchable() {
    return unmatchable;
  }

  String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    String saltText = Base64.getEncoder().withoutPadding().encodeToString(salt);
    return ALGORITHM + "$" + iterations + "$" + saltText + "$" + derive(password, saltText, iterations);
  }

  boolean matches(String password, String stored) {
    String[] parts = stored.split("\\$");
    if (parts.length != 4 || !parts[0].equals(ALGORITHM) || !parts[1].matches("[0-9]{1,9}") || password.length() > MAX_PASSWORD_LENGTH) {
      return false;
    }
    int storedIterations = Integer.parseInt(parts[1]);
    iterationsDerived.addAndGet(storedIterations);
    String expected = derive(password, parts[2], storedIterations);
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), parts[3].getBytes(StandardCharsets.US_ASCII));
  }

  private static String derive(String password, String salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt.getBytes(StandardCharsets.US_ASCII), iterations, 256);
      byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      spec.clearPassword();
      return Base64.getEncoder().encodeToString(hash);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JVM", e);
    }
  }
}
