package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.build.BuildSource;
import io.deis.error.BuildException;
import io.deis.error.ConflictException;
import io.deis.error.DeisException;
import io.deis.error.InvalidInputException;
import io.deis.error.PermissionDeniedException;
import io.deis.local.LocalRuntime;
import io.deis.model.ConfigChange;
import io.deis.model.Formation;
import io.deis.model.MemoryLimit;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.model.User;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.store.InMemoryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's bullets, tried as a hostile user would on the controller: each is refused with a
 * clear message, changes nothing and leaks nothing.
 */
class HostileUserTest {
  static final String WORKER = "exec sleep 1000";

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
    deis = controller(Limits.defaults());
    deis.register("alice", "alice-password", "alice@example.com");
    alice = deis.login("alice", "alice-password");
  }

  private Controller controller(Limits limits) {
    return Controller.builder().trustedUsersOnly(true).store(store).dataDirectory(tmp.resolve("data"))
        .scheduler(new RuntimeScheduler(new LocalRuntime(tmp.resolve("containers-" + System.nanoTime())), SchedulerContract.fastOptions()))
        .passwordHashIterations(1000).limits(limits).listener(events::add).build();
  }

  @AfterEach
  void tearDown() {
    deis.close();
  }

  private void deployWorker(String app) {
    alice.createApp(app);
    GitRepos.commit(tmp.resolve("repo-" + app), Map.of("Procfile", "worker: " + WORKER + "\n"));
    alice.deploy(app, BuildSource.commit(tmp.resolve("repo-" + app), "HEAD"));
  }

  // ---------------------------------------------------------------- accounts

  @Test
  void theLastAdministratorCannotDropTheirRightsSoTheNextStrangerIsNoAdministrator() {
    assertThatThrownBy(() -> alice.setAdmin("alice", false)).isInstanceOf(ConflictException.class)
        .hasMessage("alice is the last administrator and cannot lose administrator rights: make another user an administrator first");
    assertThat(alice.user().admin()).isTrue();

    User mallory = deis.register("mallory", "mallory-password", "");
    assertThat(mallory.admin()).isFalse();
    assertThat(deis.login("mallory", "mallory-password").user().admin()).isFalse();
  }

  @Test
  void theLastAdministratorCannotDeleteTheirAccount() {
    assertThatThrownBy(alice::deleteAccount).isInstanceOf(ConflictException.class)
        .hasMessageContaining("alice is the last administrator and cannot be deleted");
    assertThat(deis.login("alice", "alice-password").user().admin()).isTrue();
  }

  @Test
  void nullCredentialsAndNullArgumentsAreClearErrorsNotNullPointerExceptions() {
    alice.createApp("mine");
    assertThatThrownBy(() -> deis.login(null, "x")).isInstanceOf(InvalidInputException.class).hasMessage("username is missing (null)");
    assertThatThrownBy(() -> deis.login("alice", null)).isInstanceOf(InvalidInputException.class).hasMessage("password is missing (null)");
    assertThatThrownBy(() -> alice.unshare("mine", null)).isInstanceOf(InvalidInputException.class).hasMessage("username is missing (null)");
    assertThatThrownBy(() -> deis.register(null, "x", "")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> deis.register("dave", null, "")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> deis.authenticate(null)).isInstanceOf(io.deis.error.AuthenticationException.class);
    assertThatThrownBy(() -> deis.authenticateKey(null)).isInstanceOf(io.deis.error.AuthenticationException.class);
  }

  @Test
  void theOwnerCannotShareAnAppWithThemselves() {
    alice.createApp("mine");
    assertThatThrownBy(() -> alice.share("mine", "alice")).isInstanceOf(InvalidInputException.class)
        .hasMessage("user 'alice' owns mine already: share it with someone else");
    assertThat(alice.collaborators("mine")).isEmpty();
  }

  @Test
  void anUnknownUserCostsTheSamePasswordHashWorkAsAKnownOne() {
    PasswordHasher hasher = deis.passwords;
    long before = hasher.iterationsDerived();
    assertThatThrownBy(() -> deis.login("alice", "wrong")).hasMessage("Unable to log in with provided credentials.");
    long known = hasher.iterationsDerived() - before;
    before = hasher.iterationsDerived();
    assertThatThrownBy(() -> deis.login("nobody-by-that-name", "wrong")).hasMessage("Unable to log in with provided credentials.");
    long unknown = hasher.iterationsDerived() - before;
    assertThat(known).isEqualTo(1000);
    assertThat(unknown).as("PBKDF2 iterations spent on an unknown user").isEqualTo(known);
  }

  @Test
  void passwordsAndEmailsHaveBounds() {
    String huge = "p".repeat(PasswordHasher.MAX_PASSWORD_LENGTH + 1);
    assertThatThrownBy(() -> deis.register("dave", huge, "")).isInstanceOf(InvalidInputException.class)
        .hasMessage("password for 'dave' is longer than 1024 characters");
    assertThatThrownBy(() -> deis.register("dave", "ok-password", "e".repeat(300))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("e-mail address");
    assertThatThrownBy(() -> alice.changePassword("alice-password", huge)).isInstanceOf(InvalidInputException.class);
    assertThat(store.user("dave")).isEmpty();
  }

  // ---------------------------------------------------------------- counts

  @Test
  void scalingToTwoBillionIsRefusedBeforeAnythingIsAllocatedAndPsStillWorks() {
    deployWorker("big");
    Formation before = alice.app("big").structure();

    assertThatThrownBy(() -> alice.scale("big", "worker=2000000000")).isInstanceOf(InvalidInputException.class)
        .hasMessage("cannot scale big to worker=2000000000: the limit is 100 containers per process type (containersPerType)");
    assertThat(alice.ps("big")).isEmpty(); // a Procfile build without web starts nothing: ps answers, nothing was made
    assertThat(alice.app("big").structure()).isEqualTo(before);
    assertThat(events).noneMatch(e -> e.kind() == AuditEvent.Kind.SCALED);
  }

  @Test
  void theContainersOfAllTypesTogetherAreBoundedToo() {
    deis.close();
    deis = controller(Limits.builder().containersPerType(3).containersPerApp(4).build());
    alice = deis.login("alice", "alice-password");
    alice.createApp("two");
    GitRepos.commit(tmp.resolve("repo-two"), Map.of("Procfile", "a: " + WORKER + "\nb: " + WORKER + "\n"));
    alice.deploy("two", BuildSource.commit(tmp.resolve("repo-two"), "HEAD"));

    assertThatThrownBy(() -> alice.scale("two", "a=3 b=2")).isInstanceOf(InvalidInputException.class)
        .hasMessage("cannot scale two to a=3 b=2 (5 containers): the limit is 4 containers per app (containersPerApp)");
    assertThat(alice.ps("two")).isEmpty();
  }

  @Test
  void appsKeysAndDomainsPerUserOrAppAreBounded() {
    deis.close();
    deis = controller(Limits.builder().appsPerUser(1).keysPerUser(1).domainsPerApp(1).build());
    alice = deis.login("alice", "alice-password");
    alice.createApp("one");
    assertThatThrownBy(() -> alice.createApp("two")).isInstanceOf(ConflictException.class)
        .hasMessage("alice owns 1 apps, the limit (appsPerUser 1): destroy one before creating another");
    alice.addKey("laptop", ControllerTest.ED25519);
    assertThatThrownBy(() -> alice.addKey("desktop", ControllerTest.ECDSA)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("the limit (keysPerUser 1)");
    alice.addDomain("one", "one.example.com");
    assertThatThrownBy(() -> alice.addDomain("one", "two.example.com")).isInstanceOf(ConflictException.class)
        .hasMessageContaining("the limit (domainsPerApp 1)");
    assertThat(alice.apps()).hasSize(1);
    assertThat(alice.keys()).hasSize(1);
    assertThat(alice.domains("one")).hasSize(1);
  }

  @Test
  void collaboratorsTagsAndCertificatesAreBounded() {
    deis.close();
    deis = controller(Limits.builder().collaboratorsPerApp(1).tagsPerApp(2).certificatesPerUser(1).build());
    alice = deis.login("alice", "alice-password");
    alice.register("bob", "bob-password", "");
    alice.register("carol", "carol-password", "");
    alice.createApp("one");
    alice.share("one", "bob");
    alice.share("one", "bob"); // sharing again with one who has access is no new collaborator
    assertThatThrownBy(() -> alice.share("one", "carol")).isInstanceOf(ConflictException.class)
        .hasMessage("one is shared with 1 users, the limit (collaboratorsPerApp 1): unshare it with someone first");
    assertThat(alice.collaborators("one")).containsExactly("bob");

    alice.setConfig("one", ConfigChange.builder().tag("zone", "a").tag("disk", "ssd").build());
    assertThatThrownBy(() -> alice.setConfig("one", ConfigChange.builder().tag("rack", "r1").build()))
        .isInstanceOf(InvalidInputException.class).hasMessage("one would have 3 tags: the limit is 2 (tagsPerApp)");
    alice.setConfig("one", ConfigChange.builder().tag("zone", "b").build()); // changing a tag adds none
    assertThat(alice.releases("one")).hasSize(3);

    alice.addCertificate(AuthorizationMatrixTest.pem("ec-cert.pem"), AuthorizationMatrixTest.pem("ec-key.pem"),
        java.util.Optional.of("a.example.com"));
    assertThatThrownBy(() -> alice.addCertificate(AuthorizationMatrixTest.pem("ec-cert.pem"), AuthorizationMatrixTest.pem("ec-key.pem"),
        java.util.Optional.of("b.example.com"))).isInstanceOf(ConflictException.class)
        .hasMessage("alice has 1 certificates, the limit (certificatesPerUser 1): remove one first");
    assertThat(alice.certificates()).hasSize(1);
  }

  // ---------------------------------------------------------------- config values

  @Test
  void aNulValueIsRefusedAtSetConfigNamingTheKeyNeverTheValue() {
    alice.createApp("cfg");
    String secret = "hunter2-" + "\0" + "-canary";
    assertThatThrownBy(() -> alice.setConfig("cfg", Map.of("DB_PASSWORD", secret))).isInstanceOf(InvalidInputException.class)
        .hasMessage("config value of DB_PASSWORD contains a NUL character (at position 8), which no process environment can carry: remove it")
        .hasMessageNotContaining("hunter2");
    assertThat(alice.releases("cfg")).hasSize(1);
    assertThat(events).noneMatch(e -> e.message().contains("hunter2"));
  }

  @Test
  void aTenMegabyteValueIsRefusedAndSoAreTooManyOrTooLargeValues() {
    alice.createApp("cfg");
    String tenMegabytes = "x".repeat(10 << 20);
    assertThatThrownBy(() -> alice.setConfig("cfg", Map.of("BIG", tenMegabytes))).isInstanceOf(InvalidInputException.class)
        .hasMessage("config value of BIG is longer than 131072 bytes, the most an environment variable can hold");
    assertThatThrownBy(() -> alice.setConfig("cfg", Map.of("BIG", "x".repeat(40_000)))).isInstanceOf(InvalidInputException.class)
        .hasMessage("config value of BIG is 40000 bytes: the limit is 32768 bytes per value (configValueBytes)");

    deis.close();
    deis = controller(Limits.builder().configKeys(2).configBytes(1024).build());
    Session a = deis.login("alice", "alice-password");
    a.setConfig("cfg", Map.of("A", "1", "B", "2"));
    assertThatThrownBy(() -> a.setConfig("cfg", Map.of("C", "3"))).isInstanceOf(InvalidInputException.class)
        .hasMessage("cfg would have 3 config values: the limit is 2 (configKeys)");
    assertThatThrownBy(() -> a.setConfig("cfg", Map.of("A", "y".repeat(1100)))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("the limit is 1024 bytes for all keys and values together (configBytes)");
    a.unsetConfig("cfg", "B"); // a change that shrinks the config always goes through
    assertThat(a.config("cfg").values()).containsOnlyKeys("A");
  }

  @Test
  void aHealthCheckThatWouldHoldTheAppForYearsIsRefused() {
    alice.createApp("hc");
    assertThatThrownBy(() -> alice.setConfig("hc", Map.of("HEALTHCHECK_URL", "/", "HEALTHCHECK_TIMEOUT", "1000000000")))
        .isInstanceOf(InvalidInputException.class).hasMessage("HEALTHCHECK_TIMEOUT must be at most 3600 seconds");
    assertThatThrownBy(() -> alice.setConfig("hc", Map.of("HEALTHCHECK_URL", "/", "HEALTHCHECK_TIMEOUT", "120")))
        .isInstanceOf(InvalidInputException.class).hasMessage("HEALTHCHECK_TIMEOUT is over the limit of 30 seconds (healthCheckTimeout)");
    assertThatThrownBy(() -> alice.setConfig("hc", Map.of("HEALTHCHECK_URL", "/", "HEALTHCHECK_INITIAL_DELAY", "600")))
        .isInstanceOf(InvalidInputException.class).hasMessage("HEALTHCHECK_INITIAL_DELAY is over the limit of 60 seconds (healthCheckInitialDelay)");
    // The test scheduler's deploy timeout is 60 s: a check that cannot answer within it is refused.
    assertThatThrownBy(() -> alice.setConfig("hc", Map.of("HEALTHCHECK_URL", "/", "HEALTHCHECK_INITIAL_DELAY", "50",
        "HEALTHCHECK_TIMEOUT", "10"))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("together must be shorter than the scheduler's deploy timeout of 60 seconds");
    assertThatThrownBy(() -> alice.setConfig("hc", Map.of("HEALTHCHECK_URL", "no-slash-secret")))
        .isInstanceOf(InvalidInputException.class).hasMessageNotContaining("no-slash-secret");
    assertThat(alice.releases("hc")).hasSize(1);
    alice.setConfig("hc", Map.of("HEALTHCHECK_URL", "/healthz", "HEALTHCHECK_TIMEOUT", "2.5", "HEALTHCHECK_INITIAL_DELAY", "1"));
    assertThat(alice.config("hc").healthCheck().orElseThrow().timeout()).isEqualTo(Duration.ofMillis(2500));
  }

  @Test
  void memoryLimitsAreParsedOnceAndRangeChecked() {
    alice.createApp("mem");
    assertThatThrownBy(() -> ConfigChange.builder().memory(ProcessType.WEB, "17179869184G")).isInstanceOf(InvalidInputException.class)
        .hasMessage("memory limit for web '17179869184G' is out of range: use 6M to 1024G");
    assertThatThrownBy(() -> ConfigChange.builder().memory(ProcessType.WEB, "512")).isInstanceOf(InvalidInputException.class)
        .hasMessage("memory limit for web '512' is invalid: Limit format: <number><unit>, where unit = B, K, M or G");
    assertThatThrownBy(() -> ConfigChange.builder().memory(ProcessType.WEB, "99999999999999999999999999M"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("out of range");
    assertThatThrownBy(() -> ConfigChange.builder().cpu(ProcessType.WEB, -1)).isInstanceOf(InvalidInputException.class);
    // A Config made directly (a store reading one back, a backend's test) is checked by the same rules.
    assertThatThrownBy(() -> new io.deis.model.Config("u", "alice", java.time.Instant.now(), Map.of(),
        Map.of(ProcessType.WEB, "512"), Map.of(), Map.of())).isInstanceOf(InvalidInputException.class);
    assertThat(MemoryLimit.parse("512M").bytes()).isEqualTo(512L << 20);
    assertThat(MemoryLimit.parse("1g").bytes()).isEqualTo(1L << 30);
    assertThat(MemoryLimit.parse("1024GB").bytes()).isEqualTo(1L << 40);
    assertThat(alice.releases("mem")).hasSize(1);
  }

  // ---------------------------------------------------------------- run and logs

  @Test
  void runTimeoutsAndCommandsAreBoundedAndLogsAreBoundedPerCall() {
    deployWorker("runner");
    assertThatThrownBy(() -> alice.run("runner", "true", Duration.ofDays(365))).isInstanceOf(InvalidInputException.class)
        .hasMessage("run timeout PT8760H is out of range: more than 0 and at most the limit (runTimeout) PT1H");
    assertThatThrownBy(() -> alice.run("runner", "echo " + "x".repeat(20_000))).isInstanceOf(InvalidInputException.class)
        .hasMessage("command to run is 20005 bytes long: the limit (runCommandBytes) is 16384");
    assertThatThrownBy(() -> alice.logs("runner", Integer.MAX_VALUE)).isInstanceOf(InvalidInputException.class)
        .hasMessage("log lines must be 1 to 10000 (the limit, logLines), not 2147483647");
    assertThat(events).noneMatch(e -> e.kind() == AuditEvent.Kind.RAN);
  }

  @Test
  void theControllersOwnLogOfAnAppKeepsItsLimit() {
    deis.close();
    deis = controller(Limits.builder().appLogLines(5).build());
    Session a = deis.login("alice", "alice-password");
    a.createApp("chatty");
    for (int i = 0; i < 20; i++) {
      a.setConfig("chatty", Map.of("N", Integer.toString(i)));
    }
    assertThat(a.logs("chatty", 100)).hasSize(5).last().asString().contains("alice changed N");
  }

  // ---------------------------------------------------------------- untrusted repositories and checkouts

  @Test
  void checkoutsNoReleaseUsesArePruned() throws Exception {
    deployWorker("pruned");
    Path repo = tmp.resolve("repo-pruned");
    String bad = GitRepos.commit(repo, Map.of("Procfile", "this is not a procfile line\n"));
    assertThatThrownBy(() -> alice.deploy("pruned", BuildSource.commit(repo, "HEAD"))).isInstanceOf(BuildException.class);
    Path builds = tmp.resolve("data").resolve("builds").resolve("pruned");
    try (Stream<Path> left = Files.list(builds)) {
      List<String> names = left.map(p -> p.getFileName().toString()).toList();
      assertThat(names).as("checkouts left in " + builds).hasSize(1).doesNotContain(bad);
    }
    Release current = alice.currentRelease("pruned");
    assertThat(Files.isDirectory(current.build().orElseThrow().sourceTree().orElseThrow())).isTrue();
  }

  @Test
  void everyMessageOfARefusedInputIsADeisExceptionThatQuotesAtMostALittleOfIt() {
    String flood = "A".repeat(100_000);
    for (Runnable bad : List.<Runnable>of(
        () -> alice.createApp(flood), () -> alice.scale("x", flood + "=1"), () -> deis.register(flood, "p", ""),
        () -> alice.addKey("k", "ssh-ed25519 " + flood), () -> alice.addDomain("x", flood), () -> alice.unsetConfig("x", flood))) {
      assertThatThrownBy(bad::run).isInstanceOf(DeisException.class)
          .satisfies(e -> assertThat(e.getMessage().length()).as(e.getMessage().substring(0, Math.min(80, e.getMessage().length()))).isLessThan(400));
    }
  }

  // ---------------------------------------------------------------- one user on the local runtime

  @Test
  void theLocalRuntimeServesOneUserUnlessTheEmbedderTrustsEveryUser() {
    InMemoryStore own = new InMemoryStore();
    try (Controller local = Controller.builder().store(own).dataDirectory(tmp.resolve("single")).passwordHashIterations(1000).build()) {
      local.register("owner", "owner-password", "");
      assertThatThrownBy(() -> local.register("stranger", "stranger-password", "")).isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("this platform serves one user").hasMessageContaining("trustedUsersOnly(true)");
      assertThat(own.users()).extracting(User::username).containsExactly("owner");
      Session owner = local.login("owner", "owner-password");
      assertThatThrownBy(() -> owner.register("friend", "friend-password", "")).isInstanceOf(PermissionDeniedException.class);
      // A store another (isolating) controller filled with users serves none of them here.
      own.createUser(new User("other", "", false, java.time.Instant.now()), "pbkdf2_sha256$1$x$y");
      assertThatThrownBy(() -> local.login("owner", "owner-password")).isInstanceOf(PermissionDeniedException.class);
    }
  }

  // ---------------------------------------------------------------- attempts per source

  @Test
  void logInAndRegisterAttemptsPerSourceAreLimitedWithinAWindow() {
    MutableClock clock = new MutableClock();
    AttemptLimiter limiter = new AttemptLimiter(Limits.builder().authAttempts(3, Duration.ofMinutes(1)).authSources(2).build(), clock);
    for (int i = 0; i < 3; i++) {
      limiter.acquire("10.0.0.1");
    }
    assertThatThrownBy(() -> limiter.acquire("10.0.0.1")).isInstanceOf(io.deis.error.TooManyRequestsException.class)
        .hasMessage("too many log-in or register attempts from 10.0.0.1: at most 3 per 1 min; try again in 60 s")
        .satisfies(e -> assertThat(((io.deis.error.TooManyRequestsException) e).httpStatus()).isEqualTo(429));
    limiter.acquire("10.0.0.2"); // another source has its own budget
    clock.advance(Duration.ofSeconds(61));
    limiter.acquire("10.0.0.1"); // a new window
    limiter.acquire("10.0.0.3");
    limiter.acquire("10.0.0.4");
    assertThat(limiter.tracked()).isEqualTo(2); // memory stays bounded: the oldest window made room
    assertThatThrownBy(() -> limiter.acquire(null)).isInstanceOf(InvalidInputException.class);
    // Front-ends that count failures only (the git server): verify counts nothing, failed counts one.
    limiter.verify("10.0.0.5");
    limiter.verify("10.0.0.5");
    limiter.verify("10.0.0.5");
    limiter.verify("10.0.0.5");
    for (int i = 0; i < 3; i++) {
      limiter.failed("10.0.0.5");
    }
    assertThatThrownBy(() -> limiter.verify("10.0.0.5")).isInstanceOf(io.deis.error.TooManyRequestsException.class);
    assertThat(deis.authAttempts()).isNotNull();
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends java.time.Clock {
    private java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }
}
