package io.deis.model;

import com.google.common.io.BaseEncoding;
import io.deis.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;

/**
 * An SSH public key in OpenSSH's one-line format: {@code <type> <base64 blob> [comment]}. The blob
 * is checked to decode and to name the same type inside it, which catches truncated and
 * copy-pasted-wrong keys that the original Deis let through.
 */
public record SshPublicKey(String type, byte[] blob, String comment) {
  public static final Set<String> TYPES = Set.of(
      "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521");

  /** The longest key line accepted: a 16384-bit RSA key with a long comment fits. */
  public static final int MAX_LENGTH = 16 * 1024;

  public SshPublicKey {
    if (type == null || blob == null || comment == null) {
      throw new InvalidInputException("public key type, data and comment must all be given (not null)");
    }
    blob = blob.clone();
  }

  public static SshPublicKey parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("public key is empty: paste one line of an OpenSSH .pub file, such as 'ssh-ed25519 AAAA... you@host'");
    }
    if (text.length() > MAX_LENGTH) {
      throw new InvalidInputException("public key is " + text.length() + " characters long: at most " + MAX_LENGTH
          + " are accepted; paste one line of an OpenSSH .pub file");
    }
    String[] parts = text.strip().split("\\s+", 3);
    String type = parts[0];
    if (!TYPES.contains(type)) {
      throw new InvalidInputException("public key type " + io.deis.error.DeisException.quote(type) + " is not supported: use one of " + TYPES.stream().sorted().toList());
    }
    if (parts.length < 2) {
      throw new InvalidInputException("public key has no key data after '" + type + "': expected '" + type + " AAAA... comment'");
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(parts[1]);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("public key data is not valid base64 (Incorrect padding?): " + e.getMessage());
    }
    String inner = innerType(blob);
    if (!type.equals(inner)) {
      throw new InvalidInputException("public key data is not a " + type + " key"
          + (inner.isEmpty() ? "" : " (it holds " + io.deis.error.DeisException.quote(inner) + ")"));
    }
    if (parts.length == 3 && parts[2].chars().anyMatch(Character::isISOControl)) {
      throw new InvalidInputException("public key comment has control characters (a line break?): paste one line of an OpenSSH .pub file");
    }
    return new SshPublicKey(type, blob, parts.length == 3 ? parts[2].strip() : "");
  }

  /** OpenSSH's fingerprint: {@code SHA256:} and the unpadded base64 of the blob's SHA-256. */
  public String fingerprintSha256() {
    return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest("SHA-256"));
  }

  /** The fingerprint Deis showed: MD5 as lowercase hex pairs joined by ':'. */
  public String fingerprintMd5() {
    String hex = BaseEncoding.base16().lowerCase().encode(digest("MD5"));
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < hex.length(); i += 2) {
      if (i > 0) {
        out.append(':');
      }
      out.append(hex, i, i + 2);
    }
    return out.toString();
  }

  /** The key as one OpenSSH line. */
  public String toOpenSsh() {
    return type + " " + Base64.getEncoder().encodeToString(blob) + (comment.isEmpty() ? "" : " " + comment);
  }

  @Override
  public byte[] blob() {
    return blob.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SshPublicKey k && type.equals(k.type) && Arrays.equals(blob, k.blob);
  }

  @Override
  public int hashCode() {
    return 31 * type.hashCode() + Arrays.hashCode(blob);
  }

  @Override
  public String toString() {
    return type + " " + fingerprintSha256() + (comment.isEmpty() ? "" : " " + comment);
  }

  private byte[] digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm).digest(blob);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is missing from this JVM", e);
    }
  }

  /** The type string every SSH key blob starts with (a uint32 length, then the name). */
  private static String innerType(byte[] blob) {
    if (blob.length < 4) {
      return "";
    }
    int length = ByteBuffer.wrap(blob, 0, 4).getInt();
    if (length <= 0 || length > blob.length - 4 || length > 64) {
      return "";
    }
    return new String(blob, 4, length, StandardCharsets.US_ASCII);
  }
}
