package io.deis.router;

import io.deis.model.AppName;
import io.deis.model.Endpoint;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One app's routing state: the upstreams that take its new requests. The array is replaced on
 * every change (copy on write) and read without a lock by every request.
 */
final class AppRoute {
  private static final Upstream[] NONE = new Upstream[0];

  final AppName app;
  private volatile Upstream[] upstreams = NONE;
  private volatile boolean redirectToHttps;
  private final AtomicInteger next = new AtomicInteger();

  AppRoute(AppName app) {
    this.app = app;
  }

  /**
   * Picks an upstream for a new request and counts it there, or returns null when the app has
   * none. {@code avoid} (the upstream whose connect just failed) is skipped when another exists.
   */
  Upstream acquire(Balancing balancing, Upstream avoid) {
    for (int attempt = 0; attempt < 8; attempt++) {
      Upstream[] all = upstreams;
      int n = all.length;
      if (n == 0) {
        return null;
      }
      Upstream chosen = n == 1 ? all[0] : choose(all, balancing, avoid);
      if (chosen.tryAcquire()) {
        return chosen;
      }
      // Retired between the read of the array and the count: the array is new by now.
    }
    return null;
  }

  private Upstream choose(Upstream[] all, Balancing balancing, Upstream avoid) {
    int n = all.length;
    int start = Math.floorMod(next.getAndIncrement(), n);
    if (balancing == Balancing.ROUND_ROBIN) {
      Upstream u = all[start];
      return u == avoid ? all[(start + 1) % n] : u;
    }
    // Least in flight; ties go round robin, so that an idle app still spreads its requests.
    Upstream best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Upstream u = all[(start + i) % n];
      int load = u.inFlight();
      if (u != avoid && load < bestLoad) {
        best = u;
        bestLoad = load;
      }
    }
    return best;
  }

  synchronized boolean add(Upstream upstream) {
    for (Upstream u : upstreams) {
      if (u.endpoint.equals(upstream.endpoint)) {
        return false;
      }
    }
    Upstream[] grown = Arrays.copyOf(upstreams, upstreams.length + 1);
    grown[grown.length - 1] = upstream;
    upstreams = grown;
    return true;
  }

  /** Takes the endpoint out of the rotation and returns it, or null when it was not in. */
  synchronized Upstream remove(Endpoint endpoint) {
    Upstream[] now = upstreams;
    for (int i = 0; i < now.length; i++) {
      if (now[i].endpoint.equals(endpoint)) {
        Upstream gone = now[i];
        Upstream[] shrunk = new Upstream[now.length - 1];
        System.arraycopy(now, 0, shrunk, 0, i);
        System.arraycopy(now, i + 1, shrunk, i, now.length - i - 1);
        upstreams = shrunk;
        return gone;
      }
    }
    return null;
  }

  synchronized Upstream[] removeAll() {
    Upstream[] all = upstreams;
    upstreams = NONE;
    return all;
  }

  Upstream[] upstreams() {
    return upstreams;
  }

  boolean redirectToHttps() {
    return redirectToHttps;
  }

  void redirectToHttps(boolean on) {
    redirectToHttps = on;
  }
}
