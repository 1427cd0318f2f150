package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.deis.error.InvalidInputException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a real cluster does that a kinder fake would not, each a way the backend used to fail or hang
 * on first contact with a cluster: admission of pods, the API server's validation, PID 1's signal
 * rules and the grace period, namespaces that terminate slowly, pods that cannot be scheduled or
 * created, evicted pods that linger, a kubelet that does not answer, a node clock that differs.
 * The fake cluster does each as a cluster does (see its package).
 */
@RequiresBusybox
class ClusterRulesTest {
  @RegisterExtension
  static final TestCluster<FakeKubernetes> cluster = TestCluster.fake();

  private KubernetesScheduler scheduler;
  private AppName app;

  @BeforeEach
  void newApp() {
    app = cluster.newApp("rules");
    scheduler = cluster.started(cluster.builder().deployDeadline(Duration.ofSeconds(20)), app);
  }

  /** The faults a test set are undone before the app is destroyed (TestCluster does that after this). */
  @AfterEach
  void undoFaults() {
    cluster.get().namespaceTermination(Duration.ofMillis(500));
    cluster.get().nodeClockSkew(Duration.ZERO);
    cluster.get().allowPods(app.value());
  }

  private Build build(String procfile) {
    return TestApps.imageBuild(app, Procfile.parse(procfile));
  }

  // ------------------------------------------------------------------------------------------- admission, validation

  @Test
  void runIsAdmittedBecauseNoPodCarriesAnOverhead() {
    Release v2 = TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of());

    RunResult result = scheduler.run(v2, "echo admitted", Duration.ofSeconds(30));
    scheduler.deploy(v2, Formation.parse("worker=1"));

    assertThat(result.output()).contains("admitted");
    assertThat(cluster.get().requests().all()).filteredOn(r -> r.verb().equals("create") || r.verb().equals("update"))
        .allSatisfy(r -> assertThat(r.body()).doesNotContain("overhead"));
  }

  @Test
  void theDeploymentAFailedDeployPutsBackCarriesNoOverheadEither() {
    Release v2 = TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    assertThatThrownBy(() -> scheduler.deploy(TestApps.release(app, 3, build("worker: exit 3\n"), Map.of()),
        Formation.parse("worker=1"))).isInstanceOf(DeployException.class);

    scheduler.scale(v2, Formation.parse("worker=2")); // the restored Deployment must be able to make pods

    assertThat(scheduler.containers(app)).hasSize(2).allSatisfy(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }

  @Test
  void anAppNameThatIsNoNamespaceIsRefusedBeforeAnyRequest() {
    AppName trailingDash = AppName.of(cluster.newApp("rules") + "-");
    Release release = TestApps.release(trailingDash, 2, TestApps.imageBuild(trailingDash, Procfile.parse("worker: exec sleep 1000\n")), Map.of());
    cluster.get().requests().clear();

    assertThatThrownBy(() -> scheduler.deploy(release, Formation.parse("worker=1")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("app name '" + trailingDash + "'")
        .hasMessageContaining("must end with a letter or digit");
    assertThat(cluster.get().requests().all()).isEmpty();
  }

  @Test
  void aConfigOverOneMebibyteIsRefusedBeforeAnyRequest() {
    // Each value within the model's 128 KiB; together more than a Secret holds.
    Map<String, String> blobs = new java.util.HashMap<>();
    for (int i = 0; i < 10; i++) {
      blobs.put("BLOB_" + i, "x".repeat(110 * 1024));
    }
    Release big = TestApps.release(app, 2, build("worker: exec sleep 1000\n"), blobs);
    cluster.get().requests().clear();

    assertThatThrownBy(() -> scheduler.deploy(big, Formation.parse("worker=1")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("config of v2 of " + app)
        .hasMessageContaining("at most 1048576 bytes");
    assertThat(cluster.get().requests().all()).isEmpty();
  }

  @Test
  void aDeployDeadlineUnderTwoSecondsIsRefusedSinceTheClusterWouldRefuseItsDeployments() {
    assertThatThrownBy(() -> cluster.builder().deployDeadline(Duration.ofMillis(1500)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("deploy deadline PT1.5S is invalid")
        .hasMessageContaining("at least 2s");
  }

  @Test
  void renamingAProcessTypeNeverTouchesTheDeploymentThatServes() {
    Release v2 = TestApps.release(app, 2, build("clock_tick: exec sleep 1000\n"), Map.of());
    scheduler.deploy(v2, Formation.parse("clock_tick=1"));
    String serving = scheduler.containers(app).get(0).id();

    // clock-tick and clock_tick would both be Deployment <app>-clock-tick, with different selectors.
    Release v3 = TestApps.release(app, 3, build("clock-tick: exec sleep 1000\n"), Map.of());
    scheduler.deploy(v3, Formation.parse("clock-tick=1"));

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.name()).isEqualTo(app + ".clock-tick.1");
      assertThat(c.release()).isEqualTo(3);
      assertThat(c.state()).isEqualTo(ContainerState.UP);
      assertThat(c.id()).isNotEqualTo(serving);
    });

    // And a deploy that fails after such a rename leaves the serving type alone.
    Release broken = TestApps.release(app, 4, build("clock_tick: exit 3\n"), Map.of());
    String nowServing = scheduler.containers(app).get(0).id();
    assertThatThrownBy(() -> scheduler.deploy(broken, Formation.parse("clock_tick=1")))
        .isInstanceOf(DeployException.class).hasMessageContaining("exit code 3");
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.id()).isEqualTo(nowServing);
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
  }

  // ------------------------------------------------------------------------------------------- waits that used to run to the deadline

  @Test
  void aShellCommandStopsAtOnceBecauseSigtermReachesTheAppNotOnlyTheShell() {
    // Not exec'd: /bin/sh stays the container's main process, and the app is its child.
    Release v2 = TestApps.release(app, 2, build("worker: echo started; sleep 1000\n"), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=2"));

    scheduler.scale(v2, Formation.parse("worker=1")); // the pod's default grace is 30 s, over the 20 s deadline

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }

  @Test
  void destroyReturnsWhileTheNamespaceTerminatesAndTheAppIsGoneAtOnce() {
    scheduler.deploy(TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of()), Formation.parse("worker=1"));
    cluster.get().namespaceTermination(Duration.ofSeconds(60)); // longer than the deadline

    scheduler.destroy(app);

    assertThat(scheduler.containers(app)).isEmpty();
    JsonObject namespace = cluster.get().store().get("namespaces", "", app.value()).orElseThrow();
    assertThat(namespace.getAsJsonObject("status").get("phase").getAsString()).isEqualTo("Terminating");
  }

  @Test
  void aDeployRightAfterADestroyWaitsForTheNamespaceToFinishTerminating() {
    Release v2 = TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    cluster.get().namespaceTermination(Duration.ofSeconds(3));
    scheduler.destroy(app);

    scheduler.deploy(v2, Formation.parse("worker=1")); // its Deployment may still be listed: nothing can be made in it

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }

  @Test
  void aPodThatCannotBeScheduledFailsTheDeployAtOnce() {
    scheduler.deploy(TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of()), Formation.parse("worker=1"));
    Release huge = TestApps.release(app, 3, build("worker: exec sleep 1000\n"), Map.of());
    huge = TestApps.release(app, 3, huge.build().orElseThrow(), huge.config().apply(io.deis.model.ConfigChange.builder()
        .memory(io.deis.model.ProcessType.of("worker"), "1000G").build(), "c", "tester", java.time.Instant.now()));
    Release tooBig = huge;

    assertThatThrownBy(() -> scheduler.deploy(tooBig, Formation.parse("worker=1")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("cannot be scheduled")
        .hasMessageContaining("Insufficient memory")
        .hasMessageNotContaining("not ready within");
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.release()).isEqualTo(2));
  }

  @Test
  void podsTheClusterRefusesToCreateFailTheDeployAtOnce() {
    scheduler.deploy(TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of()), Formation.parse("worker=1"));
    cluster.get().refusePods(app.value(), "exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1");

    assertThatThrownBy(() -> scheduler.deploy(TestApps.release(app, 3, build("worker: exec sleep 1000\n"), Map.of()),
        Formation.parse("worker=1")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("FailedCreate")
        .hasMessageContaining("exceeded quota")
        .hasMessageNotContaining("not ready within");
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.release()).isEqualTo(2);
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
  }

  @Test
  void anImageThatCannotBePulledFailsTheDeployAfterTheKubeletRetried() {
    Build unpullable = new Build(java.util.UUID.randomUUID().toString(), app, "tester", java.time.Instant.now(),
        java.util.Optional.empty(), java.util.Optional.of("registry.invalid/deis/nope:1"), Procfile.parse("worker: exec sleep 1000\n"),
        java.util.Optional.empty(), java.util.Optional.empty());

    assertThatThrownBy(() -> scheduler.deploy(TestApps.release(app, 2, unpullable, Map.of()), Formation.parse("worker=1")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("cannot pull image registry.invalid/deis/nope:1")
        .hasMessageContaining("no such host")
        .hasMessageNotContaining("not ready within");
  }

  @Test
  void anEvictedPodThatLingersDoesNotHoldUpTheNextDeploy() {
    Build build = build("worker: exec sleep 1000\n");
    scheduler.deploy(TestApps.release(app, 2, build, Map.of()), Formation.parse("worker=1"));
    cluster.get().evict(app.value(), scheduler.containers(app).get(0).id());
    SchedulerContract.await(Duration.ofSeconds(20), () -> scheduler.containers(app).stream()
        .anyMatch(c -> c.state() == ContainerState.UP));

    scheduler.deploy(TestApps.release(app, 3, build, Map.of("A", "b")), Formation.parse("worker=1"));

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.release()).isEqualTo(3);
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
    assertThat(cluster.get().store().list("pods", app.value(), p -> "Evicted".equals(p.getAsJsonObject("status").has("reason")
        ? p.getAsJsonObject("status").get("reason").getAsString() : null))).as("the evicted pod lingers, as on a cluster").hasSize(1);
  }

  // ------------------------------------------------------------------------------------------- other gaps

  @Test
  void logsLeaveOutAPodWhoseKubeletDoesNotAnswer() {
    scheduler.deploy(TestApps.release(app, 2, build("worker: echo hello from $HOSTNAME; exec sleep 1000\n"), Map.of()),
        Formation.parse("worker=2"));
    List<Container> containers = scheduler.containers(app);
    SchedulerContract.await(Duration.ofSeconds(20), () -> scheduler.logs(app, 10).size() == 2);
    cluster.get().failLogsOf(app.value(), containers.get(0).id());

    assertThat(scheduler.logs(app, 10)).extracting(l -> l.source() + ": " + l.text())
        .containsExactly("worker.2: hello from " + containers.get(1).id());
  }

  @Test
  void aHealthCheckIsJudgedOnTheControllersClockWhateverTheNodesSays() {
    cluster.get().nodeClockSkew(Duration.ofHours(-1));
    Release v2 = TestApps.release(app, 2, build("web: sleep 2; " + TestApps.webCommand() + "\n"),
        Map.of("GREETING", "on time", "HEALTHCHECK_URL", "/"));

    scheduler.deploy(v2, Formation.parse("web=1"));

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }

  @Test
  void anOrphanedRunEndsAtItsDeadlineAndTheSweepRemovesIt() {
    Release v2 = TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    // What a controller that died during `run` leaves: its Secret and pod, as the scheduler made them.
    String orphan = app + "-run-orphn";
    CoreV1Api core = new CoreV1Api(cluster.get().client());
    Scope scope = new Scope();
    scope.bind(TestApps.INSTALLATION.id());
    new KubeApi(cluster.get().client()).call("create", () -> core.createNamespacedSecret(app.value(),
        SecretResource.forRun(scope, v2, orphan)).execute());
    new KubeApi(cluster.get().client()).call("create", () -> core.createNamespacedPod(app.value(),
        RunPodResource.manifest(scope, v2, orphan, "exec sleep 1000", Duration.ofSeconds(2), Duration.ofSeconds(1))).execute());

    SchedulerContract.await(Duration.ofSeconds(20), () -> cluster.get().store().get("pods", app.value(), orphan)
        .map(p -> "Failed".equals(p.getAsJsonObject("status").get("phase").getAsString())).orElse(false));
    JsonObject ended = cluster.get().store().get("pods", app.value(), orphan).orElseThrow();
    assertThat(ended.getAsJsonObject("status").get("reason").getAsString()).isEqualTo("DeadlineExceeded");
    assertThat(ended.getAsJsonObject("metadata").getAsJsonObject("labels").get("io.deis.type").getAsString()).isEqualTo("run");

    assertThat(scheduler.sweep(app)).isEqualTo(2);
    SchedulerContract.await(Duration.ofSeconds(10), () -> cluster.get().store().get("pods", app.value(), orphan).isEmpty());
    assertThat(cluster.get().store().get("secrets", app.value(), orphan + "-env")).isEmpty();
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }
}
