package io.deis.controller;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.error.AuthenticationException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.local.LocalRuntime;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Certificate;
import io.deis.model.Container;
import io.deis.model.Domain;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Release;
import io.deis.model.User;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.SchedulerListener;
import io.deis.store.InMemoryStore;
import io.deis.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The brain of the platform. It authenticates callers and hands each a {@link Session}, through
 * which every operation is made as that user; authorization for an app is decided in one place,
 * {@link #authorize}, which every app operation passes through.
 *
 * <pre>{@code
 * try (Controller deis = Controller.builder().build()) {   // local runtime, in-memory store
 *   deis.register("alice", "s3cret", "alice@example.com");
 *   Session alice = deis.login("alice", "s3cret");
 *   App app = alice.createApp("hello");
 *   alice.deploy("hello", BuildSource.commit(repo, "HEAD"), System.out::println);
 *   alice.scale("hello", "web=3");
 * }
 * }</pre>
 */
public final class Controller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Controller.class);
  /** The source of the controller's own lines in an app's log: shown as {@code deis[api]}. */
  static final String CONTROLLER_LOG_SOURCE = "api";

  final Store store;
  final Scheduler scheduler;
  final Installation installation;
  private final Reconciler reconciler;
  /** Apps whose current operation changes what runs (see {@link #locked}); at most one operation per app holds its lock. */
  private final Set<AppName> runtimeChanged = ConcurrentHashMap.newKeySet();
  final Path dataDirectory;
  final Set<String> reservedNames;
  final PasswordHasher passwords;
  final Accounts accounts;
  final Routing routing;
  final Clock clock;
  final Limits limits;
  private final AttemptLimiter attempts;
  private final boolean ownsDataDirectory;
  private final List<Consumer<AuditEvent>> listeners = new CopyOnWriteArrayList<>();
  private final Map<AppName, Deque<LogLine>> appLogs = new ConcurrentHashMap<>();

  private Controller(Builder b) {
    this.ownsDataDirectory = b.dataDirectory == null;
    this.dataDirectory = b.dataDirectory != null ? b.dataDirectory : tempDirectory();
    this.store = b.store != null ? b.store : new InMemoryStore();
    this.scheduler = b.scheduler != null ? b.scheduler
        : new RuntimeScheduler(new LocalRuntime(dataDirectory.resolve("containers")));
    this.reservedNames = Set.copyOf(b.reservedNames);
    this.passwords = new PasswordHasher(b.passwordHashIterations);
    this.clock = b.clock;
    this.limits = b.limits;
    this.attempts = new AttemptLimiter(limits, clock);
    this.routing = new Routing(this);
    this.accounts = new Accounts(this, passwords, b.registrationMode, !scheduler.isolatesTenants() && !b.trustedUsersOnly);
    this.listeners.addAll(b.listeners);
    this.installation = store.installation();
    this.reconciler = new Reconciler(store, this::reconcileLocked, scheduler::apps, b.reconcileInterval, b.leaseTtl);
    scheduler.addListener(reconciler);
    scheduler.start(installation);
    reconciler.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- users and authentication

  /**
   * Registers a user. The first user the store ever holds becomes an administrator. Unless the
   * {@link Builder#registrationMode registration mode} is ENABLED (the default), only that first
   * user may register here; administrators register others with {@link Session#register}. On a
   * scheduler that does not isolate tenants (the local runtime) only that first user may exist,
   * unless the embedder said every user is trusted ({@link Builder#trustedUsersOnly}).
   *
   * <p>A front-end that serves strangers first counts the attempt with {@link #authAttempts()}.
   *
   * @throws InvalidInputException for a malformed username, e-mail or password
   * @throws io.deis.error.ConflictException when the username is taken
   * @throws PermissionDeniedException when the registration mode, or a single-tenant scheduler, does not let this one register
   */
  public User register(String username, String password, String email) {
    return register(username, password, email, Optional.empty());
  }

  /** Registers a user on behalf of {@code by} (a session's user), or of nobody. */
  User register(String username, String password, String email, Optional<User> by) {
    return accounts.register(username, password, email, by);
  }

  /**
   * Checks a password and returns a session with a new API token. An unknown user costs the same
   * password-hash time as a known one, so the time taken does not tell which usernames exist.
   * A front-end that serves strangers first counts the attempt with {@link #authAttempts()}.
   *
   * @throws AuthenticationException for an unknown user or a wrong password (one message for both)
   * @throws InvalidInputException for a null username or password
   */
  public Session login(String username, String password) {
    String token = accounts.login(username, password);
    return new Session(this, username, Optional.of(token));
  }

  /** The session of an API token from {@link #login} or {@link Session#regenerateToken()}. */
  public Session authenticate(String token) {
    return new Session(this, accounts.authenticate(token), Optional.of(token));
  }

  /** The session of the owner of an SSH key, found by its SHA256 fingerprint ({@code SHA256:...}): how git push authenticates. */
  public Session authenticateKey(String sha256Fingerprint) {
    return new Session(this, accounts.authenticateKey(sha256Fingerprint), Optional.empty());
  }

  /**
   * The limiter of log-in and register attempts per source ({@link Limits#authAttempts()} per
   * {@link Limits#authWindow()}), shared by every front-end of this controller: each calls
   * {@link AttemptLimiter#acquire} with the caller's address before {@link #login}, {@link #register}
   * or a key authentication.
   */
  public AttemptLimiter authAttempts() {
    return attempts;
  }

  /** The bounds this controller enforces. */
  public Limits limits() {
    return limits;
  }

  /**
   * The names of every app, for the embedding program's own front-ends (the git server makes a
   * repository for each at start). Users see apps only through {@link Session#apps()}.
   */
  public List<AppName> appNames() {
    return store.apps().stream().map(App::name).toList();
  }

  /**
   * Every app's custom domains, for the embedding program's own front-ends (the router routes
   * them). Users see domains only through {@link Session#domains}.
   */
  public List<Domain> domains() {
    return store.domains();
  }

  /** Every TLS certificate, for the router, which serves them by name. */
  public List<Certificate> certificates() {
    return store.certificates();
  }

  /**
   * The private key (PEM) of a certificate, for the router, which serves it: never show it to a
   * user. Empty when there is no certificate of that common name.
   */
  public Optional<String> certificateKey(String commonName) {
    return store.certificateKey(commonName);
  }

  /** The app's containers as the scheduler has them now, for front-ends (the router sends traffic to the up ones). */
  public List<Container> containers(AppName app) {
    return scheduler.containers(app);
  }

  /**
   * Registers a listener for what the scheduler does to containers from now on: the router learns
   * here which containers are ready for traffic, and drains one before it is stopped.
   */
  public void addSchedulerListener(SchedulerListener listener) {
    scheduler.addListener(listener);
  }

  /** Stops telling a listener given to {@link #addSchedulerListener} anything; does nothing for one never added. */
  public void removeSchedulerListener(SchedulerListener listener) {
    scheduler.removeListener(listener);
  }

  /** Registers a listener for every audit event from now on. */
  public void addListener(Consumer<AuditEvent> listener) {
    listeners.add(listener);
  }

  /** Stops delivering events to a listener given to {@link #addListener}; does nothing for one never added. */
  public void removeListener(Consumer<AuditEvent> listener) {
    listeners.remove(listener);
  }

  /** The installation this controller's store belongs to; everything its scheduler makes carries its id. */
  public Installation installation() {
    return installation;
  }

  /**
   * Reconciles every app now, in the calling thread, and returns when done: what runs is made to
   * match each app's current release and formation in the store. The controller also does this by
   * itself, on start, every {@link Builder#reconcileInterval} and after every crash; this is for
   * programs (and tests) that need it done before they go on. Does nothing on a controller that
   * does not hold the installation's reconciler lease (another controller on the same store does).
   *
   * @return true when this controller reconciled, false when another one holds the lease
   */
  public boolean reconcile() {
    if (!reconciler.leader()) {
      return false;
    }
    for (AppName app : reconciler.allApps()) {
      reconciler.reconcileNow(app);
    }
    return true;
  }

  /** Stops reconciling and closes the scheduler; with a temporary data directory (the default), deletes it. */
  @Override
  public void close() {
    reconciler.close();
    scheduler.close();
    if (ownsDataDirectory) {
      deleteRecursively(dataDirectory);
    }
  }

  // ---------------------------------------------------------------- shared machinery (for Session)

  /** How much of an app a call needs. */
  enum Access {
    /** Owner, collaborators and administrators: everything but destroying and giving the app away. */
    USE,
    /** Owner and administrators only. */
    OWN
  }

  /** The one place app access is decided. Unknown app: 404; existing app, not allowed: 403. */
  App authorize(User caller, AppName name, Access access) {
    App app = store.app(name).orElseThrow(() -> new NotFoundException("app '" + name + "' does not exist"));
    boolean allowed = caller.admin() || app.owner().equals(caller.username())
        || access == Access.USE && store.collaborators(name).contains(caller.username());
    if (!allowed) {
      throw new PermissionDeniedException();
    }
    return app;
  }

  User user(String username) {
    return store.user(username).orElseThrow(() -> new AuthenticationException("user '" + username + "' no longer exists"));
  }

  /**
   * Runs {@code work} holding the app's store lock: one change at a time per app, across every
   * controller on the store, so releases and deploys never interleave. Authorization and every
   * read the work depends on happen inside, so a queued operation sees the app as it is when its
   * turn comes (revoked access, a destroyed app). {@code beforeWaiting} runs only when the lock is
   * taken, before waiting for it: a check that spares a caller who will be refused the wait.
   */
  <T> T locked(AppName app, Runnable beforeWaiting, Supplier<T> work) {
    boolean reconcile = true;
    Optional<Store.AppLock> free = store.tryLock(app);
    if (free.isEmpty()) {
      beforeWaiting.run();
    }
    try (Store.AppLock held = free.isPresent() ? free.get() : store.lock(app)) {
      try {
        T result = work.get();
        reconcile = false;
        return result;
      } finally {
        reconcile |= runtimeChanged.remove(app);
      }
    } finally {
      // An operation that failed may have left the runtime anywhere, and one that changed it may
      // have left something behind (containers whose removal failed): the reconciler looks. One that
      // changed only the store (a config change of an app without a build, a domain) needs no look.
      if (reconcile) {
        reconciler.enqueue(app);
      }
    }
  }

  /**
   * Marks that the operation holding {@code app}'s lock is about to change what runs, so that the
   * app is reconciled once the operation ends, whatever its outcome.
   */
  void changingRuntime(AppName app) {
    runtimeChanged.add(app);
  }

  /**
   * Makes the runtime match the store for one app; called holding the app's lock. A release still
   * PENDING here lost its deploy (its controller died or was closed mid-deploy): it is marked failed.
   */
  private Optional<Duration> reconcileLocked(AppName name) {
    Optional<App> app = store.app(name);
    if (app.isEmpty()) {
      log.info("{}: not in the store; removing what the runtime has of it", name);
      scheduler.destroy(name);
      return Optional.empty();
    }
    for (Release release : store.releases(name, Release.Status.PENDING)) {
      String why = "the deploy did not finish: its controller stopped";
      store.recordOutcome(release.failed(why), Optional.empty());
      emit("deis", AuditEvent.Kind.RELEASE_FAILED, Optional.of(name), "v" + release.version() + " failed: " + why);
    }
    Release current = current(name);
    return scheduler.reconcile(current, current.build().isPresent() ? app.get().structure() : Formation.EMPTY);
  }

  /** The newest release whose deploy succeeded. Every app has one: v1. */
  Release current(AppName app) {
    return store.latestRelease(app, Release.Status.SUCCEEDED)
        .orElseThrow(() -> new NotFoundException("app '" + app + "' has no release"));
  }

  /**
   * Deploys a saved PENDING release at {@code formation}; records SUCCEEDED or FAILED and the
   * structure. Called holding the app's lock.
   */
  Release deploy(String actor, AppName name, Release pending, Formation formation) {
    try {
      if (pending.build().isPresent()) {
        changingRuntime(name);
        scheduler.deploy(pending, formation);
      }
    } catch (RuntimeException e) {
      // Whatever failed, the store says the previous release runs, and reconcile makes it so.
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      store.recordOutcome(pending.failed(why), Optional.empty());
      emit(actor, AuditEvent.Kind.RELEASE_FAILED, Optional.of(name), "v" + pending.version() + " failed: " + why);
      Release current = current(name);
      throw new DeployException("release v" + pending.version() + " of " + name + " failed, v" + current.version()
          + " keeps running: " + why, e);
    }
    Release done = pending.succeeded();
    store.recordOutcome(done, Optional.of(formation));
    emit(actor, AuditEvent.Kind.RELEASE_CREATED, Optional.of(name), pending.summary());
    return done;
  }

  /** Saves the app's next release (PENDING), with the version the store allocates. */
  Release appendRelease(AppName app, String owner, Optional<io.deis.model.Build> build, io.deis.model.Config config, String summary) {
    return appendRelease(app, owner, build, config, summary, Release.Status.PENDING);
  }

  /** Saves the app's next release in {@code status}, with the version the store allocates: one store transaction. */
  Release appendRelease(AppName app, String owner, Optional<io.deis.model.Build> build, io.deis.model.Config config, String summary,
      Release.Status status) {
    return store.appendRelease(app, version -> new Release(Ids.uuid(), app, version, owner, now(),
        build, config, summary, status, Optional.empty()));
  }

  void emit(String actor, AuditEvent.Kind kind, Optional<AppName> app, String message) {
    AuditEvent event = new AuditEvent(now(), actor, kind, app, message);
    log.info("{}", event);
    app.ifPresent(a -> {
      Deque<LogLine> lines = appLogs.computeIfAbsent(a, x -> new ArrayDeque<>());
      synchronized (lines) {
        lines.addLast(new LogLine(event.at(), CONTROLLER_LOG_SOURCE, message));
        while (lines.size() > limits.appLogLines()) {
          lines.removeFirst();
        }
      }
    });
    for (Consumer<AuditEvent> listener : listeners) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        log.warn("audit listener {} failed on '{}'", listener, message, e);
      }
    }
  }

  /** The controller's own log lines about an app, oldest first; their source is {@link #CONTROLLER_LOG_SOURCE}. */
  List<LogLine> appLog(AppName app, int lines) {
    Deque<LogLine> log = appLogs.get(app);
    if (log == null) {
      return List.of();
    }
    synchronized (log) {
      List<LogLine> all = new ArrayList<>(log);
      return all.subList(Math.max(0, all.size() - lines), all.size());
    }
  }

  void forgetApp(AppName app) {
    appLogs.remove(app);
    deleteRecursively(buildsDirectory(app));
  }

  Path buildsDirectory(AppName app) {
    return dataDirectory.resolve("builds").resolve(app.value());
  }

  Instant now() {
    return clock.instant();
  }

  List<App> visibleApps(User caller) {
    return store.apps().stream()
        .filter(a -> caller.admin() || a.owner().equals(caller.username()) || store.collaborators(a.name()).contains(caller.username()))
        .sorted(Comparator.comparing(App::name))
        .toList();
  }

  private static Path tempDirectory() {
    try {
      return Files.createTempDirectory("deis-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a data directory for the controller", e);
    }
  }

  static void deleteRecursively(Path path) {
    try {
      if (Files.exists(path)) {
        MoreFiles.deleteRecursively(path, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    } catch (IOException e) {
      log.warn("could not delete {}: {}", path, e.toString());
    }
  }

  /** Configures a {@link Controller}; every setting has a default that runs in one JVM with nothing installed. */
  public static final class Builder {
    private Scheduler scheduler;
    private Store store;
    private Path dataDirectory;
    private Set<String> reservedNames = Set.of("deis");
    private int passwordHashIterations = 600_000;
    private Clock clock = Clock.systemUTC();
    private RegistrationMode registrationMode = RegistrationMode.ENABLED;
    private Limits limits = Limits.defaults();
    private boolean trustedUsersOnly;
    private Duration reconcileInterval = Duration.ofSeconds(30);
    private Duration leaseTtl = Duration.ofSeconds(15);
    private final List<Consumer<AuditEvent>> listeners = new ArrayList<>();

    private Builder() {}

    /** The scheduler backend. Default: the local runtime (processes on this machine). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Where users, apps and releases are kept. Default: in memory. */
    public Builder store(Store store) {
      this.store = store;
      return this;
    }

    /** Where build checkouts (and the local runtime's containers) live. Default: a temporary directory deleted on close. */
    public Builder dataDirectory(Path dataDirectory) {
      this.dataDirectory = dataDirectory;
      return this;
    }

    /** App names nobody may create. Default: {@code deis}. */
    public Builder reservedAppNames(Set<String> names) {
      this.reservedNames = Set.copyOf(names);
      return this;
    }

    /** PBKDF2 iterations for new password hashes. Default 600,000 (OWASP's advice for PBKDF2-HMAC-SHA256); tests may lower it. */
    public Builder passwordHashIterations(int iterations) {
      this.passwordHashIterations = iterations;
      return this;
    }

    /** Who may register users. Default {@link RegistrationMode#ENABLED}: anyone. */
    public Builder registrationMode(RegistrationMode mode) {
      if (mode == null) {
        throw new IllegalArgumentException("registration mode is null: use ENABLED, ADMIN_ONLY or DISABLED");
      }
      this.registrationMode = mode;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * How often every app is reconciled even when nothing reported a change (crashes and deploys
     * trigger a reconcile at once). Default 30 s; 1 s to 1 hour.
     */
    public Builder reconcileInterval(Duration interval) {
      this.reconcileInterval = Limits.between("reconcileInterval", interval, Duration.ofSeconds(1), Duration.ofHours(1));
      return this;
    }

    /**
     * How long the reconciler lease lasts without renewal: when the controller holding it dies,
     * another one on the same store takes over after at most this long. Default 15 s; 3 s to 10 minutes.
     */
    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = Limits.between("leaseTtl", ttl, Duration.ofSeconds(3), Duration.ofMinutes(10));
      return this;
    }

    /** The bounds of what users control ({@link Limits}). Default: {@link Limits#defaults()}. */
    public Builder limits(Limits limits) {
      if (limits == null) {
        throw new InvalidInputException("limits are missing (null): use Limits.defaults() or Limits.builder()...build()");
      }
      this.limits = limits;
      return this;
    }

    /**
     * Vouches that every user of this platform is trusted with the host: on a scheduler that does
     * not isolate tenants (the local runtime, where pushed code runs as the host's user) the
     * controller then serves more than one user. Default false: such a platform serves its first
     * user only, and refuses to register or authenticate anyone else. Schedulers that isolate
     * tenants (Docker, Kubernetes) ignore it.
     */
    public Builder trustedUsersOnly(boolean trusted) {
      this.trustedUsersOnly = trusted;
      return this;
    }

    public Builder listener(Consumer<AuditEvent> listener) {
      listeners.add(listener);
      return this;
    }

    public Controller build() {
      return new Controller(this);
    }
  }
}
