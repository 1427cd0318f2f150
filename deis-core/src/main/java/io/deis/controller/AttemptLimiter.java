package io.deis.controller;

import io.deis.error.InvalidInputException;
import io.deis.error.TooManyRequestsException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Log-in and register attempts per source within a window, where passwords are guessed: each
 * front-end calls {@link #acquire} with its own notion of the caller's source before it lets a
 * log in, a register or a key authentication through (the git server: the SSH peer's address;
 * the REST API: the HTTP client's address). One limiter per controller, {@link Controller#authAttempts()},
 * so every front-end counts against the same budget; its limits are {@link Limits#authAttempts()}
 * per {@link Limits#authWindow()}.
 *
 * <p>A fixed window per source starts with its first attempt. Memory is bounded: at most
 * {@link Limits#authSources()} sources are tracked, and when that many are, the oldest window is
 * forgotten to make room, so a flood of sources never locks out a new one.
 */
public final class AttemptLimiter {
  /** The longest source text: an IPv6 address with a zone and a port fits many times over. */
  public static final int MAX_SOURCE_LENGTH = 256;

  private final int attempts;
  private final Duration window;
  private final int maxSources;
  private final Clock clock;
  private final LinkedHashMap<String, Window> windows = new LinkedHashMap<>();

  AttemptLimiter(Limits limits, Clock clock) {
    this.attempts = limits.authAttempts();
    this.window = limits.authWindow();
    this.maxSources = limits.authSources();
    this.clock = clock;
  }

  /**
   * Counts one attempt from {@code source}, refusing it when the source has used up its attempts:
   * for log in and register, where every attempt may be a guess.
   *
   * @param source who is trying, as the front-end knows it (an address, without the port: a client picks a new port per connection)
   * @throws TooManyRequestsException when the source used up its attempts in this window; nothing is counted then
   * @throws InvalidInputException for a null, empty or over-long source
   */
  public void acquire(String source) {
    synchronized (windows) {
      check(source).count++;
    }
  }

  /**
   * Refuses {@code source} when it has used up its attempts, without counting one: for front-ends
   * that count only failures with {@link #failed} (the git server, where a registered key is no guess).
   *
   * @throws TooManyRequestsException when the source used up its attempts in this window
   */
  public void verify(String source) {
    synchronized (windows) {
      check(source);
    }
  }

  /** Counts one failed attempt from {@code source} (an unregistered key, a wrong password), whatever the count is now. */
  public void failed(String source) {
    synchronized (windows) {
      window(source).count++;
    }
  }

  private Window check(String source) {
    Window w = window(source);
    if (w.count >= attempts) {
      Duration left = Duration.between(clock.instant(), w.start.plus(window));
      throw new TooManyRequestsException("too many log-in or register attempts from " + source + ": at most " + attempts
          + " per " + describe(window) + "; try again in " + Math.max(1, (left.toMillis() + 999) / 1000) + " s", left);
    }
    return w;
  }

  /** The source's window now, made when it has none; called holding {@code windows}. */
  private Window window(String source) {
    if (source == null || source.isEmpty() || source.length() > MAX_SOURCE_LENGTH) {
      throw new InvalidInputException("attempt source " + io.deis.error.DeisException.quote(source)
          + " is invalid: give the caller's address, 1 to " + MAX_SOURCE_LENGTH + " characters");
    }
    Instant now = clock.instant();
    expire(now);
    Window w = windows.get(source);
    if (w == null) {
      if (windows.size() >= maxSources) {
        Iterator<Window> oldest = windows.values().iterator();
        oldest.next();
        oldest.remove();
      }
      w = new Window(now);
      windows.put(source, w);
    }
    return w;
  }

  /** How many sources are tracked now. */
  int tracked() {
    synchronized (windows) {
      return windows.size();
    }
  }

  /** Windows are kept in the order they started, so the ended ones are at the head. */
  private void expire(Instant now) {
    for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
      if (!now.isBefore(it.next().getValue().start.plus(window))) {
        it.remove();
      } else {
        return;
      }
    }
  }

  private static String describe(Duration d) {
    return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
  }

  private static final class Window {
    final Instant start;
    int count;

    Window(Instant start) {
      this.start = start;
    }
  }
}
