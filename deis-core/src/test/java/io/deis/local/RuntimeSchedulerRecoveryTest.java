package io.deis.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What RuntimeScheduler does around the happy path, on real local processes. */
class RuntimeSchedulerRecoveryTest {
  private static final AppName APP = AppName.of("recovery");

  @TempDir
  Path tmp;
  LocalRuntime runtime;

  @AfterEach
  void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void aNewSchedulerAdoptsTheNewestReleasesContainersAndRemovesOlderOnes() throws Exception {
    runtime = new LocalRuntime(tmp.resolve("runtime"));
    Release v3 = release(3, "worker: exec sleep 1000");
    RuntimeScheduler first = new RuntimeScheduler(runtime, SchedulerContract.fastOptions());
    first.deploy(v3, Formation.parse("worker=2"));
    // A container of an older release that a crashed controller left behind.
    Release v2 = release(2, "worker: exec sleep 1000");
    String leftover = runtime.create(new ContainerSpec("recovery_v2.worker.1", Labels.forContainer(APP, 2, ProcessType.of("worker"), 1),
        ProcessType.of("worker"), v2.build().orElseThrow(), Optional.of("exec sleep 1000"), Map.of(), Optional.empty(), Optional.empty()));
    runtime.start(leftover);

    RuntimeScheduler second = new RuntimeScheduler(runtime, SchedulerContract.fastOptions());

    assertThat(second.containers(APP)).extracting(Container::name, Container::release, Container::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("recovery.worker.1", 3, ContainerState.UP),
            org.assertj.core.groups.Tuple.tuple("recovery.worker.2", 3, ContainerState.UP));
    assertThat(runtime.inspect(leftover)).isEmpty();
    assertThat(runtime.list(Labels.forApp(APP))).hasSize(2);
  }

  @Test
  void containersThatCannotStartAreRemovedAndTheErrorSaysWhy() throws Exception {
    runtime = new LocalRuntime(tmp.resolve("runtime"));
    RuntimeScheduler scheduler = new RuntimeScheduler(runtime, SchedulerContract.fastOptions());
    scheduler.deploy(release(2, "worker: exec sleep 1000"), Formation.parse("worker=1"));
    Release missingTree = release(3, "worker: exec sleep 1000");
    Files.delete(missingTree.build().orElseThrow().sourceTree().orElseThrow().resolve("Procfile"));
    Files.delete(missingTree.build().orElseThrow().sourceTree().orElseThrow());

    assertThatThrownBy(() -> scheduler.deploy(missingTree, Formation.parse("worker=2")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("recovery.worker.1 failed to create")
        .hasMessageContaining("recovery.worker.2 failed to create");

    assertThat(scheduler.containers(APP)).singleElement().satisfies(c -> {
      assertThat(c.release()).isEqualTo(2);
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
    assertThat(runtime.list(Labels.forApp(APP))).hasSize(1);
  }

  private Release release(int version, String procfile) throws Exception {
    Path tree = Files.createDirectories(tmp.resolve("src-" + version + "-" + UUID.randomUUID()));
    Files.writeString(tree.resolve("Procfile"), procfile + "\n");
    Build build = new Build(UUID.randomUUID().toString(), APP, "tester", Instant.now(), Optional.empty(), Optional.empty(),
        Procfile.parse(procfile), Optional.empty(), Optional.of(tree));
    return new Release(UUID.randomUUID().toString(), APP, version, "tester", Instant.now(), Optional.of(build),
        Config.empty("c", "tester", Instant.now()), "test", Release.Status.PENDING, Optional.empty());
  }
}
