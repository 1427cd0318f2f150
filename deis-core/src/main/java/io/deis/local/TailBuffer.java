package io.deis.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Keeps the last {@code limit} bytes of a stream, and how many came before them, so huge output costs bounded memory. */
final class TailBuffer {
  private final byte[] ring;
  private long total;

  TailBuffer(int limit) {
    this.ring = new byte[limit];
  }

  /** Reads {@code in} to its end. */
  void readAll(InputStream in) {
    byte[] chunk = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(chunk)) > 0) {
        append(chunk, n);
      }
    } catch (IOException e) {
      // the process ended and its pipe closed: what was read is kept
    }
  }

  private synchronized void append(byte[] chunk, int n) {
    for (int i = 0; i < n; i++) {
      ring[(int) ((total + i) % ring.length)] = chunk[i];
    }
    total += n;
  }

  /** The kept output; when some was cut, a first line says how much. */
  synchronized String text() {
    if (total <= ring.length) {
      return new String(ring, 0, (int) total, StandardCharsets.UTF_8);
    }
    int start = (int) (total % ring.length);
    byte[] ordered = new byte[ring.length];
    System.arraycopy(ring, start, ordered, 0, ring.length - start);
    System.arraycopy(ring, 0, ordered, ring.length - start, start);
    return "[output cut: the first " + (total - ring.length) + " bytes were dropped, the last " + ring.length + " are kept]\n"
        + new String(ordered, StandardCharsets.UTF_8);
  }
}
