package io.deis.scheduler.docker;

import static io.deis.scheduler.docker.TestApps.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.StateChange;
import io.deis.store.InMemoryStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's first bullet, on one real daemon: two programs, each with its own controller and
 * store, use the same app name at the same time. Neither sees, adopts, reconciles or removes the
 * other's containers, networks or images.
 */
@RequiresDocker
class InstallationScopeTest {
  private static final String APP = "dt-same-name";

  @TempDir
  Path tmp;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void twoControllersWithSeparateStoresDeployAndDestroyTheSameAppNameIndependently() throws Exception {
    Path repo = TestApps.commit(tmp.resolve("repo"), TestApps.webApp(0));
    try (Controller first = TestApps.controller(new InMemoryStore(), tmp.resolve("first"), TestDocker.newScheduler());
        Controller second = TestApps.controller(new InMemoryStore(), tmp.resolve("second"), TestDocker.newScheduler())) {
      assertThat(first.installation()).isNotEqualTo(second.installation());
      Session alice = TestApps.user(first, "alice");
      Session bob = TestApps.user(second, "bob");
      alice.createApp(APP);
      bob.createApp(APP);
      alice.setConfig(APP, Map.of("GREETING", "first installation"));
      bob.setConfig(APP, Map.of("GREETING", "second installation"));

      // Both deploy the same app name at the same time.
      CompletableFuture<?> deployFirst = CompletableFuture.runAsync(() -> alice.deploy(APP, BuildSource.commit(repo, "HEAD")));
      CompletableFuture<?> deploySecond = CompletableFuture.runAsync(() -> bob.deploy(APP, BuildSource.commit(repo, "HEAD")));
      deployFirst.get();
      deploySecond.get();

      assertThat(get(alice.endpoints(APP).get(0))).isEqualTo("first installation");
      assertThat(get(bob.endpoints(APP).get(0))).isEqualTo("second installation");
      Map<String, String> firstContainers = TestApps.containers(first.installation());
      assertThat(firstContainers).hasSize(1).allSatisfy((name, id) -> assertThat(name).contains(first.installation().id()));
      assertThat(TestApps.containers(second.installation())).hasSize(1);
      assertThat(alice.ps(APP)).singleElement().satisfies(c -> assertThat(c.history()).extracting(StateChange::cause)
          .as("nothing was adopted from the other installation").doesNotContain("adopted"));

      // Each reconciles: neither takes the other's app for one its store has lost.
      assertThat(first.reconcile()).isTrue();
      assertThat(second.reconcile()).isTrue();
      assertThat(TestApps.containers(first.installation())).isEqualTo(firstContainers);

      bob.destroyApp(APP);

      assertThat(TestApps.everything(second.installation())).as("nothing of the second installation is left").isEmpty();
      assertThat(TestApps.containers(first.installation())).as("the first installation's container was not touched")
          .isEqualTo(firstContainers);
      assertThat(alice.ps(APP)).singleElement().satisfies(c -> {
        assertThat(c.state()).isEqualTo(ContainerState.UP);
        assertThat(c.restarts()).isZero();
      });
      assertThat(get(alice.endpoints(APP).get(0))).isEqualTo("first installation");
      assertThat(TestApps.everything(first.installation())).as("the first installation keeps its network and images")
          .anyMatch(o -> o.startsWith("network ")).anyMatch(o -> o.startsWith("image "));

      alice.destroyApp(APP);
      assertThat(TestApps.everything(first.installation())).isEmpty();
    }
  }

  @Test
  void aSecondSchedulerOfAnotherInstallationAdoptsNothingOfTheFirst() throws Exception {
    Path repo = TestApps.commit(tmp.resolve("repo"), TestApps.webApp(0));
    try (Controller first = TestApps.controller(new InMemoryStore(), tmp.resolve("first"), TestDocker.newScheduler())) {
      Session alice = TestApps.user(first, "alice");
      alice.createApp(APP);
      alice.deploy(APP, BuildSource.commit(repo, "HEAD"));
      Map<String, String> running = TestApps.containers(first.installation());

      try (DockerScheduler stranger = TestDocker.newScheduler()) {
        stranger.start(TestDocker.newInstallation());
        assertThat(stranger.containers(io.deis.model.AppName.of(APP))).isEmpty();
        assertThat(stranger.apps()).isEmpty();
        stranger.destroy(io.deis.model.AppName.of(APP));
      }

      assertThat(TestApps.containers(first.installation())).isEqualTo(running);
      assertThat(alice.ps(APP)).extracting(Container::state).containsExactly(ContainerState.UP);
      alice.destroyApp(APP);
    }
  }
}
