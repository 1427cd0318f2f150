package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cluster's clocks as the scheduler meets them: the grace period a stop gets, readiness
 * thresholds that keep a pod ready through a failed probe or two, and a watch history that
 * expires while a wait goes on.
 */
@RequiresBusybox
class ClusterTimingTest {
  @RegisterExtension
  static final TestCluster<FakeKubernetes> cluster = TestCluster.fake();
  private AppName app;
  private KubernetesScheduler scheduler;

  @BeforeEach
  void newApp() {
    app = cluster.newApp("timing");
  }

  private Release release(int version, String procfile, Map<String, String> config) {
    return TestApps.release(app, version, TestApps.imageBuild(app, Procfile.parse(procfile)), config);
  }

  @Test
  void aCommandThatIgnoresSigtermIsKilledAfterTheStopGraceNotTheClustersThirtySeconds() {
    scheduler = cluster.started(cluster.builder().deployDeadline(Duration.ofSeconds(20))
        .stopGrace(Duration.ofSeconds(3)), app);
    Release v2 = release(2, "worker: trap '' TERM; echo deaf to SIGTERM; sleep 1000\n", Map.of());
    scheduler.deploy(v2, Formation.parse("worker=2"));

    Instant start = Instant.now();
    scheduler.scale(v2, Formation.parse("worker=1"));

    // The kubelet waited the grace period for the process to go, then killed it.
    assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }

  @Test
  void aReadyPodStaysReadyUntilFourProbesInARowFail() throws Exception {
    scheduler = cluster.started(cluster.builder().deployDeadline(Duration.ofSeconds(30)), app);
    Path healthy = Files.createTempFile("deis-k8s-healthy", "");
    try {
      // /health is a link to a file the test removes: from then on every probe gets a 404.
      Release v2 = release(2, "web: mkdir -p www && ln -s " + healthy + " www/health && " + TestApps.webCommand().replace("mkdir -p www && ", "")
          + "\n", Map.of("HEALTHCHECK_URL", "/health"));
      scheduler.deploy(v2, Formation.parse("web=1"));
      Files.delete(healthy);

      Thread.sleep(1000); // one or two failed probes: the kubelet keeps the pod ready
      assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
      SchedulerContract.await(Duration.ofSeconds(15), () -> scheduler.containers(app).get(0).state() != ContainerState.UP);
    } finally {
      Files.deleteIfExists(healthy);
    }
  }

  @Test
  void aWaitWhoseWatchHistoryExpiredListsAgainAndStillEndsRight() {
    ApiClient shortReads = new ClientBuilder().setBasePath(cluster.get().url()).setReadTimeout(Duration.ofSeconds(2)).build();
    scheduler = cluster.started(KubernetesScheduler.builder(shortReads).deployDeadline(Duration.ofSeconds(60)), app);
    Release slow = release(2, "web: " + TestApps.webCommand() + "\n", Map.of("HEALTHCHECK_URL", "/", "HEALTHCHECK_INITIAL_DELAY", "4"));
    long expiredBefore = cluster.get().store().expiredWatches();
    ScheduledExecutorService compactor = Executors.newSingleThreadScheduledExecutor();
    try {
      // Every watch resumes (each ends after a second) into a history that is gone: 410, list again.
      compactor.scheduleAtFixedRate(() -> cluster.get().store().compactHistory(), 0, 300, TimeUnit.MILLISECONDS);
      scheduler.deploy(slow, Formation.parse("web=1"));
    } finally {
      compactor.shutdownNow();
    }

    assertThat(cluster.get().store().expiredWatches()).isGreaterThan(expiredBefore);
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }
}
