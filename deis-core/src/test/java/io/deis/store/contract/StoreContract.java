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
