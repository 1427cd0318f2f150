package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Formation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import io.deis.scheduler.k8s.fake.RequestLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each operation costs in API requests, counted at the fake API server. Writes are exact
 * (they are the scheduler's decisions); reads are a list plus a watch per wait, and a wait may
 * resume its watch, so they are bounded rather than exact. The counts are also written to
 * {@code target/api-requests.txt}.
 */
@RequiresBusybox
class ApiRequestCountsTest {
  private static final Logger LOG = LoggerFactory.getLogger(ApiRequestCountsTest.class);
  @RegisterExtension
  static final TestCluster<FakeKubernetes> cluster = TestCluster.fake();


  @Test
  void deployScaleConfigChangeAndDestroyOfATwoTypeApp() throws IOException {
    AppName app = AppName.of("counted");
    Build build = TestApps.imageBuild(app, Procfile.parse("web: " + TestApps.webCommand() + "\nworker: exec sleep 1000\n"));
    Map<String, RequestLog> costs = new LinkedHashMap<>();
    try (KubernetesScheduler scheduler = TestApps.started(cluster.builder().deployDeadline(Duration.ofSeconds(60)).build())) {
      Release v2 = TestApps.release(app, 2, build, Map.of("GREETING", "hi"));
      Map<String, Long> deploy = measure("deploy from nothing (web=1 worker=1)", costs,
          () -> scheduler.deploy(v2, Formation.parse("web=1 worker=1")));
      // a read of the namespace (none yet) and of the service; namespace, secret, 2 deployments and service made; then a
      // list and watch of deployments and of pods
      assertThat(deploy).containsEntry("create", 5L).containsEntry("get", 2L).containsEntry("list", 2L)
          .doesNotContainKeys("update", "patch", "delete");

      Map<String, Long> scale = measure("scale (web=3)", costs, () -> scheduler.scale(v2, Formation.parse("web=3 worker=1")));
      assertThat(scale).containsEntry("patch", 1L).containsEntry("get", 1L).containsEntry("list", 3L)
          .doesNotContainKeys("create", "update", "delete");

      Release v3 = TestApps.release(app, 3, build, Map.of("GREETING", "hello"));
      Map<String, Long> configChange = measure("deploy a config change", costs,
          () -> scheduler.deploy(v3, Formation.parse("web=3 worker=1")));
      // the new release's secret, both deployments replaced, the old secret deleted
      assertThat(configChange).containsEntry("create", 1L).containsEntry("update", 2L).containsEntry("delete", 1L)
          .containsEntry("get", 1L).containsEntry("list", 3L).doesNotContainKey("patch");

      Map<String, Long> destroy = measure("destroy", costs, () -> scheduler.destroy(app));
      // the namespace read, then its deletion accepted: no wait for it to finish terminating
      assertThat(destroy).containsEntry("get", 1L).containsEntry("delete", 1L)
          .doesNotContainKeys("create", "update", "patch", "list", "watch");
    }
    for (RequestLog log : costs.values()) {
      // one watch each of deployments and pods per wait, resumed at most a couple of times
      assertThat(log.byVerb().getOrDefault("watch", 0L)).as("watches per wait").isBetween(0L, 6L);
    }

    StringBuilder table = new StringBuilder(String.format("%-40s %6s %6s  %s%n", "operation", "total", "writes", "by verb"));
    costs.forEach((name, log) -> table.append(String.format("%-40s %6d %6d  %s%n", name, log.count(), log.writes(), log.byVerb())));
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/api-requests.txt"), table);
    LOG.info("API requests per operation:\n{}", table);
  }

  @Test
  void scaleIsExactlyOneWrite() {
    AppName app = AppName.of("scaled");
    Build build = TestApps.imageBuild(app, Procfile.parse("worker: exec sleep 1000\n"));
    try (KubernetesScheduler scheduler = TestApps.started(cluster.builder().deployDeadline(Duration.ofSeconds(60)).build())) {
      Release v2 = TestApps.release(app, 2, build, Map.of());
      scheduler.deploy(v2, Formation.parse("worker=1"));
      cluster.get().requests().clear();

      scheduler.scale(v2, Formation.parse("worker=4"));

      assertThat(cluster.get().requests().all()).filteredOn(RequestLog.Request::isWrite).singleElement().satisfies(w -> {
        assertThat(w.method()).isEqualTo("PATCH");
        assertThat(w.path()).isEqualTo("/apis/apps/v1/namespaces/scaled/deployments/scaled-worker");
        assertThat(w.body()).isEqualTo("{\"spec\":{\"replicas\":4}}");
      });
      scheduler.destroy(app);
    }
  }

  private static Map<String, Long> measure(String name, Map<String, RequestLog> costs, Runnable operation) {
    cluster.get().requests().clear();
    operation.run();
    RequestLog copy = new RequestLog();
    cluster.get().requests().all().forEach(copy::add);
    costs.put(name, copy);
    return copy.byVerb();
  }
}
