package io.deis.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.ConflictException;
import io.deis.error.NotFoundException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Certificate;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Domain;
import io.deis.model.Formation;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.SshPublicKey;
import io.deis.model.User;
import io.deis.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The promises every {@link Store} keeps, whatever holds the data. A store's test subclasses this
 * and provides an empty store per test; a durable store also provides {@link #reopen}, and the
 * tests then check that what one instance committed another one reads.
 */
public abstract class StoreContract {
  /** Times are compared at millisecond precision: databases keep at least that much. */
  protected static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  private static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK test@deis";

  protected Store store;

  /** A new, empty store (a new database, a new file) for one test. */
  protected abstract Store newStore() throws Exception;

  /**
   * A second instance on the same data, as a restarted controller would open it; empty for a store
   * that keeps nothing across instances (the in-memory one).
   */
  protected Optional<Store> reopen(Store store) throws Exception {
    return Optional.empty();
  }

  /** Releases what {@link #newStore} or {@link #reopen} made (connections, files). */
  protected void close(Store store) throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  @BeforeEach
  void open() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    close(store);
  }

  // ---------------------------------------------------------------- installation, locks, lease

  @Test
  void theInstallationIdIsStableAndSurvivesAReopen() throws Exception {
    assertThat(store.installation()).isEqualTo(store.installation());
    Optional<Store> again = reopen(store);
    if (again.isPresent()) {
      try {
        assertThat(again.get().installation()).isEqualTo(store.installation());
      } finally {
        close(again.get());
      }
    }
  }

  @Test
  void anAppLockExcludesOtherHoldersUntilClosed() throws Exception {
    AppName app = AppName.of("locked");
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (Store.AppLock held = store.lock(app)) {
      assertThat(other.submit(() -> store.tryLock(app).map(l -> {
        l.close();
        return true;
      }).orElse(false)).get(10, TimeUnit.SECONDS)).as("another thread's tryLock while held").isFalse();
      assertThat(other.submit(() -> store.tryLock(AppName.of("other-app")).map(l -> {
        l.close();
        return true;
      }).orElse(false)).get(10, TimeUnit.SECONDS)).as("another app's lock is free").isTrue();
    }
    assertThat(other.submit(() -> store.tryLock(app).map(l -> {
      l.close();
      return true;
    }).orElse(false)).get(10, TimeUnit.SECONDS)).as("after release").isTrue();
    other.shutdownNow();
  }

  @Test
  void lockSerializesOperationsOnOneApp() throws Exception {
    AppName app = AppName.of("serial");
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      futures.add(pool.submit(() -> {
        for (int j = 0; j < 20; j++) {
          try (Store.AppLock held = store.lock(app)) {
            if (inside.incrementAndGet() > 1) {
              overlaps.incrementAndGet();
            }
            Thread.sleep(1);
            inside.decrementAndGet();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(overlaps).hasValue(0);
  }

  @Test
  void theLeaseHasOneHolderUntilItExpiresOrIsReleased() throws Exception {
    assertThat(store.holdLease("a", Duration.ofSeconds(30))).isTrue();
    assertThat(store.holdLease("a", Duration.ofSeconds(30))).as("renewal").isTrue();
    assertThat(store.holdLease("b", Duration.ofSeconds(30))).as("held by a").isFalse();
    store.releaseLease("b"); // not b's: nothing happens
    assertThat(store.holdLease("b", Duration.ofSeconds(30))).isFalse();
    store.releaseLease("a");
    assertThat(store.holdLease("b", Duration.ofMillis(300))).as("released by a").isTrue();
    Thread.sleep(1200);
    assertThat(store.holdLease("a", Duration.ofSeconds(30))).as("b's lease expired").isTrue();
  }

  // ---------------------------------------------------------------- users and tokens

  @Test
  void theFirstUserEverIsAnAdministratorAndLaterOnesAreNot() {
    assertThat(store.createUser(user("alice", false), "h1").admin()).isTrue();
    assertThat(store.createUser(user("bob", true), "h2").admin()).as("the caller's flag is kept for later users").isTrue();
    assertThat(store.createUser(user("carol", false), "h3").admin()).isFalse();
    assertThat(store.user("alice")).hasValueSatisfying(u -> assertThat(u.admin()).isTrue());
    assertThat(store.users()).extracting(User::username).containsExactlyInAnyOrder("alice", "bob", "carol");
    assertThatThrownBy(() -> store.createUser(user("alice", false), "h4")).isInstanceOf(ConflictException.class);
    assertThat(store.passwordHash("alice")).hasValue("h1");
  }

  @Test
  void concurrentFirstRegistrationsMakeExactlyOneAdministrator() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<User>> futures = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String name = "user" + i;
      futures.add(pool.submit(() -> {
        go.await();
        return store.createUser(user(name, false), "h");
      }));
    }
    go.countDown();
    int admins = 0;
    for (Future<User> f : futures) {
      admins += f.get(60, TimeUnit.SECONDS).admin() ? 1 : 0;
    }
    pool.shutdown();
    assertThat(admins).isEqualTo(1);
    assertThat(store.users().stream().filter(User::admin)).hasSize(1);
  }

  @Test
  void theLastAdministratorCanNeitherLoseTheirRightsNorBeDeleted() {
    store.createUser(user("alice", false), "h");
    store.createUser(user("bob", false), "h");
    assertThatThrownBy(() -> store.updateUser(store.user("alice").orElseThrow().withAdmin(false)))
        .isInstanceOf(ConflictException.class).hasMessageContaining("last administrator");
    assertThatThrownBy(() -> store.deleteUser("alice")).isInstanceOf(ConflictException.class);
    assertThat(store.user("alice")).hasValueSatisfying(u -> assertThat(u.admin()).isTrue());

    store.updateUser(store.user("bob").orElseThrow().withAdmin(true));
    store.updateUser(store.user("alice").orElseThrow().withAdmin(false));
    store.deleteUser("alice");
    assertThat(store.user("alice")).isEmpty();
    assertThat(store.users()).extracting(User::username).containsExactly("bob");
  }

  @Test
  void tokensMapToTheirUserAndCanBeRevokedOneOrAll() {
    store.createUser(user("alice", false), "h");
    store.addToken("t1", "alice");
    store.addToken("t2", "alice");
    assertThat(store.userForToken("t1")).hasValue("alice");
    store.removeToken("t1");
    assertThat(store.userForToken("t1")).isEmpty();
    assertThat(store.userForToken("t2")).hasValue("alice");
    store.removeTokens("alice");
    assertThat(store.userForToken("t2")).isEmpty();
    store.removeToken("never-issued");
  }

  @Test
  void aTokensHolderIsReadWholeAndIsGoneWithTheTokenOrTheUser() {
    store.createUser(user("alice", false), "h");
    store.createUser(user("bob", false), "h");
    store.addToken("ta", "alice");
    store.addToken("tb", "bob");
    assertThat(store.tokenHolder("ta")).hasValueSatisfying(u -> {
      assertThat(u.username()).isEqualTo("alice");
      assertThat(u.admin()).as("the first user is an administrator").isTrue();
      assertThat(u).isEqualTo(store.user("alice").orElseThrow());
    });
    assertThat(store.tokenHolder("tb")).hasValueSatisfying(u -> assertThat(u.admin()).isFalse());
    assertThat(store.tokenHolder("never-issued")).isEmpty();
    store.removeToken("ta");
    assertThat(store.tokenHolder("ta")).isEmpty();
    store.deleteUser("bob");
    assertThat(store.tokenHolder("tb")).isEmpty();
  }

  /** Through the same store, a token's holder changes at once with every change to the token or the user. */
  @Test
  void aTokensHolderFollowsEveryChangeThroughTheSameStore() {
    store.createUser(user("alice", false), "h");
    store.createUser(user("bob", false), "h");
    store.createUser(user("carol", false), "h");
    store.addToken("tb", "bob");
    assertThat(store.tokenHolder("tb")).hasValueSatisfying(u -> assertThat(u.admin()).isFalse());
    store.updateUser(new User("bob", "bob@example.org", true, NOW));
    assertThat(store.tokenHolder("tb")).hasValueSatisfying(u -> {
      assertThat(u.admin()).as("made an administrator").isTrue();
      assertThat(u.email()).isEqualTo("bob@example.org");
    });
    store.addToken("tb", "carol"); // the same token hash given to another user
    assertThat(store.tokenHolder("tb")).hasValueSatisfying(u -> assertThat(u.username()).isEqualTo("carol"));
    store.removeTokens("carol");
    assertThat(store.tokenHolder("tb")).isEmpty();
  }

  /**
   * A token revoked or a user changed through one instance is seen by another within seconds
   * (JdbcStore on PostgreSQL keeps token holders in memory and forgets them when told of a change).
   */
  @Test
  void aTokenRevokedThroughAnotherInstanceIsRefusedWithinSeconds() throws Exception {
    Optional<Store> again = reopen(store);
    if (again.isEmpty()) {
      return;
    }
    Store other = again.get();
    try {
      store.createUser(user("alice", false), "h");
      store.createUser(user("bob", false), "h");
      store.addToken("ta", "alice");
      store.addToken("tb", "bob");
      assertThat(other.tokenHolder("ta")).isPresent();
      assertThat(other.tokenHolder("tb")).hasValueSatisfying(u -> assertThat(u.admin()).isFalse());
      store.removeToken("ta");
      assertThat(eventually(() -> other.tokenHolder("ta").isEmpty())).as("revoked token refused by the other instance").isTrue();
      store.updateUser(new User("bob", "bob@example.com", true, NOW));
      assertThat(eventually(() -> other.tokenHolder("tb").map(User::admin).orElse(false))).as("new rights seen by the other").isTrue();
      store.deleteUser("bob");
      assertThat(eventually(() -> other.tokenHolder("tb").isEmpty())).as("deleted user's token refused by the other").isTrue();
    } finally {
      close(other);
    }
  }

  @Test
  void deletingAUserRemovesTheirPasswordTokensKeysAndShares() {
    store.createUser(user("admin", false), "h");
    store.createUser(user("bob", false), "h");
    store.addToken("tb", "bob");
    store.addKey(key("laptop", "bob"));
    store.createApp(app("shared", "admin"), v1("shared"));
    store.grant(AppName.of("shared"), "bob");

    store.deleteUser("bob");

    assertThat(store.user("bob")).isEmpty();
    assertThat(store.passwordHash("bob")).isEmpty();
    assertThat(store.userForToken("tb")).isEmpty();
    assertThat(store.keys("bob")).isEmpty();
    assertThat(store.collaborators(AppName.of("shared"))).isEmpty();
  }

  // ---------------------------------------------------------------- keys

  @Test
  void keysAreUniqueByFingerprintAndByIdPerOwner() {
    store.createUser(user("alice", false), "h");
    store.createUser(user("bob", false), "h");
    Key laptop = key("laptop", "alice");
    store.addKey(laptop);
    assertThat(store.keys("alice")).extracting(Key::id).containsExactly("laptop");
    assertThat(store.keyByFingerprint(laptop.fingerprint())).hasValueSatisfying(k -> assertThat(k.owner()).isEqualTo("alice"));
    assertThatThrownBy(() -> store.addKey(new Key("other", "bob", laptop.publicKey(), NOW))).isInstanceOf(ConflictException.class);
    assertThat(store.removeKey("bob", "laptop")).isFalse();
    assertThat(store.removeKey("alice", "laptop")).isTrue();
    assertThat(store.keys("alice")).isEmpty();
  }

  // ---------------------------------------------------------------- apps and releases

  @Test
  void anAppIsSavedWithItsFirstReleaseAndItsNameIsUnique() {
    store.createUser(user("alice", false), "h");
    store.createApp(app("web-app", "alice"), v1("web-app"));
    assertThat(store.app(AppName.of("web-app"))).hasValueSatisfying(a -> assertThat(a.owner()).isEqualTo("alice"));
    assertThat(store.releases(AppName.of("web-app"))).extracting(Release::version).containsExactly(1);
    assertThatThrownBy(() -> store.createApp(app("web-app", "alice"), v1("web-app"))).isInstanceOf(ConflictException.class);
    assertThat(store.apps()).extracting(App::name).containsExactly(AppName.of("web-app"));
  }

  @Test
  void releasesAreNumberedWithoutGapsUnderConcurrentWriters() throws Exception {
    AppName name = AppName.of("busy");
    store.createApp(app("busy", "alice"), v1("busy"));
    int threads = 8;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Integer> versions = Collections.synchronizedList(new ArrayList<>());
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        for (int i = 0; i < perThread; i++) {
          versions.add(store.appendRelease(name, v -> release(name, v, Map.of("N", Integer.toString(v)))).version());
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    List<Integer> expected = IntStream.rangeClosed(2, 1 + threads * perThread).boxed().toList();
    assertThat(versions).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(store.releases(name)).extracting(Release::version).containsExactlyElementsOf(
        IntStream.rangeClosed(1, 1 + threads * perThread).boxed().toList());
    assertThat(store.releases(name)).allSatisfy(r -> {
      if (r.version() > 1) {
        assertThat(r.config().values()).containsEntry("N", Integer.toString(r.version()));
      }
    });
  }

  @Test
  void aReleaseKeepsEveryFieldItWasSavedWith() throws Exception {
    AppName name = AppName.of("fields");
    store.createApp(app("fields", "alice"), v1("fields"));
    Release saved = store.appendRelease(name, v -> new Release(UUID.randomUUID().toString(), name, v, "alice", NOW,
        Optional.of(new io.deis.model.Build(UUID.randomUUID().toString(), name, "alice", NOW, Optional.of("a".repeat(40)),
            Optional.of("deis-jvm/fields:v2"), io.deis.model.Procfile.parse("web: ./server\nworker: ./work"),
            Optional.of("FROM scratch"), Optional.of(java.nio.file.Path.of("/tmp/tree")))),
        Config.empty(UUID.randomUUID().toString(), "alice", NOW).apply(ConfigChange.builder().set("GREETING", "Деис")
            .memory(io.deis.model.ProcessType.WEB, "512M").cpu(io.deis.model.ProcessType.WEB, 512).tag("environ", "dev").build(),
            UUID.randomUUID().toString(), "alice", NOW),
        "alice deployed aaaaaaa", Release.Status.PENDING, Optional.empty()));
    assertThat(store.release(name, 2)).hasValue(saved);
    Optional<Store> again = reopen(store);
    if (again.isPresent()) {
      try {
        assertThat(again.get().release(name, 2)).hasValue(saved);
      } finally {
        close(again.get());
      }
    }
  }

  @Test
  void anOutcomeAndTheFormationAreRecordedTogether() {
    AppName name = AppName.of("outcome");
    store.createApp(app("outcome", "alice"), v1("outcome"));
    Release pending = store.appendRelease(name, v -> release(name, v, Map.of()));
    store.recordOutcome(pending.succeeded(), Optional.of(Formation.parse("web=2 worker=1")));
    assertThat(store.release(name, 2)).hasValueSatisfying(r -> assertThat(r.status()).isEqualTo(Release.Status.SUCCEEDED));
    assertThat(store.app(name).orElseThrow().structure()).isEqualTo(Formation.parse("web=2 worker=1"));

    Release next = store.appendRelease(name, v -> release(name, v, Map.of()));
    store.recordOutcome(next.failed("crashed"), Optional.empty());
    assertThat(store.release(name, 3)).hasValueSatisfying(r -> {
      assertThat(r.status()).isEqualTo(Release.Status.FAILED);
      assertThat(r.failure()).hasValue("crashed");
    });
    assertThat(store.app(name).orElseThrow().structure()).as("unchanged by a failure").isEqualTo(Formation.parse("web=2 worker=1"));
    assertThatThrownBy(() -> store.recordOutcome(release(name, 9, Map.of()), Optional.empty())).isInstanceOf(NotFoundException.class);
  }

  @Test
  void theLatestReleaseOfAStatusAndTheReleasesOfAStatus() {
    AppName name = AppName.of("statuses");
    store.createApp(app("statuses", "alice"), v1("statuses"));
    Release v2 = store.appendRelease(name, v -> release(name, v, Map.of("A", "2")));
    store.recordOutcome(v2.succeeded(), Optional.empty());
    Release v3 = store.appendRelease(name, v -> release(name, v, Map.of("A", "3")));
    store.recordOutcome(v3.failed("crashed"), Optional.empty());
    Release v4 = store.appendRelease(name, v -> release(name, v, Map.of("A", "4")));
    Release v5 = store.appendRelease(name, v -> release(name, v, Map.of("A", "5")));
    store.recordOutcome(v5.succeeded(), Optional.empty());

    assertThat(store.latestRelease(name, Release.Status.SUCCEEDED)).hasValue(v5.succeeded());
    assertThat(store.latestRelease(name, Release.Status.FAILED)).hasValue(v3.failed("crashed"));
    assertThat(store.latestRelease(name, Release.Status.PENDING)).hasValue(v4);
    assertThat(store.releases(name, Release.Status.SUCCEEDED)).extracting(Release::version).containsExactly(1, 2, 5);
    assertThat(store.releases(name, Release.Status.PENDING)).containsExactly(v4);
    assertThat(store.latestRelease(AppName.of("ghost"), Release.Status.SUCCEEDED)).isEmpty();
    assertThat(store.releases(AppName.of("ghost"), Release.Status.PENDING)).isEmpty();
  }

  @Test
  void deletingAnAppRemovesItsReleasesPermissionsAndDomains() {
    store.createUser(user("alice", false), "h");
    store.createUser(user("bob", false), "h");
    AppName name = AppName.of("doomed");
    store.createApp(app("doomed", "alice"), v1("doomed"));
    store.grant(name, "bob");
    store.addDomain(new Domain(name, "doomed.example.com", "alice", NOW));

    store.deleteApp(name);

    assertThat(store.app(name)).isEmpty();
    assertThat(store.releases(name)).isEmpty();
    assertThat(store.collaborators(name)).isEmpty();
    assertThat(store.domains()).isEmpty();
    store.createApp(app("doomed", "bob"), v1("doomed"));
    assertThat(store.releases(name)).extracting(Release::version).containsExactly(1);
  }

  @Test
  void permissionsAreGrantedAndRevoked() {
    AppName name = AppName.of("perms");
    store.createApp(app("perms", "alice"), v1("perms"));
    store.grant(name, "bob");
    store.grant(name, "carol");
    store.grant(name, "bob");
    assertThat(store.collaborators(name)).containsExactly("bob", "carol");
    store.revoke(name, "bob");
    assertThat(store.collaborators(name)).isEqualTo(Set.of("carol"));
    assertThatThrownBy(() -> store.grant(AppName.of("nope"), "bob")).isInstanceOf(NotFoundException.class);
  }

  // ---------------------------------------------------------------- domains and certificates

  @Test
  void aDomainBelongsToOneAppComparedWithoutCase() {
    AppName one = AppName.of("one");
    AppName two = AppName.of("two");
    store.createApp(app("one", "alice"), v1("one"));
    store.createApp(app("two", "alice"), v1("two"));
    store.addDomain(new Domain(one, "WWW.Example.com", "alice", NOW));
    store.addDomain(new Domain(one, "api.example.com", "alice", NOW));
    assertThatThrownBy(() -> store.addDomain(new Domain(two, "www.example.COM", "alice", NOW))).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> store.addDomain(new Domain(AppName.of("ghost"), "g.example.com", "alice", NOW)))
        .isInstanceOf(NotFoundException.class);
    assertThat(store.domains(one)).extracting(Domain::domain).containsExactly("WWW.Example.com", "api.example.com");
    assertThat(store.domains()).hasSize(2);
    assertThat(store.removeDomain(two, "www.example.com")).as("not two's").isFalse();
    assertThat(store.removeDomain(one, "www.example.com")).isTrue();
    assertThat(store.domains(one)).extracting(Domain::domain).containsExactly("api.example.com");
  }

  @Test
  void certificatesAreUniqueByCommonNameAndKeepTheirKeyApart() {
    Certificate cert = new Certificate("www.example.com", "alice", NOW, NOW.plus(Duration.ofDays(90)), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----");
    store.addCertificate(cert, "-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----");
    assertThat(store.certificate("WWW.example.com")).hasValue(cert);
    assertThat(store.certificateKey("www.example.com")).hasValue("-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----");
    assertThat(store.certificates()).containsExactly(cert);
    assertThatThrownBy(() -> store.addCertificate(cert, "k")).isInstanceOf(ConflictException.class);
    assertThat(store.removeCertificate("www.example.com")).isTrue();
    assertThat(store.removeCertificate("www.example.com")).isFalse();
    assertThat(store.certificateKey("www.example.com")).isEmpty();
  }

  // ---------------------------------------------------------------- durability

  @Test
  void whatOneInstanceCommittedAReopenedOneReads() throws Exception {
    store.createUser(user("alice", false), "hash");
    store.addToken("tok", "alice");
    store.addKey(key("laptop", "alice"));
    AppName name = AppName.of("kept");
    store.createApp(app("kept", "alice"), v1("kept"));
    Release v2 = store.appendRelease(name, v -> release(name, v, Map.of("A", "1")));
    store.recordOutcome(v2.succeeded(), Optional.of(Formation.parse("web=1")));
    store.grant(name, "bob");
    store.addDomain(new Domain(name, "kept.example.com", "alice", NOW));
    Optional<Store> again = reopen(store);
    if (again.isEmpty()) {
      return; // nothing to check for a store that keeps nothing across instances
    }
    try {
      Store other = again.get();
      assertThat(other.user("alice")).hasValueSatisfying(u -> assertThat(u.admin()).isTrue());
      assertThat(other.passwordHash("alice")).hasValue("hash");
      assertThat(other.userForToken("tok")).hasValue("alice");
      assertThat(other.keys("alice")).extracting(Key::id).containsExactly("laptop");
      assertThat(other.app(name)).hasValueSatisfying(a -> assertThat(a.structure()).isEqualTo(Formation.parse("web=1")));
      assertThat(other.releases(name)).extracting(Release::version, Release::status)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(1, Release.Status.SUCCEEDED),
              org.assertj.core.groups.Tuple.tuple(2, Release.Status.SUCCEEDED));
      assertThat(other.collaborators(name)).containsExactly("bob");
      assertThat(other.domains(name)).extracting(Domain::domain).containsExactly("kept.example.com");
    } finally {
      close(again.get());
    }
  }

  // ---------------------------------------------------------------- instances sharing the data (controllers side by side)

  @Test
  void aNewStoreIsANewInstallation() throws Exception {
    Store other = newStore();
    try {
      assertThat(other.installation()).isNotEqualTo(store.installation());
    } finally {
      close(other);
    }
  }

  @Test
  void anAppLockExcludesAnotherInstanceOnTheSameData() throws Exception {
    Optional<Store> again = reopen(store);
    if (again.isEmpty()) {
      return; // one instance holds all the data: the single-instance lock tests cover it
    }
    Store other = again.get();
    AppName app = AppName.of("shared-lock");
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      try (Store.AppLock held = store.lock(app)) {
        assertThat(thread.submit(() -> tryAndRelease(other, app)).get(10, TimeUnit.SECONDS)).as("the other instance's tryLock while held").isFalse();
        assertThat(thread.submit(() -> tryAndRelease(other, AppName.of("another-app"))).get(10, TimeUnit.SECONDS)).isTrue();
      }
      // A store may keep a released lock for its own process a little longer (Store#tryLock).
      assertThat(thread.submit(() -> eventually(() -> tryAndRelease(other, app))).get(10, TimeUnit.SECONDS)).as("after release").isTrue();
      // and the other way round, with a waiting lock: it gets the lock once the holder lets go
      CountDownLatch taken = new CountDownLatch(1);
      Future<Boolean> waiter;
      try (Store.AppLock held = other.lock(app)) {
        waiter = thread.submit(() -> {
          try (Store.AppLock mine = store.lock(app)) {
            taken.countDown();
            return true;
          }
        });
        assertThat(taken.await(500, TimeUnit.MILLISECONDS)).as("taken while the other instance holds it").isFalse();
      }
      assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      thread.shutdownNow();
      close(other);
    }
  }

  @Test
  void theLeaseIsOneForEveryInstanceOnTheSameData() throws Exception {
    Optional<Store> again = reopen(store);
    if (again.isEmpty()) {
      return;
    }
    Store other = again.get();
    try {
      assertThat(store.holdLease("first", Duration.ofSeconds(30))).isTrue();
      assertThat(other.holdLease("second", Duration.ofSeconds(30))).as("held through the other instance").isFalse();
      store.releaseLease("first");
      assertThat(other.holdLease("second", Duration.ofSeconds(30))).isTrue();
      assertThat(store.holdLease("first", Duration.ofSeconds(30))).isFalse();
    } finally {
      close(other);
    }
  }

  @Test
  void releasesStayGaplessWithWritersOnTwoInstances() throws Exception {
    Optional<Store> again = reopen(store);
    if (again.isEmpty()) {
      return;
    }
    Store other = again.get();
    AppName name = AppName.of("two-writers");
    store.createApp(app("two-writers", "alice"), v1("two-writers"));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Integer> versions = Collections.synchronizedList(new ArrayList<>());
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < 8; t++) {
        Store writer = t % 2 == 0 ? store : other;
        futures.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 15; i++) {
            versions.add(writer.appendRelease(name, v -> release(name, v, Map.of("N", Integer.toString(v)))).version());
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try {
      assertThat(versions).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(2, 121).boxed().toList());
      assertThat(other.releases(name)).extracting(Release::version).containsExactlyElementsOf(IntStream.rangeClosed(1, 121).boxed().toList());
    } finally {
      close(other);
    }
  }

  /**
   * Holders of an app's lock, on two instances when the store has them, read the app and its
   * current release, then write both from what they read: nothing is lost, whatever a store keeps
   * of what a holder read (JdbcStore keeps it while its hold lasts).
   */
  @Test
  void lockedReadThenWriteOnTwoInstancesLosesNothing() throws Exception {
    Store other = reopen(store).orElse(store);
    AppName name = AppName.of("counted");
    store.createApp(app("counted", "alice"), v1("counted"));
    store.createApp(app("churned", "alice"), v1("churned"));
    int threads = 4;
    int rounds = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    List<Future<?>> futures = new ArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
    // Changes to another app meanwhile, which a store may track with what it keeps of this one.
    Future<?> churn = pool.submit(() -> {
      for (int i = 0; writing.get(); i++) {
        try (Store.AppLock held = store.lock(AppName.of("churned"))) {
          store.updateApp(app("churned", "alice").withStructure(Formation.of(io.deis.model.ProcessType.WEB, i % 3)));
        }
      }
      return null;
    });
    try {
      for (int t = 0; t < threads; t++) {
        Store writer = t % 2 == 0 ? store : other;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < rounds; i++) {
            try (Store.AppLock held = writer.lock(name)) {
              App read = writer.app(name).orElseThrow();
              Release current = writer.latestRelease(name, Release.Status.SUCCEEDED).orElseThrow();
              int n = Integer.parseInt(current.config().values().getOrDefault("N", "0"));
              writer.appendRelease(name, v -> release(name, v, Map.of("N", Integer.toString(n + 1))).succeeded());
              if (i % 5 == 0) {
                writer.updateApp(read.withStructure(Formation.of(io.deis.model.ProcessType.WEB, read.structure().total() + 1)));
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
      writing.set(false);
      churn.get(30, TimeUnit.SECONDS);
    } finally {
      writing.set(false);
      pool.shutdownNow();
    }
    try {
      int total = threads * rounds;
      for (Store reader : List.of(store, other)) {
        assertThat(reader.latestRelease(name, Release.Status.SUCCEEDED).orElseThrow().config().values()).containsEntry("N", Integer.toString(total));
        assertThat(reader.releases(name)).extracting(Release::version).containsExactlyElementsOf(IntStream.rangeClosed(1, total + 1).boxed().toList());
        assertThat(reader.app(name).orElseThrow().structure().total()).isEqualTo(threads * rounds / 5);
      }
    } finally {
      if (other != store) {
        close(other);
      }
    }
  }

  /** A holder of an app's lock reads every change made through the same store, even one made without the lock. */
  @Test
  void aLockHolderReadsChangesMadeWithoutTheLock() throws Exception {
    AppName name = AppName.of("watched");
    store.createApp(app("watched", "alice"), v1("watched"));
    ExecutorService elsewhere = Executors.newSingleThreadExecutor();
    try (Store.AppLock held = store.lock(name)) {
      assertThat(store.app(name).orElseThrow().structure()).isEqualTo(Formation.EMPTY);
      assertThat(store.latestRelease(name, Release.Status.SUCCEEDED).orElseThrow().version()).isEqualTo(1);
      elsewhere.submit(() -> {
        store.updateApp(app("watched", "alice").withStructure(Formation.of(io.deis.model.ProcessType.WEB, 2)));
        store.appendRelease(name, v -> release(name, v, Map.of("N", "1")).succeeded());
        return null;
      }).get(30, TimeUnit.SECONDS);
      assertThat(store.app(name).orElseThrow().structure().total()).isEqualTo(2);
      assertThat(store.latestRelease(name, Release.Status.SUCCEEDED).orElseThrow().version()).isEqualTo(2);
      elsewhere.submit(() -> {
        store.recordOutcome(store.release(name, 2).orElseThrow().failed("gone wrong"), Optional.empty());
        return null;
      }).get(30, TimeUnit.SECONDS);
      assertThat(store.latestRelease(name, Release.Status.SUCCEEDED).orElseThrow().version()).isEqualTo(1);
      elsewhere.submit(() -> {
        store.deleteApp(name);
        return null;
      }).get(30, TimeUnit.SECONDS);
      assertThat(store.app(name)).isEmpty();
      assertThat(store.latestRelease(name, Release.Status.SUCCEEDED)).isEmpty();
    } finally {
      elsewhere.shutdownNow();
    }
  }

  @Test
  void anAppMadeAnewByAnotherInstanceNumbersItsReleasesAfresh() throws Exception {
    Optional<Store> again = reopen(store);
    if (again.isEmpty()) {
      return;
    }
    Store other = again.get();
    try {
      AppName name = AppName.of("made-anew");
      store.createApp(app("made-anew", "alice"), v1("made-anew"));
      for (int i = 0; i < 5; i++) {
        store.appendRelease(name, v -> release(name, v, Map.of("N", Integer.toString(v))));
      }
      // Another instance destroys the app and makes it again: this one's idea of its versions is stale.
      other.deleteApp(name);
      other.createApp(app("made-anew", "bob"), v1("made-anew"));
      other.appendRelease(name, v -> release(name, v, Map.of("N", Integer.toString(v))));

      assertThat(store.appendRelease(name, v -> release(name, v, Map.of("N", Integer.toString(v)))).version()).isEqualTo(3);
      assertThat(other.appendRelease(name, v -> release(name, v, Map.of("N", Integer.toString(v)))).version()).isEqualTo(4);
      assertThat(store.releases(name)).extracting(Release::version).containsExactly(1, 2, 3, 4);
      other.deleteApp(name);
      assertThatThrownBy(() -> store.appendRelease(name, v -> release(name, v, Map.of()))).isInstanceOf(NotFoundException.class);
    } finally {
      close(other);
    }
  }

  @Test
  void concurrentFirstRegistrationsOnTwoInstancesMakeOneAdministrator() throws Exception {
    Optional<Store> again = reopen(store);
    if (again.isEmpty()) {
      return;
    }
    Store other = again.get();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<User>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        Store writer = i % 2 == 0 ? store : other;
        String name = "user" + i;
        futures.add(pool.submit(() -> {
          go.await();
          return writer.createUser(user(name, false), "h");
        }));
      }
      go.countDown();
      int admins = 0;
      for (Future<User> f : futures) {
        admins += f.get(60, TimeUnit.SECONDS).admin() ? 1 : 0;
      }
      assertThat(admins).isEqualTo(1);
      assertThat(other.users().stream().filter(User::admin)).hasSize(1);
    } finally {
      pool.shutdownNow();
      close(other);
    }
  }

  @Test
  void concurrentDemotionsOfTheLastTwoAdministratorsLeaveOne() throws Exception {
    List<String> previous = List.of();
    for (int round = 0; round < 5; round++) {
      String a = "a" + round;
      String b = "b" + round;
      store.createUser(user(a, true), "h");
      store.createUser(user(b, true), "h");
      for (String old : previous) {
        store.deleteUser(old);
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> demotions = new ArrayList<>();
      for (String name : List.of(a, b)) {
        demotions.add(pool.submit(() -> {
          go.await();
          try {
            store.updateUser(store.user(name).orElseThrow().withAdmin(false));
            return true;
          } catch (ConflictException e) {
            return false;
          }
        }));
      }
      go.countDown();
      int demoted = 0;
      for (Future<Boolean> f : demotions) {
        demoted += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
      }
      pool.shutdown();
      assertThat(demoted).as("round " + round + ": demotions that went through").isEqualTo(1);
      assertThat(store.users().stream().filter(User::admin)).as("round " + round).hasSize(1);
      previous = List.of(a, b);
    }
  }

  // ---------------------------------------------------------------- what is not there, and any text

  @Test
  void callsOnWhatDoesNotExistSayNotFoundOrFindNothing() {
    AppName ghost = AppName.of("ghost");
    assertThatThrownBy(() -> store.updateUser(user("nobody", false))).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.setPasswordHash("nobody", "h")).isInstanceOf(NotFoundException.class);
    store.deleteUser("nobody");
    assertThatThrownBy(() -> store.updateApp(app("ghost", "alice"))).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.appendRelease(ghost, v -> release(ghost, v, Map.of()))).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.updateRelease(release(ghost, 2, Map.of()))).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.recordOutcome(release(ghost, 1, Map.of()), Optional.empty())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.revoke(ghost, "bob")).isInstanceOf(NotFoundException.class);
    store.deleteApp(ghost);
    assertThat(store.app(ghost)).isEmpty();
    assertThat(store.releases(ghost)).isEmpty();
    assertThat(store.release(ghost, 1)).isEmpty();
    assertThat(store.collaborators(ghost)).isEmpty();
    assertThat(store.domains(ghost)).isEmpty();
    assertThat(store.removeDomain(ghost, "x.example.com")).isFalse();
    assertThat(store.removeKey("nobody", "laptop")).isFalse();
    assertThat(store.keys("nobody")).isEmpty();
    assertThat(store.keyByFingerprint("SHA256:nothing")).isEmpty();
    assertThat(store.user("nobody")).isEmpty();
    assertThat(store.passwordHash("nobody")).isEmpty();
    assertThat(store.certificate("nothing.example.com")).isEmpty();
    assertThat(store.certificateKey("nothing.example.com")).isEmpty();
    store.createApp(app("real", "alice"), v1("real"));
    assertThat(store.release(AppName.of("real"), 0)).isEmpty();
    assertThat(store.release(AppName.of("real"), 2)).isEmpty();
    assertThatThrownBy(() -> store.updateRelease(release(AppName.of("real"), 2, Map.of()))).isInstanceOf(NotFoundException.class);
  }

  @Test
  void aReleaseKeepsAnyTextItsConfigAndBuildHold() throws Exception {
    AppName name = AppName.of("texts");
    store.createApp(app("texts", "alice"), v1("texts"));
    Map<String, String> values = Map.of(
        "QUOTES", "it's \"quoted\" and `ticked`",
        "ESCAPES", "back\\slash \\n \\u0000 and a real\nnewline\ttab",
        "UNICODE", "Деис 日本語 \uD83D\uDE80 e\u0301",
        "JSON", "{\"a\": [1, 2, {\"b\": null}]}",
        "SQL", "'); DROP TABLE releases; --",
        "EMPTY", "",
        "LARGE", "x".repeat(100_000));
    Release saved = store.appendRelease(name, v -> new Release(UUID.randomUUID().toString(), name, v, "alice", NOW,
        Optional.of(new io.deis.model.Build(UUID.randomUUID().toString(), name, "alice", NOW, Optional.empty(),
            Optional.of("registry.example.com:5000/team/app@sha256:" + "a".repeat(64)),
            io.deis.model.Procfile.parse("web: sh -c 'echo \"$PORT\" && exec ./server --name=\\'x\\''\nworker: ./work 2>&1 | tee log"),
            Optional.of("FROM scratch\nCMD [\"/server\", \"--flag=\\\"x\\\"\"]\n"), Optional.of(java.nio.file.Path.of("/data/builds/texts/ä b")))),
        Config.empty(UUID.randomUUID().toString(), "alice", NOW).apply(ConfigChange.builder().setAll(values).build(),
            UUID.randomUUID().toString(), "alice", NOW),
        "alice added EMPTY, ESCAPES, JSON, LARGE, QUOTES, SQL, UNICODE", Release.Status.PENDING, Optional.empty()));
    assertThat(store.release(name, 2)).hasValue(saved);
    store.recordOutcome(saved.failed("exit 1: \"boom\"\nline two 日本"), Optional.empty());
    assertThat(store.release(name, 2)).hasValueSatisfying(r -> {
      assertThat(r.failure()).hasValue("exit 1: \"boom\"\nline two 日本");
      assertThat(r.config().values()).isEqualTo(values);
    });
    Optional<Store> again = reopen(store);
    if (again.isPresent()) {
      try {
        assertThat(again.get().release(name, 2)).hasValueSatisfying(r -> assertThat(r.config()).isEqualTo(saved.config()));
      } finally {
        close(again.get());
      }
    }
  }

  /** Whether {@code check} passes within 5 seconds. */
  private static boolean eventually(java.util.function.BooleanSupplier check) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!check.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private static boolean tryAndRelease(Store store, AppName app) {
    return store.tryLock(app).map(l -> {
      l.close();
      return true;
    }).orElse(false);
  }

  // ---------------------------------------------------------------- helpers

  protected static User user(String name, boolean admin) {
    return new User(name, name + "@example.com", admin, NOW);
  }

  protected static App app(String name, String owner) {
    return new App(AppName.of(name), owner, NOW, Formation.EMPTY);
  }

  protected static Release v1(String app) {
    return new Release(UUID.randomUUID().toString(), AppName.of(app), 1, "alice", NOW, Optional.empty(),
        Config.empty(UUID.randomUUID().toString(), "alice", NOW), "alice created initial release", Release.Status.SUCCEEDED,
        Optional.empty());
  }

  protected static Release release(AppName app, int version, Map<String, String> values) {
    Config config = Config.empty(UUID.randomUUID().toString(), "alice", NOW)
        .apply(ConfigChange.builder().setAll(values).build(), UUID.randomUUID().toString(), "alice", NOW);
    return new Release(UUID.randomUUID().toString(), app, version, "alice", NOW, Optional.empty(), config,
        "alice added " + String.join(", ", values.keySet()), Release.Status.PENDING, Optional.empty());
  }

  private static Key key(String id, String owner) {
    return new Key(id, owner, SshPublicKey.parse(ED25519), NOW);
  }
}
