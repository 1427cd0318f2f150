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

  @Test
  void aDeployOfANewReleaseKeepsAWebContainerServingThroughout() throws Exception {
    Procfile procfile = procfile("web", commands().web());
    scheduler.deploy(release(procfile, Map.of("GREETING", "old")), Formation.parse("web=1"));

    AtomicBoolean deploying = new AtomicBoolean(true);
    List<String> gaps = Collections.synchronizedList(new ArrayList<>());
    Thread watcher = new Thread(() -> {
      while (deploying.get()) {
        List<Container> up = scheduler.containers(app).stream().filter(c -> c.state() == ContainerState.UP
            && c.endpoint().isPresent()).toList();
        if (up.isEmpty()) {
          gaps.add("no web container up");
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    watcher.start();
    try {
      scheduler.deploy(release(procfile, Map.of("GREETING", "new")), Formation.parse("web=1"));
    } finally {
      deploying.set(false);
      watcher.join();
    }

    assertThat(gaps).isEmpty();
    assertThat(get(scheduler.containers(app).get(0).endpoint().orElseThrow(), "/")).isEqualTo("new");
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
