package io.deis.controller;

import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs for builds, configs and releases. {@link UUID#randomUUID()} draws from
 * one shared {@code NativePRNG}, which reads {@code /dev/urandom} under a global lock: it was a
 * quarter of a config change's time in the store benchmark, and a point where concurrent
 * operations queue. Each thread here has its own DRBG instead, seeded once from the system.
 */
final class Ids {
  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(Ids::newRandom);

  private Ids() {}

  /** A new random UUID in its usual text form. */
  static String uuid() {
    byte[] bytes = new byte[16];
    RANDOM.get().nextBytes(bytes);
    bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80); // the IETF variant
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new UUID(buffer.getLong(), buffer.getLong()).toString();
  }

  private static SecureRandom newRandom() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      return new SecureRandom(); // every Java 17 has DRBG; this only keeps a stripped runtime working
    }
  }
}
