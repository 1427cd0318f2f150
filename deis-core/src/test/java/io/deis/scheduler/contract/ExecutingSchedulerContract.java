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

  /** A command that prints whether a file {@code marker} existed in its working directory, creates it, then runs until stopped. */
  protected String markerCommand() {
    return "if [ -e marker ]; then echo MARKER-SURVIVED; else echo FRESH-FILESYSTEM; fi; touch marker; exec sleep 1000";
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
    Release v2 = release(procfile("worker", markerCommand()), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    await(Duration.ofSeconds(10), () -> String.join("\n", scheduler.logs(app, 100)).contains("FRESH-FILESYSTEM"));

    scheduler.restart(app, ContainerFilter.all());

    await(Duration.ofSeconds(20), () -> count(scheduler.logs(app, 100), "FRESH-FILESYSTEM") >= 2);
    assertThat(String.join("\n", scheduler.logs(app, 100))).doesNotContain("MARKER-SURVIVED");
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
    Release v2 = release(procfile("worker", markerCommand()), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));

    await(Duration.ofSeconds(10), () -> !scheduler.logs(app, 10).isEmpty());
    assertThat(scheduler.logs(app, 10)).contains(app + "[worker.1]: FRESH-FILESYSTEM");
  }

  private static long count(List<String> lines, String text) {
    return lines.stream().filter(l -> l.contains(text)).count();
  }

  protected static String get(Endpoint endpoint, String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint.url(path)))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
    return response.body().strip();
  }
}
