package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.build.BuildSource;
import io.deis.error.AuthenticationException;
import io.deis.error.BuildException;
import io.deis.error.ConflictException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.local.LocalRuntime;
import io.deis.model.App;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.store.InMemoryStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerTest {
  static final String WORKER = "exec sleep 1000";
  static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK test-ed25519@deis";
  static final String ECDSA = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDk2ArC12P4EerVNIrS4Mrz7NZbAQikUC3osBvjR/GzDt0dq+1OFiKwJLiRLKVgDg5cDPucr1nBGN5qtUzYWPWs= test-ecdsa@deis";

  @TempDir
  Path tmp;
  InMemoryStore store;
  Controller deis;
  List<AuditEvent> events;
  Session alice;

  @BeforeEach
  void setUp() {
    store = new InMemoryStore();
    events = Collections.synchronizedList(new ArrayList<>());
    deis = Controller.builder()
        .trustedUsersOnly(true) // several test users on the local runtime
        .store(store)
        .dataDirectory(tmp.resolve("data"))
        .scheduler(new RuntimeScheduler(new LocalRuntime(tmp.resolve("containers")), SchedulerContract.fastOptions()))
        .passwordHashIterations(1000)
        .listener(events::add)
        .build();
    deis.register("alice", "alice-password", "alice@example.com");
    alice = deis.login("alice", "alice-password");
  }

  @AfterEach
  void tearDown() {
    deis.close();
  }

  // ---------------------------------------------------------------- users

  @Test
  void theFirstUserIsAnAdministratorAndLaterOnesAreNot() {
    assertThat(alice.user().admin()).isTrue();
    assertThat(deis.register("bob", "bob-password", "").admin()).isFalse();
  }

  @Test
  void passwordsAreStoredOnlyAsSaltedHashes() {
    deis.register("bob", "bob-password", "");
    String aliceHash = store.passwordHash("alice").orElseThrow();
    assertThat(aliceHash).startsWith("pbkdf2_sha256$1000$").doesNotContain("alice-password");
    deis.register("carol", "alice-password", "");
    assertThat(store.passwordHash("carol").orElseThrow()).isNotEqualTo(aliceHash); // salted
  }

  @Test
  void loginChecksThePasswordAndTokensAuthenticate() {
    assertThatThrownBy(() -> deis.login("alice", "wrong")).isInstanceOf(AuthenticationException.class);
    assertThatThrownBy(() -> deis.login("nobody", "x")).isInstanceOf(AuthenticationException.class);
    String token = alice.token().orElseThrow();
    assertThat(deis.authenticate(token).user().username()).isEqualTo("alice");

    String fresh = alice.regenerateToken();
    assertThatThrownBy(() -> deis.authenticate(token)).isInstanceOf(AuthenticationException.class);
    assertThat(deis.authenticate(fresh).user().username()).isEqualTo("alice");
  }

  @Test
  void duplicateAndMalformedUsernamesAreRejected() {
    assertThatThrownBy(() -> deis.register("alice", "x", "")).isInstanceOf(ConflictException.class).hasMessageContaining("taken");
    assertThatThrownBy(() -> deis.register("bad name", "x", "")).isInstanceOf(InvalidInputException.class).hasMessageContaining("'bad name'");
    assertThatThrownBy(() -> deis.register("dave", "", "")).isInstanceOf(InvalidInputException.class).hasMessageContaining("password");
  }

  @Test
  void changingThePasswordNeedsTheCurrentOne() {
    assertThatThrownBy(() -> alice.changePassword("wrong", "new-password")).hasMessage("Current password does not match");
    alice.changePassword("alice-password", "new-password");
    assertThatThrownBy(() -> deis.login("alice", "alice-password")).isInstanceOf(AuthenticationException.class);
    assertThat(deis.login("alice", "new-password").user().username()).isEqualTo("alice");
  }

  @Test
  void onlyAdministratorsListUsersAndGrantAdministration() {
    deis.register("bob", "bob-password", "");
    Session bob = deis.login("bob", "bob-password");
    assertThatThrownBy(bob::users).isInstanceOf(PermissionDeniedException.class);
    assertThat(alice.users()).extracting(u -> u.username()).containsExactly("alice", "bob");
    alice.setAdmin("bob", true);
    assertThat(bob.users()).hasSize(2);
  }

  @Test
  void aUserWhoStillOwnsAppsCannotDeleteTheirAccount() {
    alice.createApp("kept");
    assertThatThrownBy(alice::deleteAccount).isInstanceOf(ConflictException.class)
        .hasMessage("alice still has applications assigned. Delete or transfer ownership");
  }

  // ---------------------------------------------------------------- keys

  @Test
  void keysAreAddedListedAndRemovedWithFingerprints() {
    Key key = alice.addKey(null, ED25519);
    assertThat(key.id()).isEqualTo("test-ed25519@deis");
    assertThat(key.fingerprint()).isEqualTo("SHA256:P1JI1ruT1CKgfrZbEhVaHPLOotxiMKdaIuNcg6TuEgI");
    alice.addKey("laptop", ECDSA);
    assertThat(alice.keys()).extracting(Key::id).containsExactlyInAnyOrder("test-ed25519@deis", "laptop");
    assertThat(deis.authenticateKey(key.fingerprint()).user().username()).isEqualTo("alice");

    alice.removeKey("laptop");
    assertThat(alice.keys()).extracting(Key::id).containsExactly("test-ed25519@deis");
    assertThatThrownBy(() -> alice.removeKey("laptop")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void theSameKeyCannotBelongToTwoUsersAndMalformedKeysAreRejected() {
    alice.addKey("mine", ED25519);
    deis.register("bob", "bob-password", "");
    Session bob = deis.login("bob", "bob-password");
    assertThatThrownBy(() -> bob.addKey("stolen", ED25519)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("already registered");
    assertThatThrownBy(() -> bob.addKey("bad", "ssh-rsa foo_bar")).isInstanceOf(InvalidInputException.class);
    assertThat(bob.keys()).isEmpty();
    assertThatThrownBy(() -> deis.authenticateKey("SHA256:unknown")).isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("not registered");
  }

  // ---------------------------------------------------------------- apps and permissions

  @Test
  void appsGetGeneratedReadableNamesAndReleaseV1() {
    App app = alice.createApp();
    assertThat(app.name().value()).matches("[a-z]+-[a-z]+");
    Release v1 = alice.currentRelease(app.name().value());
    assertThat(v1.version()).isEqualTo(1);
    assertThat(v1.build()).isEmpty();
    assertThat(v1.config().values()).isEmpty();
    assertThat(v1.summary()).isEqualTo("alice created initial release");
  }

  @Test
  void reservedDuplicateAndInvalidAppNamesAreRejected() {
    alice.createApp("taken");
    assertThatThrownBy(() -> alice.createApp("deis")).isInstanceOf(InvalidInputException.class).hasMessage("deis is a reserved name.");
    assertThatThrownBy(() -> alice.createApp("taken")).isInstanceOf(ConflictException.class).hasMessageContaining("must be unique");
    assertThatThrownBy(() -> alice.createApp("camelCase")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("App IDs can only contain [a-z0-9-]");
    assertThat(alice.apps()).extracting(a -> a.name().value()).containsExactly("taken");
  }

  @Test
  void aSecondUserCanNeitherReadNorChangeAnAppUntilItIsSharedAndRevokingWorks() {
    alice.createApp("private");
    deis.register("bob", "bob-password", "");
    Session bob = deis.login("bob", "bob-password");

    assertThat(bob.apps()).isEmpty();
    assertThatThrownBy(() -> bob.app("private")).isInstanceOf(PermissionDeniedException.class)
        .hasMessage("You do not have permission to perform this action.");
    assertThatThrownBy(() -> bob.config("private")).isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> bob.setConfig("private", Map.of("FOO", "bar"))).isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> bob.releases("private")).isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> bob.share("private", "bob")).isInstanceOf(PermissionDeniedException.class);
    assertThat(alice.releases("private")).hasSize(1); // bob's attempts changed nothing

    alice.share("private", "bob");
    assertThat(bob.apps()).extracting(a -> a.name().value()).containsExactly("private");
    assertThat(bob.setConfig("private", Map.of("FOO", "bar"))).isPresent();
    assertThat(alice.collaborators("private")).containsExactly("bob");
    assertThatThrownBy(() -> bob.destroyApp("private")).isInstanceOf(PermissionDeniedException.class);

    alice.unshare("private", "bob");
    assertThatThrownBy(() -> bob.config("private")).isInstanceOf(PermissionDeniedException.class);
    assertThat(bob.apps()).isEmpty();
  }

  @Test
  void unknownAppsAreNotFoundAndAdministratorsSeeEveryApp() {
    deis.register("bob", "bob-password", "");
    Session bob = deis.login("bob", "bob-password");
    bob.createApp("bobs");
    assertThatThrownBy(() -> bob.app("missing")).isInstanceOf(NotFoundException.class).hasMessageContaining("'missing'");
    assertThat(alice.apps()).extracting(a -> a.name().value()).containsExactly("bobs");
    alice.setConfig("bobs", Map.of("BY_ADMIN", "1"));
    assertThat(bob.config("bobs").values()).containsEntry("BY_ADMIN", "1");
  }

  @Test
  void transferGivesTheAppAway() {
    alice.createApp("gift");
    deis.register("bob", "bob-password", "");
    Session bob = deis.login("bob", "bob-password");
    alice.transferApp("gift", "bob");
    assertThat(bob.app("gift").owner()).isEqualTo("bob");
    assertThatThrownBy(() -> alice.transferApp("gift", "nobody")).isInstanceOf(NotFoundException.class);
  }

  // ---------------------------------------------------------------- config and releases

  @Test
  void everyConfigChangeMakesExactlyOneReleaseInDeisWords() {
    alice.createApp("cfg");
    Release v2 = alice.setConfig("cfg", Map.of("FOO", "1")).orElseThrow();
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.summary()).isEqualTo("alice added FOO");

    Release v3 = alice.setConfig("cfg", io.deis.model.ConfigChange.builder().set("FOO", "2").set("BAR", "x").build()).orElseThrow();
    assertThat(v3.summary()).isEqualTo("alice added BAR, changed FOO");
    Release v4 = alice.unsetConfig("cfg", "BAR").orElseThrow();
    assertThat(v4.summary()).isEqualTo("alice deleted BAR");
    assertThat(alice.config("cfg").values()).containsExactly(Map.entry("FOO", "2"));
  }

  @Test
  void aConfigChangeThatChangesNothingMakesNoReleaseAndSaysSo() {
    alice.createApp("same");
    alice.setConfig("same", Map.of("FOO", "1"));
    assertThat(alice.setConfig("same", Map.of("FOO", "1"))).isEmpty();
    assertThat(alice.releases("same")).hasSize(2);
  }

  @Test
  void badConfigChangesAreRejectedAndChangeNothing() {
    alice.createApp("strict");
    assertThatThrownBy(() -> alice.setConfig("strict", Map.of("FOO-BAR", "x"))).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> alice.setConfig("strict", Map.of("HEALTHCHECK_URL", "no-slash")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("HEALTHCHECK_URL");
    assertThat(alice.releases("strict")).hasSize(1);
  }

  @Test
  void eightThreadsChangingConfigConcurrentlyGetGaplessUniqueVersions() throws Exception {
    alice.createApp("busy");
    int threads = 8;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Integer>>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      futures.add(pool.submit(() -> {
        start.await();
        List<Integer> mine = new ArrayList<>();
        for (int i = 0; i < perThread; i++) {
          mine.add(alice.setConfig("busy", Map.of("T" + id, Integer.toString(i))).orElseThrow().version());
        }
        return mine;
      }));
    }
    start.countDown();
    List<Integer> versions = new ArrayList<>();
    for (Future<List<Integer>> f : futures) {
      versions.addAll(f.get());
    }
    pool.shutdown();

    Collections.sort(versions);
    List<Integer> expected = new ArrayList<>();
    for (int v = 2; v <= 1 + threads * perThread; v++) {
      expected.add(v);
    }
    assertThat(versions).containsExactlyElementsOf(expected);
    assertThat(alice.releases("busy")).extracting(Release::version).containsExactlyElementsOf(
        java.util.stream.IntStream.rangeClosed(1, 1 + threads * perThread).boxed().toList());
    // Every change survived: the last config holds each thread's final value.
    for (int t = 0; t < threads; t++) {
      assertThat(alice.config("busy").values()).containsEntry("T" + t, Integer.toString(perThread - 1));
    }
  }

  // ---------------------------------------------------------------- builds, scale, containers

  @Test
  void aPushedCommitIsBuiltReleasedAndScaledToItsDefault() {
    alice.createApp("pushed");
    String sha = GitRepos.commit(tmp.resolve("repo"), Map.of("Procfile", "worker: " + WORKER + "\ncron: " + WORKER + "\n"));
    List<String> progress = new ArrayList<>();

    Release v2 = alice.deploy("pushed", BuildSource.commit(tmp.resolve("repo"), "HEAD"), progress::add);

    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.summary()).isEqualTo("alice deployed " + sha.substring(0, 7));
    assertThat(v2.build().orElseThrow().sha()).hasValue(sha);
    assertThat(progress).contains("-----> Building pushed from " + sha.substring(0, 7),
        "-----> Procfile declares types -> cron, worker", "       done, pushed:v2 deployed");
    assertThat(alice.ps("pushed")).isEmpty(); // no web type: nothing is scaled by default

    assertThat(alice.scale("pushed", "worker=2 cron=1")).isEqualTo(Formation.parse("cron=1 worker=2"));
    assertThat(alice.ps("pushed")).extracting(Container::psLine)
        .containsExactly("cron.1 up (v2)", "worker.1 up (v2)", "worker.2 up (v2)");
    assertThat(events).extracting(AuditEvent::message).contains("alice scaled containers cron=1 worker=2");
  }

  @Test
  void scaleRejectsTypesTheBuildDoesNotDeclareAndAppsWithoutABuild() {
    alice.createApp("empty");
    assertThatThrownBy(() -> alice.scale("empty", "web=1")).hasMessage("No build associated with this release");
    GitRepos.commit(tmp.resolve("repo"), Map.of("Procfile", "worker: " + WORKER + "\n"));
    alice.deploy("empty", BuildSource.commit(tmp.resolve("repo"), "HEAD"));
    assertThatThrownBy(() -> alice.scale("empty", "web=1")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Container type web does not exist in application empty");
    assertThatThrownBy(() -> alice.scale("empty", "worker=-1")).isInstanceOf(InvalidInputException.class);
    assertThat(alice.ps("empty")).isEmpty();
  }

  @Test
  void aMalformedProcfileIsRejectedWithItsLineNumberAndMakesNoRelease() {
    alice.createApp("broken");
    GitRepos.commit(tmp.resolve("repo"), Map.of("Procfile", "worker: ok\nnot a process line\n"));
    assertThatThrownBy(() -> alice.deploy("broken", BuildSource.commit(tmp.resolve("repo"), "HEAD")))
        .isInstanceOf(BuildException.class).hasMessageContaining("line 2");
    assertThat(alice.releases("broken")).hasSize(1);
  }

  @Test
  void aDeployWhoseContainersCrashIsMarkedFailedAndThePreviousReleaseKeepsRunning() {
    alice.createApp("safe");
    Path repo = tmp.resolve("repo");
    GitRepos.commit(repo, Map.of("Procfile", "worker: " + WORKER + "\n"));
    alice.deploy("safe", BuildSource.commit(repo, "HEAD"));
    alice.scale("safe", "worker=2");
    List<String> before = alice.ps("safe").stream().map(Container::id).toList();

    GitRepos.commit(repo, Map.of("Procfile", "worker: echo cannot reach the database >&2; exit 3\n"));
    assertThatThrownBy(() -> alice.deploy("safe", BuildSource.commit(repo, "HEAD")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("release v3 of safe failed, v2 keeps running")
        .hasMessageContaining("exit code 3")
        .hasMessageContaining("last output of safe.worker.1:\n    cannot reach the database");

    assertThat(alice.release("safe", 3).status()).isEqualTo(Release.Status.FAILED);
    assertThat(alice.currentRelease("safe").version()).isEqualTo(2);
    assertThat(alice.ps("safe")).extracting(Container::id).containsExactlyElementsOf(before);
    assertThat(alice.ps("safe")).allSatisfy(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));

    // The failed version is never reused: the next change is v4.
    assertThat(alice.setConfig("safe", Map.of("FOO", "1")).orElseThrow().version()).isEqualTo(4);
  }

  @Test
  void rollbackMakesANewReleaseWithTheOldBuildAndConfig() {
    alice.createApp("back");
    Path repo = tmp.resolve("repo");
    GitRepos.commit(repo, Map.of("Procfile", "worker: " + WORKER + "\n"));
    alice.deploy("back", BuildSource.commit(repo, "HEAD"));                 // v2
    alice.scale("back", "worker=1");
    alice.setConfig("back", Map.of("GREETING", "hello"));                   // v3

    Release v4 = alice.rollback("back");
    assertThat(v4.version()).isEqualTo(4);
    assertThat(v4.summary()).isEqualTo("alice rolled back to v2");
    assertThat(v4.config().values()).isEmpty();
    assertThat(v4.build().orElseThrow().uuid()).isEqualTo(alice.release("back", 2).build().orElseThrow().uuid());
    assertThat(alice.ps("back")).singleElement().satisfies(c -> assertThat(c.release()).isEqualTo(4));

    Release v5 = alice.rollback("back", 3);
    assertThat(v5.config().values()).containsEntry("GREETING", "hello");

    assertThatThrownBy(() -> alice.rollback("back", 1)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("cannot roll back back to v1: it has no build");
    assertThatThrownBy(() -> alice.rollback("back", 99)).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("v99").hasMessageContaining("v1 to v5");
    assertThat(alice.releases("back")).hasSize(5);
  }

  @Test
  void rollbackWithNothingBeforeIsRefused() {
    alice.createApp("fresh");
    assertThatThrownBy(() -> alice.rollback("fresh")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("nothing to roll back to");
  }

  @Test
  void restartRunLogsAndDestroy() throws Exception {
    alice.createApp("ops");
    Path repo = tmp.resolve("repo");
    GitRepos.commit(repo, Map.of("Procfile", "worker: echo started; " + WORKER + "\n", "data.txt", "from the repo\n"));
    alice.deploy("ops", BuildSource.commit(repo, "HEAD"));
    alice.scale("ops", "worker=2");

    List<Container> restarted = alice.restart("ops", ContainerFilter.one(io.deis.model.ProcessType.of("worker"), 2));
    assertThat(restarted).extracting(Container::num).containsExactly(2);

    RunResult result = alice.run("ops", "cat data.txt; exit 7");
    assertThat(result.exitCode()).isEqualTo(7);
    assertThat(result.output()).isEqualTo("from the repo\n");

    SchedulerContract.await(java.time.Duration.ofSeconds(20), () -> alice.logs("ops", 50).stream().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dUTC ops\\[worker.1\\]: started")));
    assertThat(alice.logs("ops", 50)).anyMatch(l -> l.endsWith("deis[api]: alice scaled containers worker=2"))
        .anyMatch(l -> l.endsWith("deis[api]: alice runs 'cat data.txt; exit 7'"));

    List<ProcessHandle> before = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    assertThat(before).isNotEmpty();
    alice.destroyApp("ops");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
    assertThatThrownBy(() -> alice.ps("ops")).isInstanceOf(NotFoundException.class);
    assertThat(events).extracting(AuditEvent::kind).contains(AuditEvent.Kind.APP_DESTROYED);
  }
}
