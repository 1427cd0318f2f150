package io.deis.scheduler.docker;

import static io.deis.scheduler.contract.SchedulerContract.await;
import static io.deis.scheduler.docker.TestApps.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Installation;
import io.deis.model.Release;
import io.deis.scheduler.Labels;
import io.deis.store.InMemoryStore;
import io.deis.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's faults on a real daemon: whatever goes wrong in a deploy, once the controller has
 * reconciled, the store and what runs agree on exactly one release per app, and nothing of the
 * installation is left over.
 */
@RequiresDocker
class ConsistencyOnDockerTest {
  private static final String APP = "dt-consistent";

  @TempDir
  Path tmp;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void aControllerClosedMidDeployAndRestartedOnTheSameStoreRunsExactlyTheLastSucceededRelease() throws Exception {
    Store store = new InMemoryStore();
    Path data = tmp.resolve("data");
    Controller first = TestApps.controller(store, data, TestDocker.newScheduler());
    Installation installation = first.installation();
    Session alice = TestApps.user(first, "alice");
    alice.createApp(APP);
    alice.setConfig(APP, Map.of("GREETING", "v3 serves"));
    alice.deploy(APP, BuildSource.commit(TestApps.commit(tmp.resolve("good"), TestApps.webApp(0)), "HEAD"));
    alice.scale(APP, "web=2");
    Map<String, String> good = TestApps.containers(installation);
    assertThat(good).hasSize(2);

    // v4's web processes take a minute to listen: the deploy waits for them when the controller goes.
    Path slow = TestApps.commit(tmp.resolve("slow"), TestApps.webApp(60));
    CompletableFuture<Release> deploy = CompletableFuture.supplyAsync(() -> alice.deploy(APP, BuildSource.commit(slow, "HEAD")));
    await(Duration.ofSeconds(120), () -> releaseContainers(installation, 4) == 2);
    first.close();
    assertThat(deploy).failsWithin(60, TimeUnit.SECONDS);

    try (Controller restarted = TestApps.controller(store, data, TestDocker.newScheduler())) {
      assertThat(restarted.installation()).isEqualTo(installation);
      restarted.reconcile();
      assertRunsExactly(restarted, store, 3, good);
      Session again = restarted.login("alice", "alice-password");
      assertThat(get(again.endpoints(APP).get(0))).isEqualTo("v3 serves");
      assertThat(store.release(AppName.of(APP), 4).orElseThrow().status()).isEqualTo(Release.Status.FAILED);
      again.destroyApp(APP);
      assertThat(TestApps.everything(installation)).as("nothing left over").isEmpty();
    }
  }

  /**
   * The controller dies with SIGKILL mid-deploy: its scheduler half runs in a child JVM (an
   * in-memory store cannot outlive a JVM, so the store half, the PENDING release a controller
   * saves before it deploys, is written here, in the store the restarted controller opens).
   */
  @Test
  void aControllerKilledWithSigkillMidDeployAndRestartedOnTheSameStoreRunsExactlyTheLastSucceededRelease() throws Exception {
    Store store = new InMemoryStore();
    Path data = tmp.resolve("data");
    Installation installation;
    Map<String, String> good;
    String image;
    try (Controller first = TestApps.controller(store, data, TestDocker.newScheduler())) {
      installation = first.installation();
      Session alice = TestApps.user(first, "alice");
      alice.createApp(APP);
      alice.setConfig(APP, Map.of("GREETING", "v3 serves"));
      Release v3 = alice.deploy(APP, BuildSource.commit(TestApps.commit(tmp.resolve("good"), TestApps.webApp(0)), "HEAD"));
      alice.scale(APP, "web=2");
      image = v3.build().orElseThrow().image().orElseThrow();
      good = TestApps.containers(installation);
      assertThat(good).hasSize(2);
    }
    // What the controller writes before it deploys: the next release, PENDING.
    Release v4 = store.appendRelease(AppName.of(APP), version -> new Release(UUID.randomUUID().toString(), AppName.of(APP),
        version, "alice", java.time.Instant.now(), store.release(AppName.of(APP), 3).orElseThrow().build(),
        store.release(AppName.of(APP), 3).orElseThrow().config(), "alice deployed v4", Release.Status.PENDING, Optional.empty()));
    assertThat(v4.version()).isEqualTo(4);

    Path output = tmp.resolve("child.log");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), KilledMidDeploy.class.getName(),
        installation.id(), APP, "4", image, TestDocker.stackImage())
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      await(Duration.ofSeconds(120), () -> {
        assertThat(child.isAlive()).as("the child is deploying; its output: %s", read(output)).isTrue();
        return releaseContainers(installation, 4) == 2;
      });
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, nothing cleaned up
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    assertThat(releaseContainers(installation, 4)).as("the half-deployed v4 is left on the daemon").isEqualTo(2);

    try (Controller restarted = TestApps.controller(store, data, TestDocker.newScheduler())) {
      restarted.reconcile();
      assertRunsExactly(restarted, store, 3, good);
      Session alice = restarted.login("alice", "alice-password");
      assertThat(get(alice.endpoints(APP).get(0))).isEqualTo("v3 serves");
      assertThat(store.release(AppName.of(APP), 4).orElseThrow().status()).isEqualTo(Release.Status.FAILED);
      alice.destroyApp(APP);
      assertThat(TestApps.everything(installation)).as("nothing left over").isEmpty();
    }
  }

  @Test
  void aDeployWhoseRetireOfTheOldContainersThrowsLeavesStoreAndRuntimeAgreeingAfterReconcile() throws Exception {
    Store store = new InMemoryStore();
    FailingRuntime[] faults = new FailingRuntime[1];
    DockerScheduler scheduler = DockerScheduler.builder().stackImage(TestDocker.stackImage()).options(TestDocker.fastOptions())
        .runtimeWrapper(r -> faults[0] = new FailingRuntime(r)).build();
    try (Controller deis = TestApps.controller(store, tmp.resolve("data"), scheduler)) {
      Installation installation = deis.installation();
      Session alice = TestApps.user(deis, "alice");
      alice.createApp(APP);
      Path repo = TestApps.commit(tmp.resolve("repo"), TestApps.webApp(0));
      alice.setConfig(APP, Map.of("GREETING", "old"));
      alice.deploy(APP, BuildSource.commit(repo, "HEAD"));
      alice.scale(APP, "web=2");

      // Retiring v3's containers fails: web.1 cannot be stopped, web.2 stops but cannot be removed.
      faults[0].failStop(id -> id.endsWith("_v3.web.1"));
      faults[0].failDestroy(id -> id.endsWith("_v3.web.2"));
      Release v4 = alice.setConfig(APP, Map.of("GREETING", "new")).orElseThrow();

      assertThat(faults[0].failed()).hasSize(2);
      assertThat(v4.status()).as("the new release serves; the old containers are the reconciler's to remove")
          .isEqualTo(Release.Status.SUCCEEDED);
      deis.reconcile();
      assertRunsExactly(deis, store, 4, null);
      alice.scale(APP, "web=3");
      assertThat(alice.ps(APP)).extracting(Container::release).containsExactly(4, 4, 4);
      assertRunsExactly(deis, store, 4, null);
      assertThat(get(alice.endpoints(APP).get(2))).isEqualTo("new");
      alice.destroyApp(APP);
      assertThat(TestApps.everything(installation)).as("nothing left over").isEmpty();
    }
  }

  /**
   * The store's current release is {@code version}, and the installation's containers on the
   * daemon are exactly those of the app's formation at that release, all running, and (when given)
   * the very Docker containers of {@code before}: adopted, not recreated.
   */
  private static void assertRunsExactly(Controller deis, Store store, int version, Map<String, String> before) {
    AppName app = AppName.of(APP);
    List<Release> releases = store.releases(app);
    Release current = releases.stream().filter(r -> r.status() == Release.Status.SUCCEEDED).reduce((a, b) -> b).orElseThrow();
    assertThat(current.version()).isEqualTo(version);
    int expected = store.app(app).orElseThrow().structure().counts().values().stream().mapToInt(Integer::intValue).sum();
    await(Duration.ofSeconds(60), () -> {
      deis.reconcile();
      Map<String, String> now = TestApps.containers(deis.installation());
      return now.size() == expected && now.keySet().stream().allMatch(n -> n.contains("_v" + version + "."));
    });
    Map<String, String> now = TestApps.containers(deis.installation());
    if (before != null) {
      assertThat(now).isEqualTo(before);
    }
    var running = TestDocker.client().listContainersCmd().withLabelFilter(Labels.forApp(deis.installation(), app)).exec();
    assertThat(running).as("every container runs").hasSize(expected);
    assertThat(deis.login("alice", "alice-password").ps(APP)).hasSize(expected)
        .allSatisfy(c -> {
          assertThat(c.release()).isEqualTo(version);
          assertThat(c.state()).isEqualTo(ContainerState.UP);
        });
  }

  private static long releaseContainers(Installation installation, int version) {
    return TestDocker.client().listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(Labels.INSTALLATION, installation.id(), Labels.RELEASE, Integer.toString(version))).exec().size();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
