package io.deis.junit5.bench;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.deis.junit5.Backend;
import io.deis.junit5.Deis;
import io.deis.junit5.DeisApp;
import io.deis.junit5.DeisExtension;
import io.deis.junit5.Deployed;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * How long a user's test waits for a Dockerfile app on Docker: from the test run starting (the
 * launcher's execute, before the extension does anything) to the app answering in the test body,
 * against {@code docker build} plus {@code docker run} of the same app from the CLI, until it
 * answers, in the same run. Each round's Dockerfile sets a new {@code ENV ROUND=...} after
 * {@code FROM}, so both sides really build every layer; rounds alternate, after one warm-up each.
 *
 * <pre>mvn -q -pl deis-junit5 -am -Pjunit5-bench -DskipTests process-test-classes</pre>
 *
 * <p>Argument: the module's directory (default: the working directory).
 */
public final class StartupBenchmark {
  private static final int ROUNDS = 5;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  static volatile Path appDirectory;
  /** The module's directory (exec:java runs where mvn was started). */
  private static Path module = Path.of(".");
  static volatile long answeredAt;

  private StartupBenchmark() {}

  /** The user's test class: a Dockerfile app per test, which it asks once. */
  @Deis(backend = Backend.DOCKER)
  @EnabledIf("io.deis.junit5.bench.StartupBenchmark#running") // only when the benchmark runs it
  public static class UserTest {
    @Deployed
    final DeisApp app = DeisApp.fromDirectory(appDirectory).withConfig("GREETING", "Howdy");

    @Test
    void answers() throws Exception {
      String body = HTTP.send(HttpRequest.newBuilder(app.url()).build(), HttpResponse.BodyHandlers.ofString()).body().strip();
      answeredAt = System.nanoTime();
      if (!body.equals("Howdy")) {
        throw new AssertionError("the app answered " + body);
      }
    }
  }

  static boolean running() {
    return appDirectory != null;
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      module = Path.of(args[0]);
    }
    Path sessions = Files.createTempDirectory("deis-junit5-bench-");
    List<Long> extension = new ArrayList<>();
    List<Long> cli = new ArrayList<>();
    for (int round = 0; round <= ROUNDS; round++) {
      long e = viaExtension(sessions);
      long c = viaCli();
      if (round > 0) { // round 0 warms up both (the JIT, Docker's base layers)
        extension.add(e);
        cli.add(c);
      }
      System.out.printf("round %d%s: extension %.2f s, docker CLI %.2f s%n", round, round == 0 ? " (warm-up)" : "", e / 1e9, c / 1e9);
    }
    double e = median(extension) / 1e9;
    double c = median(cli) / 1e9;
    System.out.printf("test start -> Dockerfile app answering, median of %d: extension %.2f s, docker build + docker run %.2f s, ratio %.2f%n",
        ROUNDS, e, c, e / c);
  }

  private static long viaExtension(Path sessions) throws IOException {
    appDirectory = app();
    answeredAt = 0;
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    long start = System.nanoTime();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(UserTest.class))
        .configurationParameters(Map.of(DeisExtension.SESSIONS_PROPERTY, sessions.toString())).build(), summary);
    if (summary.getSummary().getTestsSucceededCount() != 1 || answeredAt == 0) {
      summary.getSummary().printFailuresTo(new java.io.PrintWriter(System.out, true), 20);
      throw new IllegalStateException("the user's test did not pass");
    }
    return answeredAt - start;
  }

  private static long viaCli() throws IOException, InterruptedException {
    Path dir = app();
    String tag = "deis-junit5-bench/" + UUID.randomUUID().toString().substring(0, 12) + ":latest";
    String container = null;
    long start = System.nanoTime();
    try {
      docker("build", "-q", "-t", tag, dir.toString());
      container = docker("run", "-d", "-e", "PORT=5000", "-e", "GREETING=Howdy", "-p", "127.0.0.1::5000", tag).strip();
      String hostPort = docker("port", container, "5000").lines().findFirst().orElseThrow().strip();
      URI url = URI.create("http://" + hostPort + "/");
      while (true) {
        try {
          HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(1)).build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && r.body().strip().equals("Howdy")) {
            return System.nanoTime() - start;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        if (System.nanoTime() - start > Duration.ofMinutes(2).toNanos()) {
          throw new IllegalStateException("docker run of " + tag + " never answered at " + url);
        }
        Thread.sleep(20);
      }
    } finally {
      if (container != null) {
        docker("rm", "-f", container);
      }
      docker("rmi", "-f", tag);
    }
  }

  /** A copy of src/test/apps/hello with the static busybox and this round's own ENV line. */
  private static Path app() throws IOException {
    Path dir = Files.createTempDirectory("deis-junit5-bench-app-");
    String dockerfile = Files.readString(module.resolve("src/test/apps/hello/Dockerfile"))
        .replace("FROM scratch\n", "FROM scratch\nENV ROUND=" + UUID.randomUUID() + "\n");
    Files.writeString(dir.resolve("Dockerfile"), dockerfile);
    Files.copy(Path.of("/bin/busybox"), dir.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    return dir;
  }

  private static String docker(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  private static double median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }
}
