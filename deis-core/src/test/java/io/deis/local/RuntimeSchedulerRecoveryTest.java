package io.deis.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeContainer;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What RuntimeScheduler does around the happy path, on real local processes: adoption, reconciliation, installation scope. */
class RuntimeSchedulerRecoveryTest {
  private static final AppName APP = AppName.of("recovery");
  private static final Installation MINE = Installation.of("mine00000001");
  private static final Installation THEIRS = Installation.of("theirs000001");

  @TempDir
  Path tmp;
  LocalRuntime runtime;

  @BeforeEach
  void runtime() {
    runtime = new LocalRuntime(tmp.resolve("runtime"));
  }

  @AfterEach
  void close() {
    runtime.close();
  }

  @Test
  void aNewSchedulerAdoptsWhatRunsAndReconcileKeepsOnlyTheCurrentRelease() throws Exception {
    Release v3 = release(3, "worker: exec sleep 1000");
    RuntimeScheduler first = scheduler(MINE);
    first.deploy(v3, Formation.parse("worker=2"));
    // A half-deployed newer release and an older one, as a controller that died mid-deploy leaves them.
    String older = startContainer(MINE, release(2, "worker: exec sleep 1000"), 1);
    String newer = startContainer(MINE, release(4, "worker: exec sleep 1000"), 1);

    RuntimeScheduler second = scheduler(MINE);
    assertThat(second.containers(APP)).hasSize(4);
    assertThat(second.apps()).containsExactly(APP);

    assertThat(second.reconcile(v3, Formation.parse("worker=2"))).isEmpty();

    assertThat(second.containers(APP)).extracting(Container::name, Container::release, Container::state)
        .containsExactly(tuple("recovery.worker.1", 3, ContainerState.UP), tuple("recovery.worker.2", 3, ContainerState.UP));
    assertThat(runtime.inspect(older)).isEmpty();
    assertThat(runtime.inspect(newer)).isEmpty();
    assertThat(runtime.list(Labels.forApp(MINE, APP))).hasSize(2);
  }

  @Test
  void reconcileCreatesMissingContainersAndRemovesSurplusOnes() throws Exception {
    Release v2 = release(2, "worker: exec sleep 1000");
    RuntimeScheduler scheduler = scheduler(MINE);
    scheduler.deploy(v2, Formation.parse("worker=3"));
    String lost = scheduler.containers(APP).get(1).id();
    runtime.destroy(lost); // removed behind the scheduler's back

    scheduler.reconcile(v2, Formation.parse("worker=3"));
    assertThat(scheduler.containers(APP)).extracting(Container::num, Container::state)
        .containsExactly(tuple(1, ContainerState.UP), tuple(2, ContainerState.UP), tuple(3, ContainerState.UP));
    assertThat(scheduler.containers(APP).get(1).id()).isNotEqualTo(lost);

    scheduler.reconcile(v2, Formation.parse("worker=2 clock=0"));
    assertThat(scheduler.containers(APP)).extracting(Container::num, Container::state)
        .containsExactly(tuple(1, ContainerState.UP), tuple(2, ContainerState.UP));
    assertThat(runtime.list(Labels.forApp(MINE, APP))).hasSize(2).allMatch(RuntimeContainer::running);
  }

  @Test
  void anotherInstallationsContainersAreNeverSeenAdoptedOrRemoved() throws Exception {
    String theirs = startContainer(THEIRS, release(2, "worker: exec sleep 1000"), 1);
    RuntimeScheduler mine = scheduler(MINE);

    assertThat(mine.containers(APP)).isEmpty();
    assertThat(mine.apps()).isEmpty();
    Release v5 = release(5, "worker: exec sleep 1000");
    mine.deploy(v5, Formation.parse("worker=1"));
    mine.reconcile(v5, Formation.parse("worker=1"));
    mine.destroy(APP);

    assertThat(runtime.inspect(theirs)).hasValueSatisfying(rc -> assertThat(rc.running()).isTrue());
    assertThat(runtime.list(Labels.forApp(MINE, APP))).isEmpty();
  }

  @Test
  void aSchedulerMustBeStartedBeforeItActsAndOnlyOnce() {
    RuntimeScheduler scheduler = new RuntimeScheduler(runtime, SchedulerContract.fastOptions());
    assertThat(scheduler.containers(APP)).isEmpty();
    assertThatThrownBy(() -> scheduler.deploy(release(2, "worker: exec sleep 1000"), Formation.parse("worker=1")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("start(installation)");
    scheduler.start(MINE);
    assertThatThrownBy(() -> scheduler.start(MINE)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void containersThatCannotStartAreRemovedAndTheErrorSaysWhy() throws Exception {
    RuntimeScheduler scheduler = scheduler(MINE);
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
    assertThat(runtime.list(Labels.forApp(MINE, APP))).hasSize(1);
  }

  private RuntimeScheduler scheduler(Installation installation) {
    RuntimeScheduler scheduler = new RuntimeScheduler(runtime, SchedulerContract.fastOptions());
    scheduler.start(installation);
    return scheduler;
  }

  private String startContainer(Installation installation, Release release, int num) {
    ProcessType worker = ProcessType.of("worker");
    String id = runtime.create(new ContainerSpec(Container.jobName(APP, release.version(), worker, num),
        Labels.forContainer(installation, APP, release.version(), worker, num), worker, release.build().orElseThrow(),
        Optional.of("exec sleep 1000"), Map.of(), Optional.empty(), Optional.empty()));
    runtime.start(id);
    return id;
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
