package io.deis.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.deis.model.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server (the JDK's) standing in for an app's container. Paths:
 * {@code /} its name; {@code /headers} the request headers, one {@code name: value} a line;
 * {@code /echo} the request body streamed back; {@code /peer} the client's port (which
 * upstream connection the router used); {@code /slow?ms=N} waits, then its name;
 * {@code /gate} sends a first line, waits for {@link #openGate()}, then a second;
 * {@code /first-piece} answers once the first 1 KiB of the body arrived, then reads the rest;
 * {@code /trickle?ms=N&n=K} K lines N ms apart; {@code /early} answers without reading the body;
 * {@code /collect} reads the whole body, then sends it back with its length;
 * {@code /status/N} status N.
 */
final class TestUpstream implements AutoCloseable {
  final String name;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final Map<Integer, Boolean> peers = new ConcurrentHashMap<>();
  private volatile CountDownLatch gate = new CountDownLatch(1);
  final CountDownLatch firstPieceArrived = new CountDownLatch(1);
  final CountDownLatch releaseBody = new CountDownLatch(1);

  TestUpstream(String name) throws IOException {
    this(name, 0);
  }

  private TestUpstream(String name, int port) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /** An app's web process on the local runtime: listens on $PORT and answers $GREETING. */
  public static void main(String[] args) throws IOException {
    new TestUpstream(String.valueOf(System.getenv("GREETING")), Integer.parseInt(System.getenv("PORT")));
  }

  Endpoint endpoint() {
    return new Endpoint("127.0.0.1", server.getAddress().getPort());
  }

  void openGate() {
    gate.countDown();
  }

  private void handle(HttpExchange x) throws IOException {
    requests.incrementAndGet();
    inFlight.incrementAndGet();
    try {
      peers.put(x.getRemoteAddress().getPort(), true);
      URI uri = x.getRequestURI();
      String path = uri.getPath();
      Map<String, String> q = query(uri);
      if (path.equals("/headers")) {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(x.getRequestHeaders()).forEach((k, v) -> v.forEach(value -> out.append(k.toLowerCase()).append(": ")
            .append(value).append('\n')));
        send(x, 200, out.toString());
      } else if (path.equals("/echo")) {
        x.sendResponseHeaders(200, 0);
        try (InputStream in = x.getRequestBody(); OutputStream out = x.getResponseBody()) {
          in.transferTo(out);
        }
      } else if (path.equals("/peer")) {
        send(x, 200, Integer.toString(x.getRemoteAddress().getPort()));
      } else if (path.equals("/slow")) {
        sleep(Long.parseLong(q.getOrDefault("ms", "1000")));
        send(x, 200, name);
      } else if (path.equals("/gate")) {
        x.sendResponseHeaders(200, 0);
        try (OutputStream out = x.getResponseBody()) {
          out.write("first\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          await(gate);
          out.write("second\n".getBytes(StandardCharsets.UTF_8));
        }
      } else if (path.equals("/first-piece")) {
        InputStream in = x.getRequestBody();
        in.readNBytes(1024);
        firstPieceArrived.countDown();
        await(releaseBody);
        long rest = in.transferTo(OutputStream.nullOutputStream());
        send(x, 200, Long.toString(1024 + rest));
      } else if (path.equals("/trickle")) {
        x.sendResponseHeaders(200, 0);
        try (OutputStream out = x.getResponseBody()) {
          int n = Integer.parseInt(q.getOrDefault("n", "10"));
          for (int i = 0; i < n; i++) {
            out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            sleep(Long.parseLong(q.getOrDefault("ms", "100")));
          }
        }
      } else if (path.equals("/early")) {
        send(x, 200, "early"); // without reading the body
      } else if (path.equals("/collect")) {
        byte[] body = x.getRequestBody().readAllBytes();
        x.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
          out.write(body);
        }
      } else if (path.startsWith("/status/")) {
        int status = Integer.parseInt(path.substring("/status/".length()));
        if (status == 204 || status == 304) {
          x.sendResponseHeaders(status, -1);
          x.close();
        } else {
          send(x, status, "status " + status);
        }
      } else {
        x.getRequestBody().transferTo(OutputStream.nullOutputStream());
        send(x, 200, name);
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private static void send(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, x.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      if (!x.getRequestMethod().equals("HEAD")) {
        out.write(bytes);
      }
    }
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> q = new TreeMap<>();
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        q.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
      }
    }
    return q;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    gate.countDown();
    releaseBody.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
