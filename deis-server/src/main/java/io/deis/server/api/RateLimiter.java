package io.deis.server.api;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A fixed one-minute window of attempts per client address (login and register, where passwords
 * are guessed). Memory is bounded: at most {@code maxClients} addresses are tracked; when that many
 * are in their window, a new address is refused until the oldest window ends.
 */
final class RateLimiter {
  private static final long WINDOW_NANOS = 60_000_000_000L;

  private final int perMinute;
  private final int maxClients;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<String, Window> windows = new LinkedHashMap<>();

  RateLimiter(int perMinute, int maxClients, LongSupplier nanoTime) {
    this.perMinute = perMinute;
    this.maxClients = maxClients;
    this.nanoTime = nanoTime;
  }

  private static final class Window {
    final long start;
    int attempts;

    Window(long start) {
      this.start = start;
    }
  }

  /** Counts an attempt from {@code client}; returns the seconds to wait when it is over the limit, else 0. */
  synchronized long acquire(String client) {
    long now = nanoTime.getAsLong();
    expire(now);
    Window w = windows.get(client);
    if (w == null) {
      if (windows.size() >= maxClients) {
        return secondsLeft(windows.values().iterator().next(), now);
      }
      w = new Window(now);
      windows.put(client, w);
    }
    if (w.attempts >= perMinute) {
      return secondsLeft(w, now);
    }
    w.attempts++;
    return 0;
  }

  /** Windows are kept in the order they started, so the expired ones are at the head. */
  private void expire(long now) {
    for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
      if (now - it.next().getValue().start >= WINDOW_NANOS) {
        it.remove();
      } else {
        return;
      }
    }
  }

  private static long secondsLeft(Window w, long now) {
    return Math.max(1, (w.start + WINDOW_NANOS - now + 999_999_999L) / 1_000_000_000L);
  }
}
