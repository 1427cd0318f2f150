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
  private final int iterations;

  PasswordHasher(int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("password hash iterations must be at least 1, not " + iterations);
    }
    this.iterations = iterations;
  }

  String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    String saltText = Base64.getEncoder().withoutPadding().encodeToString(salt);
    return ALGORITHM + "$" + iterations + "$" + saltText + "$" + derive(password, saltText, iterations);
  }

  boolean matches(String password, String stored) {
    String[] parts = stored.split("\\$");
    if (parts.length != 4 || !parts[0].equals(ALGORITHM)) {
      return false;
    }
    String expected = derive(password, parts[2], Integer.parseInt(parts[1]));
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
