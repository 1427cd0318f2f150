package io.deis.scheduler.docker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a stream of bytes keeping only its last {@code limit} bytes, so that a container that
 * prints without end cannot fill the controller's memory. Thread-safe: docker-java delivers
 * frames on its own thread.
 */
final class TailBuffer {
  private final int limit;
  private byte[] bytes;
  private int size;
  private long total;

  TailBuffer(int limit) {
    this.limit = limit;
    this.bytes = new byte[Math.min(limit, 8192) * 2];
  }

  synchronized void write(byte[] chunk) {
    total += chunk.length;
    if (chunk.length >= limit) {
      System.arraycopy(chunk, chunk.length - limit, bytes(limit), 0, limit);
      size = limit;
      return;
    }
    if (size + chunk.length > bytes.length) {
      // Keep only what can still be among the last `limit` bytes, then grow up to twice the limit.
      int keep = Math.min(size, limit - chunk.length);
      byte[] next = new byte[Math.min(Math.max(bytes.length * 2, keep + chunk.length), limit * 2)];
      System.arraycopy(bytes, size - keep, next, 0, keep);
      bytes = next;
      size = keep;
    }
    System.arraycopy(chunk, 0, bytes, size, chunk.length);
    size += chunk.length;
  }

  private byte[] bytes(int needed) {
    if (bytes.length < needed) {
      bytes = new byte[needed];
    }
    return bytes;
  }

  /** How many bytes were written and are not kept. */
  synchronized long cut() {
    return total - Math.min(size, limit);
  }

  /**
   * The kept lines. When the start was cut, the first kept line (most likely a part of one) is
   * dropped, so that no half line or half character shows.
   */
  synchronized List<String> lines() {
    int from = Math.max(0, size - limit);
    if (total > Math.min(size, limit)) {
      while (from < size && bytes[from] != '\n') {
        from++;
      }
      from = Math.min(size, from + 1);
    }
    List<String> lines = new ArrayList<>();
    new String(bytes, from, size - from, StandardCharsets.UTF_8).lines().forEach(lines::add);
    return lines;
  }
}
