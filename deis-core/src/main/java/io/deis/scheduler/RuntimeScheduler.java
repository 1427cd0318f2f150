package io.deis.scheduler;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Endpoint;
import io.deis.model.Formation;
import io.deis.model.HealthCheck;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.model.StateChange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns any {@link ContainerRuntime} into a {@link Scheduler}. This is the one place that owns
 * the container state machine, rolling deploys, scaling and crash restarts for the local and
 * Docker backends, so each of those only has to create, start and stop one container.
 *
 * <p>Locking: each app has an operation lock that serializes deploy, scale, restart and destroy
 * for that app (they wait for containers, so this lock is held for seconds), and the app's
 * container table is guarded by its own monitor, held only for a table update. Crash reports
 * from the runtime take only the monitor, which is why a deploy in progress can see its new
 * containers crash.
 */
public final class RuntimeScheduler implements Scheduler {
  private static final Logger log = LoggerFactory.getLogger(RuntimeScheduler.class);
  private static final int HEALTH_TRIES = 4;
  private static final long HEALTH_RETRY_MS = 1000;
  private static final int FAILURE_LOG_LINES = 5;

  private final ContainerRuntime runtime;
  private final Options options;
  private final Map<AppName, AppContainers> apps = new ConcurrentHashMap<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService restarts;
  private final HttpClient http;
  private final AtomicInteger runCounter = new AtomicInteger();

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

  /**
   * Builds the scheduler and adopts the containers the runtime already has (a restarted
   * controller): for each app, the containers of its newest release are kept, older ones removed.
   */
  public RuntimeScheduler(ContainerRuntime runtime, Options options) {
    this.runtime = runtime;
    this.options = options;
    this.workers = Executors.newCachedThreadPool(new ThreadFactoryBuilder().setDaemon(true).setNameFormat("deis-scheduler-%d").build());
    this.restarts = Executors.newSingleThreadScheduledExecutor(new ThreadFactoryBuilder().setDaemon(true).setNameFormat("deis-restarts-%d").build());
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    runtime.addExitListener(this::onExit);
    adoptExisting();
  }

  @Override
  public ImageBuilder imageBuilder() {
    return runtime.imageBuilder();
  }

  @Override
  public void deploy(Release release, Formation formation) {
    AppContainers app = app(release.app());
    app.operation.lock();
    try {
      List<Slot> old = app.live();
      if (old.stream().anyMatch(s -> s.container.release() == release.version())) {
        scale(release, formation); // this release runs already: only the counts can change
        return;
      }
      List<Slot> fresh = new ArrayList<>();
      formation.counts().forEach((type, count) -> {
        for (int num = 1; num <= count; num++) {
          fresh.add(app.add(release, type, num));
        }
      });
      bringUp(app, release, fresh, DeployException::new);
      retire(app, old, "deploy of v" + release.version());
      log.info("{}: v{} deployed at {}", release.app(), release.version(), formation);
    } finally {
      app.operation.unlock();
    }
  }

  @Override
  public void scale(Release release, Formation formation) {
    AppContainers app = app(release.app());
    app.operation.lock();
    try {
      Map<ProcessType, List<Slot>> byType = app.live().stream()
          .collect(Collectors.groupingBy(s -> s.container.type(), LinkedHashMap::new, Collectors.toList()));
      List<Slot> fresh = new ArrayList<>();
      List<Slot> surplus = new ArrayList<>();
      for (ProcessType type : union(formation, byType)) {
        List<Slot> have = byType.getOrDefault(type, List.of());
        int want = formation.count(type);
        int highest = have.stream().mapToInt(s -> s.container.num()).max().orElse(0);
        for (int i = have.size(); i < want; i++) {
          fresh.add(app.add(release, type, ++highest));
        }
        // The newest (highest-numbered) go first, so the survivors stay numbered 1..N.
        have.stream().sorted(Comparator.comparingInt((Slot s) -> s.container.num()).reversed())
            .limit(Math.max(0, have.size() - want)).forEach(surplus::add);
      }
      bringUp(app, release, fresh, SchedulerException::new);
      retire(app, surplus, "scale to " + formation);
    } finally {
      app.operation.unlock();
    }
  }

  @Override
  public List<Container> restart(AppName name, ContainerFilter filter) {
    AppContainers app = app(name);
    app.operation.lock();
    try {
      List<Slot> chosen = app.live().stream().filter(s -> filter.matches(s.container)).toList();
      Map<Slot, String> failures = inParallel(chosen, slot -> {
        stop(app, slot, "restart");
        start(app, slot, "restart");
        return null;
      }, "restart");
      if (!failures.isEmpty()) {
        throw new SchedulerException("failed to restart some containers: " + failures.entrySet().stream()
            .map(e -> e.getKey().container.name() + " " + e.getValue()).collect(Collectors.joining("; ")));
      }
      return chosen.stream().map(s -> s.container).toList();
    } finally {
      app.operation.unlock();
    }
  }

  @Override
  public List<Container> containers(AppName name) {
    AppContainers app = apps.get(name);
    return app == null ? List.of() : app.live().stream().map(s -> s.container).toList();
  }

  @Override
  public RunResult run(Release release, String command, Duration timeout) {
    Build build = release.build().orElseThrow(
        () -> new SchedulerException("No build associated with this release to run this command"));
    int num = runCounter.incrementAndGet();
    ContainerSpec spec = spec(release, build, ProcessType.RUN, num, Optional.of(command));
    log.info("{}: run.{} '{}'", release.app(), num, command);
    return runtime.run(spec, timeout);
  }

  @Override
  public List<String> logs(AppName name, int lines) {
    List<String> out = new ArrayList<>();
    for (Container c : containers(name)) {
      for (String line : runtime.logs(c.id(), lines)) {
        out.add(name + "[" + c.type() + "." + c.num() + "]: " + line);
      }
    }
    return out.size() <= lines ? out : out.subList(out.size() - lines, out.size());
  }

  @Override
  public void destroy(AppName name) {
    AppContainers app = app(name);
    app.operation.lock();
    try {
      retire(app, app.live(), "app destroyed");
      // Anything of the app the table does not know (left by an earlier controller) goes too.
      for (RuntimeContainer stray : runtime.list(Labels.forApp(name))) {
        runtime.destroy(stray.id());
      }
      apps.remove(name);
    } finally {
      app.operation.unlock();
    }
  }

  @Override
  public void close() {
    restarts.shutdownNow();
    workers.shutdownNow();
    runtime.close();
  }

  // ---------------------------------------------------------------- bringing containers up

  /**
   * Creates and starts {@code fresh} in parallel and waits until every one is ready. If any is
   * not, all of them are stopped and removed and the error names each one that failed and why.
   */
  private void bringUp(AppContainers app, Release release, List<Slot> fresh, Function<String, SchedulerException> error) {
    if (fresh.isEmpty()) {
      return;
    }
    Build build = release.build().orElseThrow(() -> new SchedulerException("No build associated with this release"));
    Map<Slot, String> failures = new LinkedHashMap<>();
    failures.putAll(inParallel(fresh, slot -> {
      ContainerSpec spec = spec(release, build, slot.container.type(), slot.container.num(),
          build.command(slot.container.type()));
      String id = runtime.create(spec);
      app.update(slot, c -> c.withId(id).moveTo(ContainerState.CREATED, "create"));
      start(app, slot, "start");
      return null;
    }, "create"));
    if (failures.isEmpty()) {
      failures.putAll(inParallel(fresh, slot -> {
        awaitReady(app, slot, release);
        return null;
      }, "start"));
    }
    if (!failures.isEmpty()) {
      String why = failures.entrySet().stream()
          .map(e -> e.getKey().container.name() + " " + e.getValue()).collect(Collectors.joining("; "));
      log.warn("{}: aborting v{}: {}", release.app(), release.version(), why);
      // The failed containers' last words say more than an exit code; read them before they are removed.
      String output = failures.keySet().stream().map(this::lastOutput).filter(o -> !o.isEmpty()).collect(Collectors.joining());
      retire(app, fresh, "aborted deploy");
      throw error.apply("aborting, failed to start some containers of " + release.app() + " v" + release.version() + ": " + why + output);
    }
    fresh.forEach(slot -> slot.pending = false);
  }

  /** The last lines a failed container printed, indented under its name; empty when it printed nothing or never ran. */
  private String lastOutput(Slot slot) {
    if (slot.container.id().isEmpty()) {
      return "";
    }
    try {
      List<String> lines = runtime.logs(slot.container.id(), FAILURE_LOG_LINES);
      return lines.isEmpty() ? "" : "\n  last output of " + slot.container.name() + ":\n    " + String.join("\n    ", lines);
    } catch (RuntimeException e) {
      return "";
    }
  }

  private void start(AppContainers app, Slot slot, String cause) {
    slot.earlyExit = OptionalInt.empty();
    runtime.start(slot.container.id());
    Optional<Endpoint> endpoint = runtime.inspect(slot.container.id()).flatMap(RuntimeContainer::endpoint);
    synchronized (app) {
      slot.startedAt = Instant.now();
      app.update(slot, c -> c.moveTo(ContainerState.UP, cause).withEndpoint(endpoint));
      // The process may have ended before it was marked up; its exit report was kept for now.
      slot.earlyExit.ifPresent(code -> crashed(app, slot, code));
    }
  }

  /**
   * A new container is ready when it has stayed up for {@code minUptime}, its web port accepts
   * connections (web containers), and it answers the health check with 200 (web and cmd, when
   * the release configures one). Throws with the reason otherwise.
   */
  private void awaitReady(AppContainers app, Slot slot, Release release) throws Exception {
    Instant deadline = Instant.now().plus(options.deployTimeout);
    Optional<HealthCheck> check = release.config().healthCheck().filter(h -> slot.container.type().receivesTraffic());
    boolean needsPort = slot.container.type().equals(ProcessType.WEB) || check.isPresent();
    Instant upSince = slot.startedAt;
    Instant checksFrom = upSince.plus(check.map(HealthCheck::initialDelay).orElse(Duration.ZERO));
    String lastProblem = "did not come up";
    int wrongAnswers = 0;
    Instant lastWrongAnswer = Instant.EPOCH;
    while (Instant.now().isBefore(deadline)) {
      Container c = slot.container;
      if (c.state() != ContainerState.UP) {
        StateChange last = c.lastChange().orElseThrow();
        throw new IllegalStateException(last.cause() + last.exitCode().stream().mapToObj(code -> " with exit code " + code).findFirst().orElse(""));
      }
      boolean portOk = true;
      if (needsPort) {
        if (c.endpoint().isEmpty()) {
          throw new IllegalStateException("has no endpoint to check");
        }
        Endpoint e = c.endpoint().get();
        if (Instant.now().isBefore(checksFrom)) {
          portOk = false;
        } else if (check.isPresent()) {
          int status = probe(e, check.get());
          portOk = status == 200;
          lastProblem = status < 0 ? "did not answer the health check on " + e
              : "failed health check (got '" + status + "', expected: '200')";
          // An app that answers, but wrongly, gets Deis's four tries a second apart; one that is
          // not listening yet gets until the deadline.
          if (status > 0 && status != 200 && Duration.between(lastWrongAnswer, Instant.now()).toMillis() >= HEALTH_RETRY_MS) {
            lastWrongAnswer = Instant.now();
            if (++wrongAnswers >= HEALTH_TRIES) {
              throw new IllegalStateException(lastProblem + " " + HEALTH_TRIES + " times: app containers failed to respond to health check");
            }
          }
        } else {
          portOk = accepts(e);
          lastProblem = "did not accept connections on " + e;
        }
      }
      if (portOk && Duration.between(upSince, Instant.now()).compareTo(options.minUptime) >= 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(lastProblem + " within " + options.deployTimeout.toSeconds() + "s"
        + (check.isPresent() ? ": app containers failed to respond to health check" : ""));
  }

  /** The HTTP status the health check got, or -1 when nothing answered in time. */
  private int probe(Endpoint endpoint, HealthCheck check) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(endpoint.url(check.path())))
          .timeout(check.timeout()).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static boolean accepts(Endpoint endpoint) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- taking containers down

  /** Stops and destroys {@code slots} in parallel, moving each through down to destroyed. */
  private void retire(AppContainers app, List<Slot> slots, String cause) {
    Map<Slot, String> failures = inParallel(slots, slot -> {
      stop(app, slot, cause);
      if (!slot.container.id().isEmpty()) {
        runtime.destroy(slot.container.id());
      }
      if (slot.container.state() != ContainerState.INITIALIZED) {
        app.update(slot, c -> c.moveTo(ContainerState.DESTROYED, cause));
      }
      app.remove(slot);
      return null;
    }, "destroy");
    if (!failures.isEmpty()) {
      throw new SchedulerException("aborting, failed to destroy some containers: " + failures.values());
    }
  }

  private void stop(AppContainers app, Slot slot, String cause) {
    synchronized (app) {
      slot.stopping = true;
      if (slot.restartTask != null) {
        slot.restartTask.cancel(false);
      }
    }
    try {
      if (slot.container.state() == ContainerState.UP) {
        runtime.stop(slot.container.id(), options.stopGrace);
        app.update(slot, c -> c.state() == ContainerState.UP ? c.moveTo(ContainerState.DOWN, cause) : c);
      }
    } finally {
      slot.stopping = false;
    }
  }

  // ---------------------------------------------------------------- crashes

  /** A container's process ended and nobody asked it to: down with its exit code, then back up after a back-off. */
  private void onExit(String id, int exitCode) {
    for (AppContainers app : apps.values()) {
      synchronized (app) {
        for (Slot slot : app.slots.values()) {
          if (!slot.container.id().equals(id) || slot.stopping) {
            continue;
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
  }

  /** Called holding the app's monitor. */
  private void crashed(AppContainers app, Slot slot, int exitCode) {
    String cause = exitCode == 0 ? "exited" : "crashed";
    Duration ran = slot.startedAt == null ? Duration.ZERO : Duration.between(slot.startedAt, Instant.now());
    app.update(slot, c -> c.moveTo(ContainerState.DOWN, cause, OptionalInt.of(exitCode), Instant.now()));
    log.warn("{}: {} {} with exit code {} after {} ms", app.name, slot.container.name(), cause, exitCode, ran.toMillis());
    if (!slot.pending) {
      scheduleRestart(app, slot, ran);
    }
  }

  private void scheduleRestart(AppContainers app, Slot slot, Duration ran) {
    slot.crashesInARow = ran.compareTo(options.maxRestartBackoff) >= 0 ? 1 : slot.crashesInARow + 1;
    long delay = Math.min(options.maxRestartBackoff.toMillis(),
        options.restartBackoff.toMillis() << Math.min(20, slot.crashesInARow - 1));
    slot.restartTask = restarts.schedule(() -> workers.submit(() -> restartCrashed(app, slot)), delay, TimeUnit.MILLISECONDS);
  }

  private void restartCrashed(AppContainers app, Slot slot) {
    // Under the operation lock, so a deploy or scale that is retiring this container cannot interleave.
    app.operation.lock();
    try {
      synchronized (app) {
        if (slot.stopping || slot.container.state() != ContainerState.DOWN || app.slots.get(slot.container.jobName()) != slot) {
          return;
        }
      }
      start(app, slot, "restarted after crash");
      app.update(slot, Container::restarted);
    } catch (RuntimeException e) {
      log.warn("{}: restarting {} failed: {}", app.name, slot.container.name(), e.getMessage());
      synchronized (app) {
        scheduleRestart(app, slot, Duration.ZERO);
      }
    } finally {
      app.operation.unlock();
    }
  }

  // ---------------------------------------------------------------- adoption

  private void adoptExisting() {
    Map<AppName, List<RuntimeContainer>> byApp = new HashMap<>();
    for (RuntimeContainer rc : runtime.list(Map.of(Labels.HERITAGE, Labels.HERITAGE_VALUE))) {
      try {
        byApp.computeIfAbsent(AppName.of(rc.labels().get(Labels.APP)), a -> new ArrayList<>()).add(rc);
      } catch (RuntimeException e) {
        log.warn("ignoring container {} with unreadable labels {}", rc.id(), rc.labels());
      }
    }
    byApp.forEach((name, found) -> {
      int newest = found.stream().mapToInt(RuntimeScheduler::releaseOf).max().orElse(0);
      AppContainers app = app(name);
      for (RuntimeContainer rc : found) {
        if (releaseOf(rc) != newest || !rc.labels().containsKey(Labels.TYPE) || !rc.labels().containsKey(Labels.NUM)) {
          log.info("{}: removing {}, left over from release v{}", name, rc.id(), releaseOf(rc));
          runtime.destroy(rc.id());
          continue;
        }
        Container c = Container.initialized(rc.id(), name, ProcessType.of(rc.labels().get(Labels.TYPE)),
            Integer.parseInt(rc.labels().get(Labels.NUM)), newest).moveTo(ContainerState.CREATED, "adopted");
        Slot slot = new Slot(c);
        slot.pending = false;
        synchronized (app) {
          app.slots.put(c.jobName(), slot);
        }
        if (rc.running()) {
          app.update(slot, x -> x.moveTo(ContainerState.UP, "adopted").withEndpoint(rc.endpoint()));
          slot.startedAt = Instant.now();
        } else {
          app.update(slot, x -> x.moveTo(ContainerState.UP, "adopted")
              .moveTo(ContainerState.DOWN, "found stopped", rc.exitCode(), Instant.now()));
          synchronized (app) {
            scheduleRestart(app, slot, Duration.ZERO);
          }
        }
      }
      log.info("{}: adopted {} containers of v{}", name, app.live().size(), newest);
    });
  }

  private static int releaseOf(RuntimeContainer rc) {
    try {
      return Integer.parseInt(rc.labels().getOrDefault(Labels.RELEASE, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // ---------------------------------------------------------------- helpers

  private ContainerSpec spec(Release release, Build build, ProcessType type, int num, Optional<String> command) {
    return new ContainerSpec(Container.jobName(release.app(), release.version(), type, num),
        Labels.forContainer(release.app(), release.version(), type, num), type, build, command,
        release.config().values(), release.config().memory(type), release.config().cpu(type));
  }

  private AppContainers app(AppName name) {
    return apps.computeIfAbsent(name, AppContainers::new);
  }

  private static List<ProcessType> union(Formation formation, Map<ProcessType, ?> running) {
    TreeSet<ProcessType> types = new TreeSet<>(formation.counts().keySet());
    types.addAll(running.keySet());
    return List.copyOf(types);
  }

  @FunctionalInterface
  private interface SlotTask {
    Void run(Slot slot) throws Exception;
  }

  /** Runs {@code task} for every slot at once; returns the slots whose task failed, with why. */
  private Map<Slot, String> inParallel(List<Slot> slots, SlotTask task, String what) {
    Map<Slot, Future<Void>> futures = new LinkedHashMap<>();
    for (Slot slot : slots) {
      futures.put(slot, workers.submit(() -> task.run(slot)));
    }
    Map<Slot, String> failures = new LinkedHashMap<>();
    futures.forEach((slot, future) -> {
      try {
        future.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        log.debug("{} of {} failed", what, slot.container.name(), cause);
        failures.put(slot, cause instanceof IllegalStateException ? cause.getMessage() : "failed to " + what + ": " + cause.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.put(slot, "interrupted");
      }
    });
    return failures;
  }

  /** One container and the scheduler's bookkeeping about it. */
  private static final class Slot {
    volatile Container container;
    /** True until a deploy accepts the container: a crash then fails the deploy instead of restarting it. */
    volatile boolean pending = true;
    /** True while the scheduler itself stops the container, so its exit is not taken for a crash. */
    volatile boolean stopping;
    volatile Instant startedAt;
    /** An exit reported while start() was still under way. */
    volatile OptionalInt earlyExit = OptionalInt.empty();
    int crashesInARow;
    ScheduledFuture<?> restartTask;

    Slot(Container container) {
      this.container = container;
    }
  }

  /** The containers of one app. Table updates synchronize on this object. */
  private static final class AppContainers {
    final AppName name;
    final ReentrantLock operation = new ReentrantLock();
    final Map<String, Slot> slots = new LinkedHashMap<>();

    AppContainers(AppName name) {
      this.name = name;
    }

    /** A new container, pending until its deploy or scale accepts it. */
    synchronized Slot add(Release release, ProcessType type, int num) {
      Slot slot = new Slot(Container.initialized("", name, type, num, release.version()));
      slots.put(slot.container.jobName(), slot);
      return slot;
    }

    synchronized void update(Slot slot, Function<Container, Container> change) {
      slot.container = change.apply(slot.container);
    }

    synchronized void remove(Slot slot) {
      slots.remove(slot.container.jobName(), slot);
    }

    /** Every container not destroyed, sorted by type and number. */
    synchronized List<Slot> live() {
      return slots.values().stream()
          .filter(s -> s.container.state() != ContainerState.DESTROYED)
          .sorted(Comparator.comparing((Slot s) -> s.container.type()).thenComparingInt(s -> s.container.num())
              .thenComparingInt(s -> s.container.release()))
          .toList();
    }
  }
}
