package io.deis.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's boot id (Linux), so a process group number from an earlier boot is never signalled. */
final class BootId {
  private static final String CURRENT = read();

  private BootId() {}

  static String current() {
    return CURRENT;
  }

  private static String read() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
    } catch (IOException | RuntimeException e) {
      return "unknown-boot"; // no /proc: groups left by a dead runtime are not killed, only their files removed
    }
  }
}
