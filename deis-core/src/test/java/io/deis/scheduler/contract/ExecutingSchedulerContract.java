package io.deis.scheduler.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Endpoint;
import io.deis.model.Formation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The contract for backends whose containers really execute their commands (local processes,
 * Docker): what the processes see and do, checked from the outside over HTTP, logs and exit codes.
 */
public abstract class ExecutingSchedulerContract extends SchedulerContract {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * The web command, answering whether a file {@code marker} was already in its working directory
   * when it started (MARKER-SURVIVED) or not (FRESH-FILESYSTEM), after creating it. Read over HTTP,
   * so it needs no log history, which a backend may drop with the replaced container.
   */
  protected String markerWebCommand() {
    return "if [ -e marker ]; then GREETING=MARKER-SURVIVED; else GREETING=FRESH-FILESYSTEM; fi; export GREETING; touch marker; "
        + commands().web();
  }

  @Test
  void aWebContainerAnswersOverHttpWithItsConfig() throws Exception {
    Release v2 = release(procfile("web", commands().web()), Map.of("GREETING", "hello from v2"));
    scheduler.deploy(v2, Formation.parse("web=1"));

    Container web = scheduler.containers(app).get(0);
    assertThat(web.endpoint()).as("web endpoint").isPresent();
    assertThat(get(web.endpoint().get(), "/")).isEqualTo("hello from v2");
  }

  /**
   * Zero downtime, measured: a client that follows the scheduler's signals, as a router does
   * (send to a container once it is ready, stop sending when it is retiring and let what is in
   * flight finish), sends requests without pause through a deploy, a scale up and a scale down;
   * every one is answered with 200.
   */
  @Test
  public void everyRequestIsAnsweredThroughADeployAndScaling() throws Exception {
    Targets targets = new Targets();
    scheduler.addListener(targets);
    Procfile procfile = procfile("web", commands().web());
    scheduler.deploy(release(procfile, Map.of("GREETING", "old")), Formation.parse("web=2"));

    AtomicBoolean running = new AtomicBoolean(true);
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
    Thread load = new Thread(() -> {
      while (running.get()) {
        Endpoint target = targets.acquire();
        if (target == null) {
          failures.add("no container to send to");
          continue;
        }
        try {
          HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(target.url("/")))
              .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            answered.incrementAndGet();
          } else {
            failures.add(target + " answered " + response.statusCode());
          }
        } catch (IOException e) {
          failures.add(target + " did not answer: " + e);
        } catch (InterruptedException e) {
          return;
        } finally {
          targets.release(target);
        }
      }
    }, "zero-downtime-load");
    load.start();
    Release next;
    try {
      next = release(procfile, Map.of("GREETING", "new"));
      scheduler.deploy(next, Formation.parse("web=2"));
      scheduler.scale(next, Formation.parse("web=3"));
      scheduler.scale(next, Formation.parse("web=1"));
    } finally {
      running.set(false);
      load.join();
    }

    assertThat(failures).as("requests that were not answered with 200").isEmpty();
    assertThat(answered.get()).as("requests answered during the deploy").isGreaterThan(20);
    assertThat(get(scheduler.containers(app).get(0).endpoint().orElseThrow(), "/")).isEqualTo("new");
  }

  /** The endpoints a router would send to, kept up to date by the scheduler's signals, with requests in flight counted. */
  private final class Targets implements io.deis.scheduler.SchedulerListener {
    private final Map<String, Endpoint> ready = new java.util.LinkedHashMap<>();
    private final Map<Endpoint, Integer> inFlight = new java.util.HashMap<>();
    private int next;

    @Override
    public synchronized void ready(Container c) {
      if (c.app().equals(app)) {
        c.endpoint().ifPresent(e -> ready.put(c.id(), e));
      }
    }

    @Override
    public void retiring(Container c) {
      Endpoint e;
      synchronized (this) {
        e = ready.remove(c.id());
      }
      if (e == null) {
        return;
      }
      java.time.Instant deadline = java.time.Instant.now().plusSeconds(10);
      synchronized (this) {
        while (inFlight.getOrDefault(e, 0) > 0 && java.time.Instant.now().isBefore(deadline)) {
          try {
            wait(50);
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }

    @Override
    public synchronized void changed(Container c) {
      if (c.state() != ContainerState.UP) {
        ready.remove(c.id());
      }
    }

    synchronized Endpoint acquire() {
      if (ready.isEmpty()) {
        return null;
      }
      List<Endpoint> all = new ArrayList<>(ready.values());
      Endpoint e = all.get(Math.floorMod(next++, all.size()));
      inFlight.merge(e, 1, Integer::sum);
      return e;
    }

    synchronized void release(Endpoint e) {
      inFlight.merge(e, -1, Integer::sum);
      notifyAll();
    }
  }

  @Test
  void aDeployThatFailsItsHealthCheckFailsAndTheOldReleaseKeepsServing() throws Exception {
    Procfile procfile = procfile("web", commands().web());
    scheduler.deploy(release(procfile, Map.of("GREETING", "old")), Formation.parse("web=1"));

    Release unhealthy = release(procfile, Map.of("GREETING", "new", "HEALTHCHECK_URL", "/missing", "HEALTHCHECK_TIMEOUT", "1"));
    assertThatThrownBy(() -> scheduler.deploy(unhealthy, Formation.parse("web=1")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("health check");

    Container web = scheduler.containers(app).get(0);
    assertThat(web.release()).isNotEqualTo(unhealthy.version());
    assertThat(get(web.endpoint().orElseThrow(), "/")).isEqualTo("old");
  }

  @Test
  void aDeployThatPassesItsHealthCheckSucceeds() throws Exception {
    Release healthy = release(procfile("web", commands().web()), Map.of("GREETING", "ok", "HEALTHCHECK_URL", "/"));
    scheduler.deploy(healthy, Formation.parse("web=1"));

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.release()).isEqualTo(healthy.version()));
  }

  @Test
  void aFileWrittenByAContainerIsGoneAfterARestart() {
    Release v2 = release(procfile("web", markerWebCommand()), Map.of());
    scheduler.deploy(v2, Formation.parse("web=1"));
    assertThat(answer()).isEqualTo("FRESH-FILESYSTEM");

    scheduler.restart(app, ContainerFilter.all());

    // The restarted process may take a moment to listen; what it answers once it does is the point.
    await(Duration.ofSeconds(30), () -> answer() != null);
    assertThat(answer()).isEqualTo("FRESH-FILESYSTEM");
  }

  @Test
  void runReturnsTheExitCodeAndOutputAndSeesTheConfig() {
    Release v2 = release(procfile("worker", commands().worker()), Map.of("GREETING", "from-config"));

    RunResult result = scheduler.run(v2, "echo \"$GREETING\"; exit 3", Duration.ofSeconds(60));

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.output()).contains("from-config");
  }

  @Test
  void logsAreLabelledWithTheContainer() {
    Release v2 = release(procfile("worker", "echo hello-from-the-worker; exec sleep 1000"), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));

    await(Duration.ofSeconds(10), () -> !scheduler.logs(app, 10).isEmpty());
    assertThat(scheduler.logs(app, 10)).extracting(LogLine::source, LogLine::text)
        .contains(org.assertj.core.groups.Tuple.tuple("worker.1", "hello-from-the-worker"));
    assertThat(scheduler.logs(app, 10)).allSatisfy(l -> assertThat(l.time()).isAfter(java.time.Instant.now().minusSeconds(120)));
  }

  /** What the app's first up web container answers at /, or null while none answers. */
  private String answer() {
    return scheduler.containers(app).stream()
        .filter(c -> c.state() == ContainerState.UP && c.endpoint().isPresent())
        .findFirst()
        .map(c -> {
          try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(c.endpoint().get().url("/")))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body().strip() : null;
          } catch (IOException e) {
            return null;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
          }
        })
        .orElse(null);
  }

  protected static String get(Endpoint endpoint, String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint.url(path)))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
    return response.body().strip();
  }
}
