package io.deis.server.api;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * API throughput and p99 latency under 32 concurrent clients for {@code GET /v1/apps/<id>/releases/}
 * and {@code POST /v1/apps/<id>/config/}, each against a bare Jetty handler on the same server in
 * the same run: the bare read answers the same bytes as the releases list, the bare write reads a
 * JSON body and answers 201. The ratios are the API's cost over Jetty's own. Loopback only; every
 * phase is bounded in time and the program ends by itself.
 *
 * <pre>mvn -q -pl deis-server -am -Pbench -DskipTests process-test-classes</pre>
 */
public final class ApiBenchmark {
  private static final int CLIENTS = 32;
  private static final Duration WARMUP = Duration.ofSeconds(Integer.getInteger("bench.warmupSeconds", 5));
  private static final Duration MEASURE = Duration.ofSeconds(Integer.getInteger("bench.seconds", 10));

  private ApiBenchmark() {}

  /** Jetty's floor: a handler that answers fixed bytes (reads), or reads the body and answers fixed bytes (writes). */
  static final class BareHandler extends Handler.Abstract {
    volatile byte[] readBody = new byte[0];
    final byte[] writeBody = "{\"detail\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      byte[] body = readBody;
      if (request.getMethod().equals("POST")) {
        Content.Source.asInputStream(request).readAllBytes();
        response.setStatus(201);
        body = writeBody;
      }
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.write(true, ByteBuffer.wrap(body), callback);
      return true;
    }
  }

  public static void main(String[] args) throws Exception {
    Path data = Files.createTempDirectory("deis-api-bench-");
    BareHandler bare = new BareHandler();
    try (Controller controller = Controller.builder().passwordHashIterations(1000).dataDirectory(data).build();
        ApiServer api = ApiServer.builder().controller(controller).port(0).extraHandler("/bare/", bare).build().start()) {
      controller.register("bench", "bench-pw", "bench@example.com");
      Session session = controller.login("bench", "bench-pw");
      session.createApp("bench");
      for (int i = 0; i < 19; i++) {
        session.setConfig("bench", Map.of("SETTING_" + i, "value-" + i)); // 20 releases to list
      }
      String token = session.token().orElseThrow();
      URI base = api.url();
      ExecutorService clientIo = Executors.newFixedThreadPool(4);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientIo).build();
      HttpRequest releases = HttpRequest.newBuilder(base.resolve("/v1/apps/bench/releases/"))
          .header("Authorization", "token " + token).header("Content-Type", "application/json").GET().build();
      HttpResponse<byte[]> sample = http.send(releases, HttpResponse.BodyHandlers.ofByteArray());
      if (sample.statusCode() != 200) {
        throw new IllegalStateException("the releases list answered " + sample.statusCode());
      }
      bare.readBody = sample.body();
      HttpRequest bareRead = HttpRequest.newBuilder(base.resolve("/bare/read")).header("Content-Type", "application/json").GET().build();
      AtomicLong counter = new AtomicLong();
      IntFunction<HttpRequest> configWrite = client -> HttpRequest.newBuilder(base.resolve("/v1/apps/bench/config/"))
          .header("Authorization", "token " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"values\":{\"CLIENT_" + client + "\":\"" + counter.incrementAndGet() + "\"}}")).build();
      IntFunction<HttpRequest> bareWrite = client -> HttpRequest.newBuilder(base.resolve("/bare/write"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"values\":{\"CLIENT_" + client + "\":\"" + counter.incrementAndGet() + "\"}}")).build();

      System.out.println("Deis v1 API on Jetty " + org.eclipse.jetty.util.Jetty.VERSION + ", " + CLIENTS + " concurrent clients, "
          + WARMUP.toSeconds() + " s warm-up and " + MEASURE.toSeconds() + " s measured per row, " + Runtime.getRuntime().availableProcessors()
          + " cores; releases list of 20 releases, " + sample.body().length + " bytes");
      Result bareReads = run("bare handler, GET (same bytes)", http, c -> bareRead, 200);
      Result apiReads = run("GET /v1/apps/bench/releases/", http, c -> releases, 200);
      Result bareWrites = run("bare handler, POST (reads the body)", http, bareWrite, 201);
      Result apiWrites = run("POST /v1/apps/bench/config/", http, configWrite, 201);
      System.out.println();
      for (Result r : List.of(bareReads, apiReads, bareWrites, apiWrites)) {
        System.out.println(r);
      }
      System.out.println();
      double readRatio = apiReads.perSecond() / bareReads.perSecond();
      double writeRatio = apiWrites.perSecond() / bareWrites.perSecond();
      System.out.printf("reads:  throughput x%.2f of the bare handler, p99 x%.2f%n", readRatio, apiReads.p99Millis() / bareReads.p99Millis());
      System.out.printf("writes: throughput x%.2f of the bare handler, p99 x%.2f (every write is a new release under the app's lock)%n",
          writeRatio, apiWrites.p99Millis() / bareWrites.p99Millis());
      long errors = bareReads.errors() + apiReads.errors() + bareWrites.errors() + apiWrites.errors();
      System.out.printf("Goal: reads >= 0.5x with no errors -> x%.2f, %d errors: %s%n", readRatio, errors,
          readRatio >= 0.5 && errors == 0 ? "met" : "NOT met");
      clientIo.shutdownNow();
    } finally {
      com.google.common.io.MoreFiles.deleteRecursively(data, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }

  record Result(String name, long requests, long errors, double seconds, long[] nanos) {
    double perSecond() {
      return requests / seconds;
    }

    double p50Millis() {
      return percentile(0.50);
    }

    double p99Millis() {
      return percentile(0.99);
    }

    private double percentile(double p) {
      if (nanos.length == 0) {
        return Double.NaN;
      }
      return nanos[(int) Math.min(nanos.length - 1, Math.ceil(p * nanos.length) - 1)] / 1e6;
    }

    @Override
    public String toString() {
      return String.format("  %-38s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d errors)",
          name, perSecond(), p50Millis(), p99Millis(), requests, errors);
    }
  }

  /** 32 clients, each sending one request after the other: a warm-up, then a measured window. */
  private static Result run(String name, HttpClient http, IntFunction<HttpRequest> request, int expected) throws Exception {
    phase(http, request, expected, WARMUP);
    long start = System.nanoTime();
    List<long[]> perClient = phase(http, request, expected, MEASURE);
    double seconds = (System.nanoTime() - start) / 1e9;
    long errors = 0;
    List<Long> all = new ArrayList<>();
    for (long[] client : perClient) {
      errors += client[0];
      for (int i = 1; i < client.length; i++) {
        all.add(client[i]);
      }
    }
    long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return new Result(name, sorted.length, errors, seconds, sorted);
  }

  /** Returns, per client, its error count followed by the latency of each successful request. */
  private static List<long[]> phase(HttpClient http, IntFunction<HttpRequest> request, int expected, Duration length) throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    long end = System.nanoTime() + length.toNanos();
    List<Future<long[]>> futures = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      futures.add(clients.submit(() -> {
        long[] samples = new long[1 << 16];
        int n = 1;
        long errors = 0;
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          try {
            HttpResponse<byte[]> r = http.send(request.apply(client), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != expected) {
              errors++;
              continue;
            }
          } catch (java.io.IOException e) {
            errors++;
            continue;
          }
          if (n == samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
          }
          samples[n++] = System.nanoTime() - t0;
        }
        samples[0] = errors;
        return Arrays.copyOf(samples, n);
      }));
    }
    List<long[]> results = new ArrayList<>();
    for (Future<long[]> f : futures) {
      results.add(f.get());
    }
    clients.shutdown();
    return results;
  }
}
