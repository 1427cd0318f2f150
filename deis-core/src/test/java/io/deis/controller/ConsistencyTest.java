package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import io.deis.build.BuildSource;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.local.LocalRuntime;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Release;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeContainer;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.store.InMemoryStore;
import io.deis.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store and what runs agree after every fault: a controller closed mid-deploy, an interrupted
 * deploy, old containers that will not go, a store write that fails, and operations that queued
 * behind others while the world changed.
 */
class ConsistencyTest {
  /** A deploy of this worker takes about {@link #SLOW_UPTIME}: long enough to act in the middle of it. */
  private static final Duration SLOW_UPTIME = Duration.ofSeconds(3);

  @TempDir
  Path tmp;
  private final Store store = spy(new InMemoryStore());
  /** While set, the store fails to record the success of release v3 (stubbed once, before any thread uses the store). */
  private final java.util.concurrent.atomic.AtomicBoolean failV3Success = new java.util.concurrent.atomic.AtomicBoolean();

  @org.junit.jupiter.api.BeforeEach
  void stubTheStore() {
    doAnswer(call -> {
      Release r = call.getArgument(0);
      if (failV3Success.get() && r.version() == 3 && r.status() == Release.Status.SUCCEEDED) {
        throw new IllegalStateException("disk full");
      }
      return call.callRealMethod();
    }).when(store).recordOutcome(any(), any());
  }
  private Controller deis;
  private LocalRuntime runtime;

  @AfterEach
  void close() {
    if (deis != null) {
      deis.close();
    }
  }

  private Controller controller(Duration minUptime) {
    runtime = LocalRuntime.builder().workDirectory(tmp.resolve("containers")).build();
    deis = Controller.builder().trustedUsersOnly(true).store(store).dataDirectory(tmp.resolve("data")).passwordHashIterations(1000)
        .scheduler(new RuntimeScheduler(runtime, SchedulerContract.fastOptions().withMinUptime(minUptime))).build();
    if (store.users().isEmpty()) {
      deis.register("alice", "alice-password", "alice@example.com");
      deis.register("bob", "bob-password", "bob@example.com");
    }
    return deis;
  }

  private Session login(String user) {
    return deis.login(user, user + "-password");
  }

  private Path repo(String marker) {
    Path repo = tmp.resolve("repo");
    GitRepos.commit(repo, Map.of("Procfile", "worker: exec sleep 1000\n", "marker.txt", marker));
    return repo;
  }

  @Test
  void aControllerClosedMidDeployComesBackRunningTheLastSucceededRelease() throws Exception {
    controller(SLOW_UPTIME);
    Session alice = login("alice");
    alice.createApp("app");
    alice.deploy("app", BuildSource.commit(repo("v2"), "HEAD"));
    alice.scale("app", "worker=2");
    CompletableFuture<Release> v3 = CompletableFuture.supplyAsync(() -> alice.deploy("app", BuildSource.commit(repo("v3"), "HEAD")));
    SchedulerContract.await(Duration.ofSeconds(20), () -> store.releases(io.deis.model.AppName.of("app")).size() == 3
        && runtime.list(Map.of(Labels.RELEASE, "3")).size() == 2);

    deis.close(); // mid-deploy: the v3 containers are up but not yet accepted
    assertThatThrownBy(() -> v3.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

    controller(Duration.ofMillis(200));
    assertThat(deis.reconcile()).isTrue();
    Session again = login("alice");
    assertThat(again.releases("app")).extracting(Release::version, Release::status).containsExactly(
        org.assertj.core.groups.Tuple.tuple(1, Release.Status.SUCCEEDED), org.assertj.core.groups.Tuple.tuple(2, Release.Status.SUCCEEDED),
        org.assertj.core.groups.Tuple.tuple(3, Release.Status.FAILED));
    assertRuns(again, 2, 2);
  }

  @Test
  void anInterruptedDeployLeavesThePreviousReleaseRunningAndNothingElse() throws Exception {
    controller(SLOW_UPTIME);
    Session alice = login("alice");
    alice.createApp("app");
    alice.deploy("app", BuildSource.commit(repo("v2"), "HEAD"));
    alice.scale("app", "worker=2");
    AtomicReference<Thread> deployer = new AtomicReference<>();
    CompletableFuture<Release> v3 = CompletableFuture.supplyAsync(() -> {
      deployer.set(Thread.currentThread());
      return alice.deploy("app", BuildSource.commit(repo("v3"), "HEAD"));
    });
    SchedulerContract.await(Duration.ofSeconds(20), () -> runtime.list(Map.of(Labels.RELEASE, "3")).size() == 2);

    deployer.get().interrupt();

    assertThatThrownBy(() -> v3.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DeployException.class).hasMessageContaining("interrupted");
    assertThat(alice.release("app", 3).status()).isEqualTo(Release.Status.FAILED);
    assertRuns(alice, 2, 2);
    deis.reconcile();
    assertRuns(alice, 2, 2);
  }

  @Test
  void oldContainersThatWillNotGoAreRemovedByReconcileAndTheNewReleaseServes() throws Exception {
    runtime = LocalRuntime.builder().workDirectory(tmp.resolve("containers")).build();
    RefusingDestroy refusing = new RefusingDestroy(runtime);
    deis = Controller.builder().trustedUsersOnly(true).store(store).dataDirectory(tmp.resolve("data")).passwordHashIterations(1000)
        .scheduler(new RuntimeScheduler(refusing, SchedulerContract.fastOptions())).build();
    deis.register("alice", "alice-password", "alice@example.com");
    Session alice = login("alice");
    alice.createApp("app");
    alice.deploy("app", BuildSource.commit(repo("v2"), "HEAD"));
    alice.scale("app", "worker=2");
    refusing.refuse.addAll(alice.ps("app").stream().map(Container::id).toList());

    Release v3 = alice.deploy("app", BuildSource.commit(repo("v3"), "HEAD"));

    assertThat(v3.status()).as("the new release serves although the old one would not go").isEqualTo(Release.Status.SUCCEEDED);
    assertThat(alice.ps("app")).anySatisfy(c -> assertThat(c.release()).isEqualTo(2));
    alice.scale("app", "worker=3");
    assertThat(alice.ps("app").stream().filter(c -> c.release() == 3)).as("a scale counts the current release only").hasSize(3);
    refusing.refuse.clear();
    deis.reconcile();
    assertRuns(alice, 3, 3);
  }

  /** A runtime that refuses to destroy the containers named in {@link #refuse}. */
  private static final class RefusingDestroy extends io.deis.scheduler.ForwardingContainerRuntime {
    final java.util.Set<String> refuse = java.util.concurrent.ConcurrentHashMap.newKeySet();

    RefusingDestroy(ContainerRuntime delegate) {
      super(delegate);
    }

    @Override
    public void destroy(String id) {
      if (refuse.contains(id)) {
        throw new io.deis.error.SchedulerException("destroy of " + id + " refused");
      }
      super.destroy(id);
    }
  }

  @Test
  void aStoreThatFailsToRecordTheOutcomeLeavesNothingHalfDone() throws Exception {
    controller(Duration.ofMillis(200));
    Session alice = login("alice");
    alice.createApp("app");
    alice.deploy("app", BuildSource.commit(repo("v2"), "HEAD"));
    alice.scale("app", "worker=2");
    failV3Success.set(true);

    assertThatThrownBy(() -> alice.deploy("app", BuildSource.commit(repo("v3"), "HEAD"))).hasMessageContaining("disk full");
    failV3Success.set(false);

    deis.reconcile();
    assertThat(alice.release("app", 3).status()).as("a pending release found under the lock lost its deploy").isEqualTo(Release.Status.FAILED);
    assertRuns(alice, 2, 2);
  }

  @Test
  void anOperationQueuedBehindADeployIsRefusedWhenItsAuthorLostAccessMeanwhile() throws Exception {
    controller(SLOW_UPTIME);
    Session alice = login("alice");
    Session bob = login("bob");
    alice.createApp("app");
    alice.share("app", "bob");
    alice.deploy("app", BuildSource.commit(repo("v2"), "HEAD"));
    alice.scale("app", "worker=1");
    CompletableFuture<Optional<Release>> slow = CompletableFuture.supplyAsync(() -> alice.setConfig("app", Map.of("SLOW", "1")));
    SchedulerContract.await(Duration.ofSeconds(20), () -> store.releases(io.deis.model.AppName.of("app")).size() == 3);
    CompletableFuture<Optional<Release>> queued = CompletableFuture.supplyAsync(() -> bob.setConfig("app", Map.of("FOO", "bar")));
    Thread.sleep(300); // bob's change now waits for the app's lock

    alice.unshare("app", "bob"); // does not wait behind the deploy

    slow.get(60, TimeUnit.SECONDS);
    assertThatThrownBy(() -> queued.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(PermissionDeniedException.class);
    assertThat(alice.config("app").values()).doesNotContainKey("FOO");
    assertThat(alice.releases("app")).hasSize(3);
  }

  @Test
  void aStrangerIsRefusedAtOnceRatherThanAfterWaitingBehindADeploy() throws Exception {
    controller(SLOW_UPTIME);
    Session alice = login("alice");
    Session bob = login("bob");
    alice.createApp("app");
    alice.deploy("app", BuildSource.commit(repo("v2"), "HEAD"));
    alice.scale("app", "worker=1");
    CompletableFuture<Optional<Release>> slow = CompletableFuture.supplyAsync(() -> alice.setConfig("app", Map.of("SLOW", "1")));
    SchedulerContract.await(Duration.ofSeconds(20), () -> store.releases(io.deis.model.AppName.of("app")).size() == 3);

    assertThatThrownBy(() -> bob.setConfig("app", Map.of("FOO", "bar"))).isInstanceOf(PermissionDeniedException.class);
    assertThat(slow).as("bob was refused while alice's deploy still held the app").isNotDone();
    slow.get(60, TimeUnit.SECONDS);
    assertThat(alice.releases("app")).hasSize(3);
  }

  @Test
  void aDeployQueuedBehindTheAppsDestructionFailsAndLeavesNothingBehind() throws Exception {
    controller(SLOW_UPTIME);
    Session alice = login("alice");
    alice.createApp("app");
    Path repo = repo("v2");
    alice.deploy("app", BuildSource.commit(repo, "HEAD"));
    alice.scale("app", "worker=1");
    CompletableFuture<Optional<Release>> slow = CompletableFuture.supplyAsync(() -> alice.setConfig("app", Map.of("SLOW", "1")));
    SchedulerContract.await(Duration.ofSeconds(20), () -> store.releases(io.deis.model.AppName.of("app")).size() == 3);
    CompletableFuture<Void> destroy = CompletableFuture.runAsync(() -> alice.destroyApp("app"));
    Thread.sleep(200);
    CompletableFuture<Release> queued = CompletableFuture.supplyAsync(() -> alice.deploy("app", BuildSource.commit(repo, "HEAD")));

    slow.get(60, TimeUnit.SECONDS);
    destroy.get(60, TimeUnit.SECONDS);
    assertThatThrownBy(() -> queued.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(NotFoundException.class);
    assertThat(tmp.resolve("data").resolve("builds").resolve("app")).doesNotExist();
    assertThat(runtime.list(Labels.forInstallation(deis.installation()))).isEmpty();
    assertThat(store.app(io.deis.model.AppName.of("app"))).isEmpty();
  }

  /** Exactly {@code count} running containers, all of release {@code version}, in the runtime and in the controller's view. */
  private void assertRuns(Session session, int version, int count) {
    List<RuntimeContainer> running = runtime.list(Labels.forInstallation(deis.installation()));
    assertThat(running).hasSize(count).allSatisfy(rc -> {
      assertThat(rc.running()).isTrue();
      assertThat(rc.labels()).containsEntry(Labels.RELEASE, Integer.toString(version));
    });
    assertThat(session.ps("app")).hasSize(count).allSatisfy(c -> {
      assertThat(c.state()).isEqualTo(ContainerState.UP);
      assertThat(c.release()).isEqualTo(version);
    });
    assertThat(session.ps("app").stream().map(Container::id).collect(Collectors.toSet()))
        .isEqualTo(running.stream().map(RuntimeContainer::id).collect(Collectors.toSet()));
  }
}
