package io.deis.router;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one timer of a client connection, re-armed only when it fires (like Netty's
 * IdleStateHandler), so a request costs no timer of its own: the connection's idle time (no
 * byte read from the client or its upstream) and the current request's whole time are checked
 * against their limits when it fires. It fires at least once per the shorter limit, so a request
 * that starts between two firings is still caught in time. Event-loop thread only.
 */
final class ConnectionTimer {
  private final ClientConnection connection;
  private final long idleNanos;
  private final long requestNanos;
  private EventLoop loop;
  private long lastActivity;
  private ScheduledFuture<?> next;

  ConnectionTimer(ClientConnection connection, Options options) {
    this.connection = connection;
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(options.idleTimeoutMillis());
    this.requestNanos = TimeUnit.MILLISECONDS.toNanos(options.requestTimeoutMillis());
  }

  void start(EventLoop eventLoop) {
    loop = eventLoop;
    lastActivity = System.nanoTime();
    next = loop.schedule(this::fire, Math.min(idleNanos, requestNanos), TimeUnit.NANOSECONDS);
  }

  /** A byte arrived from the client or its upstream. */
  void touch() {
    lastActivity = System.nanoTime();
  }

  void cancel() {
    if (next != null) {
      next.cancel(false);
      next = null;
    }
  }

  private void fire() {
    next = null;
    if (!connection.isOpen()) {
      return;
    }
    long now = System.nanoTime();
    long idleLeft = lastActivity + idleNanos - now;
    Exchange e = connection.current();
    boolean timed = e != null && !connection.isUpgraded(); // a WebSocket has no whole-request limit
    long requestLeft = timed ? e.startNanos + requestNanos - now : requestNanos;
    if (idleLeft <= 0 || timed && requestLeft <= 0) {
      connection.timedOut(e, idleLeft <= 0);
      return;
    }
    next = loop.schedule(this::fire, Math.min(idleLeft, requestLeft), TimeUnit.NANOSECONDS);
  }
}
