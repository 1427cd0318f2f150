package io.deis.store;

import io.deis.error.ConflictException;
import io.deis.error.NotFoundException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Certificate;
import io.deis.model.Domain;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.User;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * The default {@link Store}: everything in memory, gone when the JVM exits, so it is for tests,
 * the quickstart and programs that keep no platform across restarts. Writes are serialized on one
 * monitor (they are cheap); an app's releases have their own monitor, so release numbering of
 * different apps does not contend.
 */
public final class InMemoryStore implements Store {
  private final Installation installation;
  private final Clock clock;
  private final Map<String, User> users = new LinkedHashMap<>();
  private final Map<String, String> passwordHashes = new ConcurrentHashMap<>();
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final Map<String, Key> keysByFingerprint = new LinkedHashMap<>();
  private final Map<AppName, App> apps = new LinkedHashMap<>();
  private final Map<AppName, List<Release>> releases = new ConcurrentHashMap<>();
  private final Map<AppName, Set<String>> collaborators = new ConcurrentHashMap<>();
  private final Map<String, Domain> domains = new LinkedHashMap<>();
  private final Map<String, Certificate> certificates = new TreeMap<>();
  private final Map<String, String> certificateKeys = new ConcurrentHashMap<>();
  private final Map<AppName, ReentrantLock> locks = new ConcurrentHashMap<>();
  private String leaseHolder;
  private Instant leaseExpires = Instant.EPOCH;

  /** A new, empty store: a new installation. */
  public InMemoryStore() {
    this(Installation.generate(), Clock.systemUTC());
  }

  /** A new, empty store of the given installation, with the clock that times the reconciler lease. */
  public InMemoryStore(Installation installation, Clock clock) {
    this.installation = installation;
    this.clock = clock;
  }

  @Override
  public Installation installation() {
    return installation;
  }

  @Override
  public AppLock lock(AppName app) {
    ReentrantLock lock = locks.computeIfAbsent(app, a -> new ReentrantLock(true));
    lock.lock();
    return lock::unlock;
  }

  @Override
  public Optional<AppLock> tryLock(AppName app) {
    ReentrantLock lock = locks.computeIfAbsent(app, a -> new ReentrantLock(true));
    return lock.tryLock() ? Optional.of(lock::unlock) : Optional.empty();
  }

  @Override
  public synchronized boolean holdLease(String holder, Duration ttl) {
    Instant now = clock.instant();
    if (leaseHolder == null || leaseHolder.equals(holder) || !now.isBefore(leaseExpires)) {
      leaseHolder = holder;
      leaseExpires = now.plus(ttl);
      return true;
    }
    return false;
  }

  @Override
  public synchronized void releaseLease(String holder) {
    if (holder.equals(leaseHolder)) {
      leaseHolder = null;
      leaseExpires = Instant.EPOCH;
    }
  }

  // ---------------------------------------------------------------- users and tokens

  @Override
  public synchronized User createUser(User user, String passwordHash) {
    if (users.containsKey(user.username())) {
      throw new ConflictException("username '" + user.username() + "' is taken");
    }
    User saved = users.isEmpty() ? user.withAdmin(true) : user;
    users.put(user.username(), saved);
    passwordHashes.put(user.username(), passwordHash);
    return saved;
  }

  @Override
  public synchronized Optional<User> user(String username) {
    return Optional.ofNullable(users.get(username));
  }

  @Override
  public synchronized List<User> users() {
    return List.copyOf(users.values());
  }

  @Override
  public synchronized void updateUser(User user) {
    User before = requireUser(user.username());
    if (before.admin() && !user.admin()) {
      requireAnotherAdmin(user.username(), "lose administrator rights");
    }
    users.put(user.username(), user);
  }

  @Override
  public Optional<String> passwordHash(String username) {
    return Optional.ofNullable(passwordHashes.get(username));
  }

  @Override
  public synchronized void setPasswordHash(String username, String passwordHash) {
    requireUser(username);
    passwordHashes.put(username, passwordHash);
  }

  @Override
  public synchronized void deleteUser(String username) {
    User user = users.get(username);
    if (user == null) {
      return;
    }
    if (user.admin()) {
      requireAnotherAdmin(username, "be deleted");
    }
    users.remove(username);
    passwordHashes.remove(username);
    removeTokens(username);
    keysByFingerprint.values().removeIf(k -> k.owner().equals(username));
    collaborators.values().forEach(s -> s.remove(username));
  }

  private void requireAnotherAdmin(String username, String what) {
    if (users.values().stream().noneMatch(u -> u.admin() && !u.username().equals(username))) {
      throw new ConflictException(username + " is the last administrator and cannot " + what
          + ": make another user an administrator first");
    }
  }

  @Override
  public void addToken(String tokenHash, String username) {
    tokens.put(tokenHash, username);
  }

  @Override
  public Optional<String> userForToken(String tokenHash) {
    return Optional.ofNullable(tokens.get(tokenHash));
  }

  @Override
  public void removeTokens(String username) {
    tokens.values().removeIf(username::equals);
  }

  @Override
  public void removeToken(String tokenHash) {
    tokens.remove(tokenHash);
  }

  // ---------------------------------------------------------------- keys

  @Override
  public synchronized void addKey(Key key) {
    if (keysByFingerprint.containsKey(key.fingerprint())) {
      throw new ConflictException("public key " + key.fingerprint() + " is already registered: This field must be unique.");
    }
    if (keys(key.owner()).stream().anyMatch(k -> k.id().equals(key.id()))) {
      throw new ConflictException("you already have a key named '" + key.id() + "': remove it first or pick another name");
    }
    keysByFingerprint.put(key.fingerprint(), key);
  }

  @Override
  public synchronized List<Key> keys(String owner) {
    return keysByFingerprint.values().stream().filter(k -> k.owner().equals(owner)).toList();
  }

  @Override
  public synchronized Optional<Key> keyByFingerprint(String sha256Fingerprint) {
    return Optional.ofNullable(keysByFingerprint.get(sha256Fingerprint));
  }

  @Override
  public synchronized boolean removeKey(String owner, String id) {
    return keysByFingerprint.values().removeIf(k -> k.owner().equals(owner) && k.id().equals(id));
  }

  // ---------------------------------------------------------------- apps and releases

  @Override
  public synchronized void createApp(App app, Release first) {
    if (apps.containsKey(app.name())) {
      throw new ConflictException("app name '" + app.name() + "' is taken: This field must be unique.");
    }
    apps.put(app.name(), app);
    releases.put(app.name(), Collections.synchronizedList(new ArrayList<>(List.of(first))));
    collaborators.put(app.name(), ConcurrentHashMap.newKeySet());
  }

  @Override
  public synchronized Optional<App> app(AppName name) {
    return Optional.ofNullable(apps.get(name));
  }

  @Override
  public synchronized List<App> apps() {
    return apps.values().stream().sorted(Comparator.comparing(App::name)).toList();
  }

  @Override
  public synchronized void updateApp(App app) {
    requireApp(app.name());
    apps.put(app.name(), app);
  }

  @Override
  public synchronized void deleteApp(AppName name) {
    apps.remove(name);
    releases.remove(name);
    collaborators.remove(name);
    domains.values().removeIf(d -> d.app().equals(name));
  }

  @Override
  public Release appendRelease(AppName app, IntFunction<Release> make) {
    List<Release> list = requireReleases(app);
    synchronized (list) {
      int next = list.get(list.size() - 1).version() + 1;
      Release release = make.apply(next);
      if (release.version() != next || !release.app().equals(app)) {
        throw new IllegalArgumentException("expected a release v" + next + " of " + app + ", got " + release.label());
      }
      list.add(release);
      return release;
    }
  }

  @Override
  public void updateRelease(Release release) {
    List<Release> list = requireReleases(release.app());
    synchronized (list) {
      list.set(indexOf(list, release), release);
    }
  }

  @Override
  public synchronized void recordOutcome(Release release, Optional<Formation> structure) {
    App app = requireApp(release.app());
    List<Release> list = requireReleases(release.app());
    synchronized (list) {
      int index = indexOf(list, release);
      list.set(index, release);
      structure.ifPresent(s -> apps.put(app.name(), app.withStructure(s)));
    }
  }

  private static int indexOf(List<Release> list, Release release) {
    int index = release.version() - 1; // versions are gapless from v1, so the version is the position
    if (index >= list.size() || list.get(index).version() != release.version()) {
      throw new NotFoundException("release " + release.label() + " does not exist");
    }
    return index;
  }

  @Override
  public List<Release> releases(AppName app) {
    List<Release> list = releases.get(app);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  /** From the newest back, without copying the history: the controller reads the current release on every operation. */
  @Override
  public Optional<Release> latestRelease(AppName app, Release.Status status) {
    List<Release> list = releases.get(app);
    if (list == null) {
      return Optional.empty();
    }
    synchronized (list) {
      for (int i = list.size() - 1; i >= 0; i--) {
        if (list.get(i).status() == status) {
          return Optional.of(list.get(i));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public List<Release> releases(AppName app, Release.Status status) {
    List<Release> list = releases.get(app);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return list.stream().filter(r -> r.status() == status).toList();
    }
  }

  @Override
  public Optional<Release> release(AppName app, int version) {
    List<Release> list = releases.get(app);
    if (list == null || version < 1) {
      return Optional.empty();
    }
    synchronized (list) {
      return version <= list.size() ? Optional.of(list.get(version - 1)) : Optional.empty();
    }
  }

  // ---------------------------------------------------------------- permissions

  @Override
  public void grant(AppName app, String username) {
    requireCollaborators(app).add(username);
  }

  @Override
  public void revoke(AppName app, String username) {
    requireCollaborators(app).remove(username);
  }

  @Override
  public Set<String> collaborators(AppName app) {
    return Collections.unmodifiableSet(new TreeSet<>(collaborators.getOrDefault(app, Set.of())));
  }

  // ---------------------------------------------------------------- domains and certificates

  @Override
  public synchronized void addDomain(Domain domain) {
    requireApp(domain.app());
    Domain taken = domains.get(domain.key());
    if (taken != null) {
      throw new ConflictException("The domain " + domain.domain() + " is already in use by "
          + (taken.app().equals(domain.app()) ? "this app" : "another app"));
    }
    domains.put(domain.key(), domain);
  }

  @Override
  public synchronized List<Domain> domains(AppName app) {
    return domains.values().stream().filter(d -> d.app().equals(app)).toList();
  }

  @Override
  public synchronized List<Domain> domains() {
    return List.copyOf(domains.values());
  }

  @Override
  public synchronized boolean removeDomain(AppName app, String domain) {
    String key = domain.toLowerCase(Locale.ROOT);
    Domain found = domains.get(key);
    if (found == null || !found.app().equals(app)) {
      return false;
    }
    domains.remove(key);
    return true;
  }

  @Override
  public synchronized void addCertificate(Certificate certificate, String privateKeyPem) {
    if (certificates.containsKey(certificate.key())) {
      throw new ConflictException("a certificate for " + certificate.commonName() + " exists already: remove it first");
    }
    certificates.put(certificate.key(), certificate);
    certificateKeys.put(certificate.key(), privateKeyPem);
  }

  @Override
  public synchronized List<Certificate> certificates() {
    return List.copyOf(certificates.values());
  }

  @Override
  public synchronized Optional<Certificate> certificate(String commonName) {
    return Optional.ofNullable(certificates.get(commonName.toLowerCase(Locale.ROOT)));
  }

  @Override
  public Optional<String> certificateKey(String commonName) {
    return Optional.ofNullable(certificateKeys.get(commonName.toLowerCase(Locale.ROOT)));
  }

  @Override
  public synchronized boolean removeCertificate(String commonName) {
    String key = commonName.toLowerCase(Locale.ROOT);
    certificateKeys.remove(key);
    return certificates.remove(key) != null;
  }

  // ---------------------------------------------------------------- checks

  private User requireUser(String username) {
    User user = users.get(username);
    if (user == null) {
      throw new NotFoundException("user '" + username + "' does not exist");
    }
    return user;
  }

  private App requireApp(AppName name) {
    App app = apps.get(name);
    if (app == null) {
      throw new NotFoundException("app '" + name + "' does not exist");
    }
    return app;
  }

  private List<Release> requireReleases(AppName app) {
    List<Release> list = releases.get(app);
    if (list == null) {
      throw new NotFoundException("app '" + app + "' does not exist");
    }
    return list;
  }

  private Set<String> requireCollaborators(AppName app) {
    Set<String> set = collaborators.get(app);
    if (set == null) {
      throw new NotFoundException("app '" + app + "' does not exist");
    }
    return set;
  }
}
