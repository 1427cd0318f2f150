package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two installations on one cluster never see or touch each other's apps, and {@code reconcile}
 * makes what runs match a release and formation from whatever state the cluster is in.
 */
@RequiresBusybox
class InstallationScopeTest {
  @RegisterExtension
  static final TestCluster<FakeKubernetes> cluster = TestCluster.fake();

  private KubernetesScheduler ours;
  private KubernetesScheduler theirs;
  private AppName app;

  /** Ours destroys the app after each test; theirs only looks on, and is closed too. */
  @BeforeEach
  void twoInstallations() {
    app = cluster.newApp("scope");
    ours = cluster.started(cluster.builder().deployDeadline(Duration.ofSeconds(30)), Installation.of("ours00001"), app);
    theirs = cluster.started(cluster.builder().deployDeadline(Duration.ofSeconds(30)), Installation.of("theirs0001"), null);
  }

  private Release release(int version, String procfile) {
    return TestApps.release(app, version, TestApps.imageBuild(app, Procfile.parse(procfile)), Map.of());
  }

  @Test
  void anotherInstallationSeesNothingOfTheAppAndIsRefusedItsNamespace() {
    ours.deploy(release(2, "worker: exec sleep 1000\n"), Formation.parse("worker=1"));
    JsonObject namespace = cluster.get().store().get("namespaces", "", app.value()).orElseThrow();
    assertThat(namespace.getAsJsonObject("metadata").getAsJsonObject("labels").get("io.deis.installation").getAsString())
        .isEqualTo("ours00001");

    assertThat(theirs.containers(app)).isEmpty();
    assertThat(theirs.apps()).doesNotContain(app);
    assertThat(ours.apps()).contains(app);
    assertThatThrownBy(() -> theirs.deploy(release(2, "worker: exec sleep 1000\n"), Formation.parse("worker=1")))
        .isInstanceOf(SchedulerException.class)
        .hasMessageContaining("namespace " + app + " belongs to another installation of Deis (io.deis.installation=ours00001)")
        .hasMessageContaining("refusing to deploy into it");
    assertThatThrownBy(() -> theirs.destroy(app))
        .isInstanceOf(SchedulerException.class)
        .hasMessageContaining("belongs to another installation").hasMessageContaining("refusing to delete it");
    assertThatThrownBy(() -> theirs.run(release(2, "worker: exec sleep 1000\n"), "echo hi", Duration.ofSeconds(10)))
        .isInstanceOf(SchedulerException.class).hasMessageContaining("belongs to another installation");

    assertThat(ours.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
    for (String resource : List.of("pods", "deployments", "secrets")) {
      assertThat(cluster.get().store().list(resource, app.value(), o -> true)).as(resource).allSatisfy(o ->
          assertThat(o.getAsJsonObject("metadata").getAsJsonObject("labels").get("io.deis.installation").getAsString())
              .isEqualTo("ours00001"));
    }
  }

  @Test
  void aSchedulerDoesNothingBeforeItIsStartedAndIsStartedOnce() {
    KubernetesScheduler fresh = cluster.builder().build();
    assertThatThrownBy(() -> fresh.containers(app)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call start(installation) first");
    fresh.start(Installation.of("fresh0001"));
    assertThatThrownBy(() -> fresh.start(Installation.of("fresh0002"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("started already, for installation fresh0001");
    fresh.close();
  }

  @Test
  void reconcileConvergesFromNothingFromAHalfDeployedReleaseAndFromStrayTypes() {
    Release v2 = release(2, "worker: exec sleep 1000\nclock: exec sleep 1000\n");
    Release v3 = release(3, "worker: exec sleep 1000\nclock: exec sleep 1000\n");

    // From nothing: it writes, and does not wait.
    assertThat(ours.reconcile(v2, Formation.parse("worker=2"))).isEmpty();
    SchedulerContract.await(Duration.ofSeconds(20), () -> upOf(2, 2));

    // A newer release half deployed (its Deployment written, as by a controller that died), and a stray type.
    ours.reconcile(v3, Formation.parse("worker=1 clock=1"));
    SchedulerContract.await(Duration.ofSeconds(20), () -> ours.containers(app).stream().anyMatch(c -> c.release() == 3));

    // Back to what the store says: v2 at worker=2, nothing else.
    ours.reconcile(v2, Formation.parse("worker=2"));
    SchedulerContract.await(Duration.ofSeconds(20), () -> upOf(2, 2));
    assertThat(ours.containers(app)).extracting(c -> c.type().value()).containsOnly("worker");
    ours.reconcile(v2, Formation.parse("worker=2")); // v3's Secret goes once no pod reads it any more
    assertThat(cluster.get().store().list("secrets", app.value(), o -> true))
        .extracting(s -> s.getAsJsonObject("metadata").get("name").getAsString()).containsExactly(app + "-v2-env");

    // Level-triggered: the same call again changes nothing.
    cluster.get().requests().clear();
    ours.reconcile(v2, Formation.parse("worker=2"));
    assertThat(cluster.get().requests().all()).filteredOn(r -> r.isWrite()).isEmpty();
  }

  @Test
  void reconcileRemovesEvictedPods() {
    Release v2 = release(2, "worker: exec sleep 1000\n");
    ours.deploy(v2, Formation.parse("worker=1"));
    cluster.get().evict(app.value(), ours.containers(app).get(0).id());
    SchedulerContract.await(Duration.ofSeconds(20), () -> upOf(2, 1));

    ours.reconcile(v2, Formation.parse("worker=1"));

    SchedulerContract.await(Duration.ofSeconds(20), () -> cluster.get().store().list("pods", app.value(), o -> true).size() == 1);
    assertThat(ours.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }

  @Test
  void aDeployWhoseRetiringFailsStillSucceedsAndReconcileRemovesWhatWasLeft() {
    Release v2 = release(2, "worker: exec sleep 1000\nclock: exec sleep 1000\n");
    ours.deploy(v2, Formation.parse("worker=1 clock=1"));
    cluster.get().fail("delete", ".*/deployments/" + app + "-clock", 500);
    Release v3 = release(3, "worker: exec sleep 1000\nclock: exec sleep 1000\n");
    try {
      ours.deploy(v3, Formation.parse("worker=1")); // the new release serves: the deploy succeeds
    } finally {
      cluster.get().heal();
    }
    assertThat(ours.containers(app)).extracting(c -> c.type().value()).contains("worker", "clock");

    ours.reconcile(v3, Formation.parse("worker=1"));

    SchedulerContract.await(Duration.ofSeconds(20), () -> upOf(3, 1));
  }

  private boolean upOf(int release, int count) {
    List<Container> containers = ours.containers(app);
    return containers.size() == count && containers.stream().allMatch(c -> c.release() == release && c.state() == ContainerState.UP);
  }
}
