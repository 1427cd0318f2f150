package io.deis.controller;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.scheduler.SchedulerListener;
import io.deis.store.Store;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the runtime match the store, app by app: level-triggered, in the manner of a Kubernetes
 * controller's work queue. Every app is reconciled on start and every {@code interval}; a crash
 * (a container that went down on its own) and the end of every deploy queue its app at once.
 * An app is reconciled under its store lock, taken without waiting: an app busy with an
 * operation is tried again a little later, since the operation leaves it consistent anyway.
 *
 * <p>Only the controller holding the installation's lease in the store reconciles, so controllers
 * that share a store never fight over containers; the lease is renewed every third of its time
 * to live and taken over by another controller when its holder dies.
 */
final class Reconciler implements SchedulerListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final Duration BUSY_RETRY = Duration.ofMillis(500);

  private final Store store;
  private final Function<AppName, Optional<Duration>> reconcileLocked;
  private final java.util.function.Supplier<Set<AppName>> schedulerApps;
  private final Duration interval;
  private final Duration leaseTtl;
  private final String holder = UUID.randomUUID().toString();
  private final Set<AppName> queued = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  private final ExecutorService workers;
  private volatile boolean leader;

  /**
   * @param reconcileLocked reconciles one app, called holding its store lock; returns when to come back
   * @param schedulerApps the apps the scheduler has anything of
   */
  Reconciler(Store store, Function<AppName, Optional<Duration>> reconcileLocked, java.util.function.Supplier<Set<AppName>> schedulerApps,
      Duration interval, Duration leaseTtl) {
    this.store = store;
    this.reconcileLocked = reconcileLocked;
    this.schedulerApps = schedulerApps;
    this.interval = interval;
    this.leaseTtl = leaseTtl;
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("deis-reconcile-timer-%d"));
    this.workers = Executors.newFixedThreadPool(2, daemon("deis-reconcile-%d"));
  }

  void start() {
    renewLease();
    timer.scheduleWithFixedDelay(this::renewLease, leaseTtl.toMillis() / 3, leaseTtl.toMillis() / 3, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::resync, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean leader() {
    return leader;
  }

  /** Queues every app of the store and of the scheduler. */
  void resync() {
    if (!leader) {
      return;
    }
    try {
      allApps().forEach(this::enqueue);
    } catch (RuntimeException e) {
      log.warn("reconcile: listing apps failed, trying again in {}: {}", interval, e.toString());
    }
  }

  Set<AppName> allApps() {
    Set<AppName> apps = new TreeSet<>();
    store.apps().forEach(a -> apps.add(a.name()));
    apps.addAll(schedulerApps.get());
    return apps;
  }

  /** Queues the app for a reconcile soon; does nothing when it is queued already. */
  void enqueue(AppName app) {
    if (leader && queued.add(app)) {
      try {
        workers.execute(() -> process(app));
      } catch (RejectedExecutionException e) {
        queued.remove(app); // closed
      }
    }
  }

  private void enqueueAfter(AppName app, Duration delay) {
    try {
      timer.schedule(() -> enqueue(app), Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void process(AppName app) {
    queued.remove(app);
    if (!leader) {
      return;
    }
    Optional<Store.AppLock> lock;
    try {
      lock = store.tryLock(app);
    } catch (RuntimeException e) {
      log.warn("{}: reconcile could not take the app's lock: {}", app, e.toString());
      enqueueAfter(app, interval);
      return;
    }
    if (lock.isEmpty()) {
      enqueueAfter(app, BUSY_RETRY);
      return;
    }
    try (Store.AppLock held = lock.get()) {
      reconcileLocked.apply(app).ifPresent(delay -> enqueueAfter(app, delay));
    } catch (RuntimeException e) {
      log.warn("{}: reconcile failed, trying again in {}: {}", app, BUSY_RETRY.multipliedBy(4), e.toString());
      enqueueAfter(app, BUSY_RETRY.multipliedBy(4));
    }
  }

  /** Reconciles {@code app} now in the calling thread, waiting for its lock; for {@link Controller#reconcile()}. */
  Optional<Duration> reconcileNow(AppName app) {
    try (Store.AppLock held = store.lock(app)) {
      return reconcileLocked.apply(app);
    }
  }

  private void renewLease() {
    try {
      boolean was = leader;
      leader = store.holdLease(holder, leaseTtl);
      if (leader && !was) {
        log.info("this controller ({}) now reconciles installation {}", holder, store.installation());
        timer.execute(this::resync);
      } else if (!leader && was) {
        log.warn("this controller ({}) lost the reconciler lease of installation {}", holder, store.installation());
      }
    } catch (RuntimeException e) {
      leader = false;
      log.warn("renewing the reconciler lease failed: {}", e.toString());
    }
  }

  /** A container that went down on its own: its app needs a restart, after its back-off. */
  @Override
  public void changed(Container container) {
    if (container.lastChange().map(c -> c.unasked()).orElse(false)) {
      enqueue(container.app());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    workers.shutdownNow();
    try {
      workers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    leader = false;
    try {
      store.releaseLease(holder);
    } catch (RuntimeException e) {
      log.debug("releasing the reconciler lease failed", e);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String format) {
    return new ThreadFactoryBuilder().setDaemon(true).setNameFormat(format).build();
  }
}
