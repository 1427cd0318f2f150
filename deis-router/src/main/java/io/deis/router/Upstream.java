package io.deis.router;

import io.deis.model.AppName;
import io.deis.model.Endpoint;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint of an app (an up container) and the router's bookkeeping about it: how many
 * requests it is serving, whether it still takes new ones, and its idle keep-alive connections.
 *
 * <p>The idle connections are kept per event loop, indexed by the loop's number, and each deque
 * is touched only by its own loop's thread: a request never waits for a lock to find a connection.
 */
final class Upstream {
  final AppName app;
  final Endpoint endpoint;
  final InetSocketAddress address;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CountDownLatch drained = new CountDownLatch(1);
  /** Set once, when the endpoint is drained or removed: no new request and no pooling from then on. */
  private volatile boolean retired;
  private final ArrayDeque<UpstreamConnection>[] idle;

  @SuppressWarnings("unchecked")
  Upstream(AppName app, Endpoint endpoint, int loops) {
    this.app = app;
    this.endpoint = endpoint;
    this.address = new InetSocketAddress(endpoint.host(), endpoint.port());
    this.idle = new ArrayDeque[loops];
    for (int i = 0; i < loops; i++) {
      idle[i] = new ArrayDeque<>();
    }
  }

  /**
   * Counts a new request, unless the endpoint was retired meanwhile. The increment comes before
   * the check and {@link #retire} sets the flag before it reads the count, so either the request
   * sees the flag or the drain sees the request: none slips past a drain.
   */
  boolean tryAcquire() {
    inFlight.incrementAndGet();
    if (retired) {
      release();
      return false;
    }
    return true;
  }

  void release() {
    if (inFlight.decrementAndGet() == 0 && retired) {
      drained.countDown();
    }
  }

  int inFlight() {
    return inFlight.get();
  }

  boolean retired() {
    return retired;
  }

  /** Takes no new requests from now on; {@link #awaitDrained} then waits for the ones under way. */
  void retire() {
    retired = true;
    if (inFlight.get() == 0) {
      drained.countDown();
    }
  }

  boolean awaitDrained(long millis) throws InterruptedException {
    return drained.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** The most recently used idle connection of this loop that is still open, or null. Loop thread only. */
  UpstreamConnection pollIdle(int loop) {
    ArrayDeque<UpstreamConnection> q = idle[loop];
    UpstreamConnection c;
    while ((c = q.pollLast()) != null) {
      if (c.channel().isActive()) {
        return c;
      }
    }
    return null;
  }

  /** Keeps a connection for the next request, when there is room and the endpoint is not retired. Loop thread only. */
  boolean offerIdle(int loop, UpstreamConnection c, int max) {
    ArrayDeque<UpstreamConnection> q = idle[loop];
    if (retired || q.size() >= max) {
      return false;
    }
    q.addLast(c);
    return true;
  }

  /** Loop thread only. */
  void forgetIdle(int loop, UpstreamConnection c) {
    idle[loop].remove(c);
  }

  /** Closes this loop's idle connections. Loop thread only. */
  void closeIdle(int loop) {
    UpstreamConnection c;
    while ((c = idle[loop].pollLast()) != null) {
      c.channel().close();
    }
  }

  @Override
  public String toString() {
    return app + "@" + endpoint;
  }
}
