package io.deis.scheduler;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.model.StateChange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns any {@link ContainerRuntime} into a {@link Scheduler}. This is the one place that owns
 * the container state machine, rolling deploys, scaling, readiness and crash handling for the
 * local and Docker backends, so each of those only has to create, start and stop one container.
 *
 * <p>It sees only its installation's containers: every container it makes carries the
 * installation's labels, and it lists, adopts and removes by them. A crash is recorded (down,
 * with its exit code and a back-off) and told to the listeners; the container is started again
 * by {@link #reconcile}, which the controller runs when told, so that only one controller at a
 * time restarts anything.
 *
 * <p>Locking: each app has an operation lock that serializes deploy, scale, restart, reconcile
 * and destroy for that app (they wait for containers, so it is held for seconds); the app's
 * table has its own monitor, held only for an update, which is how a deploy in progress sees its
 * new containers crash.
 */
public final class RuntimeScheduler implements Scheduler {
  private static final Logger log = LoggerFactory.getLogger(RuntimeScheduler.class);
  private static final int FAILURE_LOG_LINES = 5;

  private final ContainerRuntime runtime;
  private final Options options;
  private final Map<AppName, AppContainers> apps = new ConcurrentHashMap<>();
  private final ExecutorService workers;
  private final ParallelTasks tasks;
  private final ReadinessCheck readiness = new ReadinessCheck();
  private final Listeners listeners = new Listeners();
  private final AtomicInteger runCounter = new AtomicInteger();
  private volatile Installation installation;
  private volatile boolean closed;

  /**
   * Timings of the scheduler. The defaults suit real workloads; tests shorten them.
   *
   * @param stopGrace how long a container may take to end after SIGTERM before it gets SIGKILL
   * @param deployTimeout how long new containers may take to come up (and pass checks) in a deploy or scale
   * @param minUptime how long a container must stay running to count as up in a deploy
   * @param restartBackoff the wait before the first restart of a crashed container; it doubles per crash
   * @param maxRestartBackoff the longest wait between restarts; a container that ran this long starts over at the first wait
   */
  public record Options(Duration stopGrace, Duration deployTimeout, Duration minUptime, Duration restartBackoff,
      Duration maxRestartBackoff) {
    public static Options defaults() {
      return new Options(Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofSeconds(1),
          Duration.ofMinutes(1));
    }

    public Options withStopGrace(Duration d) {
      return new Options(d, deployTimeout, minUptime, restartBackoff, maxRestartBackoff);
    }

    public Options withDeployTimeout(Duration d) {
      return new Options(stopGrace, d, minUptime, restartBackoff, maxRestartBackoff);
    }

    public Options withMinUptime(Duration d) {
      return new Options(stopGrace, deployTimeout, d, restartBackoff, maxRestartBackoff);
    }

    public Options withRestartBackoff(Duration first, Duration max) {
      return new Options(stopGrace, deployTimeout, minUptime, first, max);
    }
  }

  public RuntimeScheduler(ContainerRuntime runtime) {
    this(runtime, Options.defaults());
  }

  /** A scheduler over {@code runtime}; it touches nothing until {@link #start} binds it to an installation. */
  public RuntimeScheduler(ContainerRuntime runtime, Options options) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.options = Objects.requireNonNull(options, "options");
    this.workers = Executors.newCachedThreadPool(new ThreadFactoryBuilder().setDaemon(true).setNameFormat("deis-scheduler-%d").build());
    this.tasks = new ParallelTasks(workers);
    runtime.addExitListener(this::onExit);
  }

  @Override
  public ImageBuilder imageBuilder() {
    return runtime.imageBuilder();
  }

  @Override
  public boolean isolatesTenants() {
    return runtime.isolatesTenants();
  }

  @Override
  public Optional<Duration> deployTimeout() {
    return Optional.of(options.deployTimeout);
  }

  @Override
  public void addListener(SchedulerListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(SchedulerListener listener) {
    listeners.remove(listener);
  }

  /** Binds the runtime to the installation and adopts its containers as they are; {@link #reconcile} decides what stays. */
  @Override
  public synchronized void start(Installation installation) {
    if (this.installation != null) {
      throw new IllegalStateException("the scheduler is started already, for installation " + this.installation);
    }
    runtime.start(installation);
    this.installation = installation;
    int adopted = 0;
    for (RuntimeContainer rc : runtime.list(Labels.forInstallation(installation))) {
      Optional<Container> found = ContainerLabels.read(rc);
      if (found.isEmpty()) {
        continue; // a one-off run, or labels this version cannot read: reconcile decides
      }
      Container c = found.get().moveTo(ContainerState.CREATED, "adopted");
      AppContainers app = app(c.app());
      if (rc.running()) {
        Slot slot = app.adopt(c.moveTo(ContainerState.UP, "adopted").withEndpoint(rc.endpoint()));
        slot.startedAt = Instant.now();
        if (c.type().receivesTraffic()) {
          listeners.ready(slot.container);
        }
      } else {
        app.adopt(c);
      }
      adopted++;
    }
    log.info("installation {}: adopted {} containers of {} apps", installation, adopted, apps.size());
  }

  @Override
  public void deploy(Release release, Formation formation) {
    AppContainers app = lock(release.app());
    try {
      List<Slot> old = app.live();
      if (old.stream().anyMatch(s -> s.container.release() == release.version())) {
        scaleLocked(app, release, formation); // this release runs already: only the counts can change
        return;
      }
      List<Slot> fresh = new ArrayList<>();
      formation.counts().forEach((type, count) -> {
        for (int num = 1; num <= count; num++) {
          fresh.add(app.add(release.version(), type, num));
        }
      });
      bringUp(app, release, fresh, DeployException::new);
      // The new release serves from here on; an old container that will not go is left to reconcile.
      retire(app, old, "deploy of v" + release.version(), false);
      log.info("{}: v{} deployed at {}", release.app(), release.version(), formation);
    } finally {
      app.operation.unlock();
    }
  }

  @Override
  public void scale(Release release, Formation formation) {
    AppContainers app = lock(release.app());
    try {
      scaleLocked(app, release, formation);
    } finally {
      app.operation.unlock();
    }
  }

  private void scaleLocked(AppContainers app, Release release, Formation formation) {
    Map<ProcessType, List<Slot>> byType = app.live().stream().filter(s -> s.container.release() == release.version())
        .collect(Collectors.groupingBy(s -> s.container.type(), LinkedHashMap::new, Collectors.toList()));
    List<Slot> fresh = new ArrayList<>();
    List<Slot> surplus = new ArrayList<>();
    for (ProcessType type : union(formation, byType)) {
      List<Slot> have = byType.getOrDefault(type, List.of());
      int want = formation.count(type);
      int highest = have.stream().mapToInt(s -> s.container.num()).max().orElse(0);
      for (int i = have.size(); i < want; i++) {
        fresh.add(app.add(release.version(), type, ++highest));
      }
      // The newest (highest-numbered) go first, so the survivors stay numbered 1..N.
      have.stream().sorted(Comparator.comparingInt((Slot s) -> s.container.num()).reversed())
          .limit(Math.max(0, have.size() - want)).forEach(surplus::add);
    }
    bringUp(app, release, fresh, SchedulerException::new);
    retire(app, surplus, "scale to " + formation, true);
  }

  @Override
  public List<Container> restart(AppName name, ContainerFilter filter) {
    AppContainers app = lock(name);
    try {
      List<Slot> chosen = app.live().stream().filter(s -> filter.matches(s.container)).toList();
      Map<Slot, String> failures = tasks.run(chosen, slot -> {
        stop(app, slot, "restart");
        start(app, slot, "restart");
        watchReadiness(app, slot);
      }, "restart");
      if (!failures.isEmpty()) {
        throw new SchedulerException("failed to restart some containers: " + describe(failures));
      }
      return chosen.stream().map(s -> s.container).toList();
    } finally {
      app.operation.unlock();
    }
  }

  @Override
  public Optional<Duration> reconcile(Release release, Formation formation) {
    AppContainers app = lock(release.app());
    try {
      return new Reconciliation(this, app, release, formation).run();
    } finally {
      app.operation.unlock();
    }
  }

  @Override
  public Set<AppName> apps() {
    requireStarted();
    Set<AppName> names = new TreeSet<>();
    apps.forEach((name, app) -> {
      if (!app.live().isEmpty()) {
        names.add(name);
      }
    });
    for (RuntimeContainer rc : runtime.list(Labels.forInstallation(installation))) {
      ContainerLabels.read(rc).ifPresent(c -> names.add(c.app()));
    }
    return names;
  }

  @Override
  public List<Container> containers(AppName name) {
    AppContainers app = apps.get(name);
    return app == null ? List.of() : app.live().stream().map(s -> s.container).toList();
  }

  @Override
  public RunResult run(Release release, String command, Duration timeout) {
    requireStarted();
    Build build = release.build().orElseThrow(
        () -> new SchedulerException("No build associated with this release to run this command"));
    int num = runCounter.incrementAndGet();
    ContainerSpec spec = spec(release, build, ProcessType.RUN, num, Optional.of(command));
    log.info("{}: run.{}", release.app(), num);
    return runtime.run(spec, timeout);
  }

  @Override
  public List<LogLine> logs(AppName name, int lines) {
    List<List<LogLine>> sources = new ArrayList<>();
    for (Container c : containers(name)) {
      String source = c.type() + "." + c.num();
      sources.add(runtime.logs(c.id(), lines).stream().map(l -> l.withSource(source)).toList());
    }
    return LogLine.newest(sources, lines);
  }

  @Override
  public void destroy(AppName name) {
    AppContainers app = lock(name);
    try {
      retire(app, app.live(), "app destroyed", false);
      // Anything of the app the table does not know (a container a failed task left) goes too.
      for (RuntimeContainer stray : runtime.list(Labels.forApp(installation, name))) {
        runtime.destroy(stray.id());
      }
      app.all().forEach(app::remove);
      apps.remove(name, app);
    } finally {
      app.operation.unlock();
    }
  }

  /** Stops the workers and closes the runtime; containers the runtime keeps (Docker) keep running. */
  @Override
  public void close() {
    closed = true;
    workers.shutdownNow();
    try {
      workers.awaitTermination(options.stopGrace.toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runtime.close();
  }

  // ---------------------------------------------------------------- bringing containers up

  /**
   * Creates and starts {@code fresh} in parallel and waits until every one is ready. If any is
   * not, or the caller is interrupted, all of them are removed and the error names each one that
   * failed and why.
   */
  private void bringUp(AppContainers app, Release release, List<Slot> fresh, Function<String, SchedulerException> error) {
    if (fresh.isEmpty()) {
      return;
    }
    Build build = release.build().orElseThrow(() -> new SchedulerException("No build associated with this release"));
    Instant deadline = Instant.now().plus(options.deployTimeout);
    Map<Slot, String> failures = new LinkedHashMap<>(tasks.run(fresh, slot -> {
      ContainerSpec spec = spec(release, build, slot.container.type(), slot.container.num(), build.command(slot.container.type()));
      String id = runtime.create(spec);
      app.update(slot, c -> c.withId(id).moveTo(ContainerState.CREATED, "create"));
      start(app, slot, "start");
    }, "create"));
    if (failures.isEmpty() && !Thread.currentThread().isInterrupted()) {
      failures.putAll(tasks.run(fresh, slot -> awaitReady(slot, release, deadline), "start"));
    }
    if (failures.isEmpty() && Thread.currentThread().isInterrupted()) {
      fresh.forEach(slot -> failures.put(slot, "interrupted"));
    }
    if (!failures.isEmpty()) {
      String why = describe(failures);
      log.warn("{}: aborting v{}: {}", release.app(), release.version(), why);
      // The failed containers' last words say more than an exit code; read them before they are removed.
      String output = failures.keySet().stream().map(this::lastOutput).filter(o -> !o.isEmpty()).collect(Collectors.joining());
      // An interrupted caller still cleans up: the interrupt is set aside while the new containers go, then restored.
      boolean interrupted = Thread.interrupted();
      try {
        retire(app, fresh, "aborted deploy", false);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      throw error.apply("aborting, failed to start some containers of " + release.app() + " v" + release.version() + ": " + why + output);
    }
    app.release(release);
    fresh.forEach(slot -> {
      slot.pending = false;
      if (slot.container.type().receivesTraffic()) {
        listeners.ready(slot.container);
      }
    });
  }

  private void awaitReady(Slot slot, Release release, Instant deadline) throws InterruptedException {
    readiness.await(() -> slot.container, slot.startedAt, Readiness.of(release, slot.container.type(), options.minUptime),
        deadline, options.deployTimeout);
  }

  /**
   * After a start that no deploy waits for (a restart, a reconcile), tells the listeners once the
   * container is ready; a container that never gets ready is left to crash handling.
   */
  void watchReadiness(AppContainers app, Slot slot) {
    if (!slot.container.type().receivesTraffic()) {
      return;
    }
    Instant startedAt = slot.startedAt;
    Readiness check = app.release().filter(r -> r.version() == slot.container.release())
        .map(r -> Readiness.of(r, slot.container.type(), options.minUptime))
        .orElse(new Readiness(slot.container.type().equals(ProcessType.WEB), Optional.empty(), options.minUptime));
    Instant deadline = Instant.now().plus(options.deployTimeout);
    try {
      workers.execute(() -> {
        try {
          readiness.await(() -> slot.container, startedAt, check, deadline, options.deployTimeout);
          if (slot.startedAt.equals(startedAt) && app.contains(slot)) {
            listeners.ready(slot.container);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          log.info("{}: {} not ready after its start: {}", app.name, slot.container.name(), e.getMessage());
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("{}: not watching {}: the scheduler is closed", app.name, slot.container.name());
    }
  }

  /** The last lines a failed container printed, indented under its name; empty when it printed nothing or never ran. */
  private String lastOutput(Slot slot) {
    if (slot.container.id().isEmpty()) {
      return "";
    }
    try {
      List<String> lines = runtime.logs(slot.container.id(), FAILURE_LOG_LINES).stream().map(LogLine::text).toList();
      return lines.isEmpty() ? "" : "\n  last output of " + slot.container.name() + ":\n    " + String.join("\n    ", lines);
    } catch (RuntimeException e) {
      return "";
    }
  }

  void start(AppContainers app, Slot slot, String cause) {
    slot.earlyExit = OptionalInt.empty();
    runtime.start(slot.container.id());
    Optional<io.deis.model.Endpoint> endpoint = runtime.inspect(slot.container.id()).flatMap(RuntimeContainer::endpoint);
    synchronized (app) {
      slot.startedAt = Instant.now();
    }
    app.update(slot, c -> c.moveTo(ContainerState.UP, cause).withEndpoint(endpoint));
    // The process may have ended before it was marked up; its exit report was kept for now.
    OptionalInt early = slot.earlyExit;
    early.ifPresent(code -> crashed(app, slot, code));
  }

  // ---------------------------------------------------------------- taking containers down

  /**
   * Stops and destroys {@code slots} in parallel, each moved through down to destroyed, after the
   * listeners had the chance to drain it. Failures throw when {@code strict}, and are otherwise
   * logged: what is left is removed by the next reconcile.
   */
  void retire(AppContainers app, List<Slot> slots, String cause, boolean strict) {
    Map<Slot, String> failures = tasks.run(slots, slot -> {
      stop(app, slot, cause);
      if (!slot.container.id().isEmpty()) {
        runtime.destroy(slot.container.id());
      }
      if (slot.container.state() != ContainerState.INITIALIZED) {
        app.update(slot, c -> c.moveTo(ContainerState.DESTROYED, cause));
      }
      app.remove(slot);
    }, "destroy");
    if (failures.isEmpty()) {
      return;
    }
    if (strict) {
      throw new SchedulerException("aborting, failed to destroy some containers: " + describe(failures));
    }
    log.warn("{}: could not remove some containers ({}); the next reconcile removes them: {}", app.name, cause, describe(failures));
  }

  void stop(AppContainers app, Slot slot, String cause) {
    slot.stopping = true;
    try {
      if (slot.container.state() == ContainerState.UP) {
        listeners.retiring(slot.container);
        runtime.stop(slot.container.id(), options.stopGrace);
        app.update(slot, c -> c.state() == ContainerState.UP ? c.moveTo(ContainerState.DOWN, cause) : c);
      }
    } finally {
      slot.stopping = false;
    }
  }

  // ---------------------------------------------------------------- crashes

  /** A container's process ended and nobody asked it to: down with its exit code and a back-off. */
  private void onExit(String id, int exitCode) {
    for (AppContainers app : apps.values()) {
      for (Slot slot : app.all()) {
        if (!slot.container.id().equals(id)) {
          continue;
        }
        if (slot.stopping) {
          return;
        }
        if (slot.container.state() == ContainerState.UP) {
          crashed(app, slot, exitCode);
        } else if (slot.container.state() == ContainerState.CREATED || slot.container.state() == ContainerState.DOWN) {
          slot.earlyExit = OptionalInt.of(exitCode); // start() has not marked it up yet
        }
        return;
      }
    }
  }

  private void crashed(AppContainers app, Slot slot, int exitCode) {
    Duration ran;
    synchronized (app) {
      if (slot.container.state() != ContainerState.UP) {
        return;
      }
      ran = Duration.between(slot.startedAt, Instant.now());
      slot.crashesInARow = ran.compareTo(options.maxRestartBackoff) >= 0 ? 1 : slot.crashesInARow + 1;
      long delay = Math.min(options.maxRestartBackoff.toMillis(),
          options.restartBackoff.toMillis() << Math.min(20, slot.crashesInARow - 1));
      slot.restartAt = Instant.now().plusMillis(delay);
    }
    String cause = StateChange.endedOnItsOwn(exitCode);
    log.warn("{}: {} {} with exit code {} after {} ms", app.name, slot.container.name(), cause, exitCode, ran.toMillis());
    app.update(slot, c -> c.moveTo(ContainerState.DOWN, cause, OptionalInt.of(exitCode), Instant.now()));
  }

  // ---------------------------------------------------------------- reconciliation

  // ---------------------------------------------------------------- helpers

  ContainerSpec spec(Release release, Build build, ProcessType type, int num, Optional<String> command) {
    return new ContainerSpec(Container.jobName(release.app(), release.version(), type, num),
        Labels.forContainer(installation, release.app(), release.version(), type, num), type, build, command,
        release.config().values(), release.config().memory(type), release.config().cpu(type));
  }

  /** The app's table with its operation lock held; a table that {@link #destroy} dropped meanwhile is not used. */
  private AppContainers lock(AppName name) {
    requireStarted();
    while (true) {
      AppContainers app = app(name);
      app.operation.lock();
      if (apps.get(name) == app) {
        return app;
      }
      app.operation.unlock();
    }
  }

  private AppContainers app(AppName name) {
    return apps.computeIfAbsent(name, n -> new AppContainers(n, listeners));
  }

  ContainerRuntime runtime() {
    return runtime;
  }

  Installation installation() {
    return installation;
  }

  ParallelTasks tasks() {
    return tasks;
  }

  Options options() {
    return options;
  }

  private void requireStarted() {
    if (installation == null) {
      throw new IllegalStateException("the scheduler is not started: call start(installation) first (the Controller does)");
    }
    if (closed) {
      throw new SchedulerException("the scheduler is closed");
    }
  }

  static String describe(Map<Slot, String> failures) {
    return failures.entrySet().stream().map(e -> e.getKey().container.name() + " " + e.getValue())
        .collect(Collectors.joining("; "));
  }

  private static List<ProcessType> union(Formation formation, Map<ProcessType, ?> running) {
    TreeSet<ProcessType> types = new TreeSet<>(formation.counts().keySet());
    types.addAll(running.keySet());
    return List.copyOf(types);
  }
}
