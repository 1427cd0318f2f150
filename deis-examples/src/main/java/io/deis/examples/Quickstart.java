package io.deis.examples;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.App;
import io.deis.model.Container;
import io.deis.model.Release;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The whole Deis model in one JVM, on the embedded local runtime: register, create an app, build
 * it from a git commit, fetch its greeting over HTTP, change config with zero downtime, scale,
 * list releases, roll back, destroy. Prints each step the way the deis CLI would.
 */
public final class Quickstart {
  private static final PrintStream out = System.out;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'UTC'").withZone(ZoneOffset.UTC);

  private Quickstart() {}

  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    Path work = Files.createTempDirectory("deis-quickstart-");
    try (Controller deis = Controller.builder().build()) {
      step("deis register --username=alice");
      deis.register("alice", "correct horse battery staple", "alice@example.com");
      Session alice = deis.login("alice", "correct horse battery staple");
      out.println("Registered alice" + (alice.user().admin() ? " (administrator: the first user)" : ""));
      out.println("Logged in as alice");

      step("deis create");
      App app = alice.createApp();
      String name = app.name().value();
      out.println("Creating application... done, created " + name);

      step("git push deis master");
      Path repo = work.resolve("sample-app");
      String sha = SampleApp.writeRepository(repo);
      out.println("(sample app committed as " + sha.substring(0, 7) + " in " + repo + ")");
      alice.deploy(name, BuildSource.commit(repo, "HEAD"), out::println);

      step("curl " + endpoint(alice, name));
      out.println(get(endpoint(alice, name)));

      step("deis config:set GREETING='Howdy from v3!'");
      ZeroDowntimeProbe probe = ZeroDowntimeProbe.start(alice, name);
      Release v3 = alice.setConfig(name, Map.of("GREETING", "Howdy from v3!")).orElseThrow();
      probe.stop();
      out.println("Creating config... done, v" + v3.version());
      out.println("=== " + name + " Config");
      alice.config(name).values().forEach((k, v) -> out.println(k + "      " + v));
      out.println("(during the deploy: " + probe.requests.get() + " requests, " + probe.unanswered.get()
          + " unanswered: zero downtime)");

      step("curl " + endpoint(alice, name));
      out.println(get(endpoint(alice, name)));

      step("deis scale web=3");
      out.println("Scaling processes... but first, coffee!");
      alice.scale(name, "web=3");
      printPs(alice, name);

      step("deis releases");
      printReleases(alice, name);

      step("deis rollback v2");
      Release rolledBack = alice.rollback(name, 2);
      out.println("Rolling back to v2... done, v" + rolledBack.version());
      out.println(get(endpoint(alice, name)));
      printPs(alice, name);

      step("deis apps:destroy --app=" + name + " --confirm=" + name);
      alice.destroyApp(name);
      out.println("Destroying " + name + "... done");
    } finally {
      com.google.common.io.MoreFiles.deleteRecursively(work, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
    out.printf("%nQuickstart finished in %.1f s%n", (System.nanoTime() - started) / 1e9);
  }

  private static void step(String command) {
    out.println();
    out.println("$ " + command);
  }

  private static String endpoint(Session session, String app) {
    List<String> urls = session.endpoints(app);
    if (urls.isEmpty()) {
      throw new IllegalStateException(app + " has no web container up");
    }
    return urls.get(0);
  }

  private static void printPs(Session session, String app) {
    out.println("=== " + app + " Processes");
    String type = "";
    for (Container c : session.ps(app)) {
      if (!c.type().value().equals(type)) {
        type = c.type().value();
        out.println("--- " + type + ":");
      }
      out.println(c.psLine());
    }
  }

  private static void printReleases(Session session, String app) {
    out.println("=== " + app + " Releases");
    List<Release> releases = session.releases(app);
    for (int i = releases.size() - 1; i >= 0; i--) {
      Release r = releases.get(i);
      out.printf("v%-3d %s  %s%n", r.version(), TIME.format(r.created()), r.summary());
    }
  }

  static String get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body().strip();
  }

  /**
   * Requests the app without pause while a deploy runs. There is no router in front of the
   * containers yet, so each request goes to an endpoint that ps shows up at that moment; a request
   * counts as unanswered only when no up web container answered it.
   */
  private static final class ZeroDowntimeProbe {
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger unanswered = new AtomicInteger();
    final AtomicBoolean running = new AtomicBoolean(true);
    Thread thread;

    static ZeroDowntimeProbe start(Session session, String app) {
      ZeroDowntimeProbe probe = new ZeroDowntimeProbe();
      probe.thread = new Thread(() -> {
        while (probe.running.get()) {
          probe.requests.incrementAndGet();
          boolean answered = false;
          for (String url : session.endpoints(app)) {
            try {
              get(url);
              answered = true;
              break;
            } catch (IOException e) {
              // that container is going away; try the next one up
            } catch (InterruptedException e) {
              return;
            }
          }
          if (!answered) {
            probe.unanswered.incrementAndGet();
          }
        }
      }, "zero-downtime-probe");
      probe.thread.start();
      return probe;
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
