package io.deis.router;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous HTTP load through a router: a few client threads sending requests back to back with
 * java.net.http, half of them GETs and half POSTs with a body (a POST is never retried by the
 * router, so it fails if it ever reaches a container that is stopping), counting every answer and every failure (an exception or a status outside
 * 2xx) until stopped. Bounded: it stops by itself after {@code maxDuration}.
 */
final class LoadDriver implements AutoCloseable {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  final AtomicLong ok = new AtomicLong();
  final List<String> failures = new CopyOnWriteArrayList<>();
  /** How many answers each distinct body got: which releases served. */
  final Map<String, AtomicLong> bodies = new ConcurrentHashMap<>();

  /** Requests go to {@code http://localhost:<routerPort><path>}: the app needs the domain {@code localhost}. */
  LoadDriver(int routerPort, String path, int threadCount, Duration maxDuration) {
    long deadline = System.nanoTime() + maxDuration.toNanos();
    URI uri = URI.create("http://localhost:" + routerPort + path);
    HttpRequest get = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
    HttpRequest post = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("order=1")).build();
    for (int i = 0; i < threadCount; i++) {
      HttpRequest request = i % 2 == 0 ? get : post;
      Thread t = new Thread(() -> {
        while (running.get() && System.nanoTime() < deadline) {
          try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
              ok.incrementAndGet();
              bodies.computeIfAbsent(r.body().strip(), b -> new AtomicLong()).incrementAndGet();
            } else {
              failures.add(r.statusCode() + " " + r.body().strip());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      }, "load-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /** Waits until {@code n} more requests have succeeded (the load is flowing). */
  void awaitMore(long n) throws InterruptedException {
    long target = ok.get() + n;
    for (int i = 0; i < 3000 && ok.get() < target && failures.size() < 100; i++) {
      Thread.sleep(10);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(35_000);
    }
  }
}
