package io.deis.store.jdbc;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import com.google.common.hash.Hashing;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.util.concurrent.Uninterruptibles;
import io.deis.error.ConflictException;
import io.deis.error.StoreException;
import io.deis.model.AppName;
import io.deis.store.Store;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apps' operation locks. In this process an app's lock is a fair {@link ReentrantLock}, so
 * threads of one controller queue here, not in the database. With PostgreSQL the first hold also
 * takes a session-level advisory lock on a connection of its own: every controller process sharing
 * the database is excluded, and when a holder dies its connection ends and PostgreSQL releases the
 * lock. An H2 file is opened by one process only, so there the in-process lock is the whole lock
 * (shared by every store on the same file in this JVM).
 *
 * <p><b>A released advisory lock lingers.</b> This process keeps it for {@link #LINGER} after the
 * last hold ends, so that the next operation on the same app here (a burst of config changes, the
 * reconciler after a deploy) takes it without the two round trips of a lock and an unlock. Never
 * for more than {@link #MAX_CONTINUOUS} in one go: then it is let go at the next release, and a
 * process waiting for it gets its turn. Another process therefore waits up to that much longer,
 * and its {@code tryLock} finds the app busy meanwhile. At most a quarter of
 * {@code maxHeldAppLocks} linger at once, so they keep few of the connections other apps' locks
 * need, and none for longer than {@link #LINGER}.
 *
 * <p><b>Epochs.</b> Each unbroken hold of an app by this store, lingering included, has a number
 * ({@link #heldEpoch}). While it lasts no other process, and no other store on the same H2 file,
 * can take the app's lock, so what its holders read of the app stays true unless it is changed
 * through this store: {@link AppRows} keeps those reads.
 */
final class AppLocks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AppLocks.class);
  /** How long a released advisory lock is kept for this process's next operation on the app. */
  static final Duration LINGER = Duration.ofMillis(10);
  /** How long an advisory lock is kept in one go, in use or lingering, before another process gets its turn. */
  static final Duration MAX_CONTINUOUS = Duration.ofMillis(100);
  private static final AtomicLong EPOCHS = new AtomicLong();
  /** The entries of every H2 database file, so two stores on one file in one JVM exclude each other. */
  private static final Map<String, LoadingCache<AppName, Entry>> H2_FILES = new ConcurrentHashMap<>();

  /**
   * One app's lock. {@link #lock} is held by the app's holders only. The advisory lock's state is
   * guarded by the entry's monitor, which the expiry thread also takes: it lets an idle lingering
   * lock go without taking {@link #lock}, so it never makes a holder's {@code tryLock} fail.
   */
  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock(true);
    /** The number of the unbroken hold; 0 before the first and after the advisory lock is let go. */
    volatile long epoch;
    /** The store whose holds made the epoch (stores on one H2 file share entries); written by holders. */
    AppLocks owner;
    /** PostgreSQL: the session that holds the advisory lock, in use or lingering. */
    Connection advisory;
    boolean inUse;
    long advisorySince;
    /** When the last hold ended with the advisory lock kept. */
    long idleSince;
    boolean expiryScheduled;
    /** Counted down when a lingering lock taken out of this entry has been released in the database. */
    CountDownLatch released = new CountDownLatch(0);
  }

  /**
   * Entries are held weakly: one in use is reachable from its holder and its waiters, one not in
   * use may go, so names that were only ever asked about (apps that do not exist) cost nothing
   * lasting. Lingering entries are held by {@link #lingering}.
   */
  private final LoadingCache<AppName, Entry> entries;
  private final Database advisoryPool; // null: in-process locks only
  private final Semaphore connections;
  private final int maxLingering;
  private final Duration waitTimeout;
  private final Map<AppName, Entry> lingering = new ConcurrentHashMap<>();
  private final ScheduledExecutorService expiry; // PostgreSQL only
  private volatile boolean closed;

  private AppLocks(LoadingCache<AppName, Entry> entries, Database advisoryPool, int maxHeld, Duration waitTimeout) {
    this.entries = entries;
    this.advisoryPool = advisoryPool;
    this.connections = new Semaphore(maxHeld, true);
    this.maxLingering = maxHeld / 4;
    this.waitTimeout = waitTimeout;
    this.expiry = advisoryPool == null ? null : Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setNameFormat("deis-store-lock-expiry-%d").setDaemon(true).build());
  }

  private static LoadingCache<AppName, Entry> newEntries() {
    return CacheBuilder.newBuilder().weakValues().build(CacheLoader.from(Entry::new));
  }

  /** Locks held in this JVM only, shared by every store on the same H2 file. */
  static AppLocks inProcess(String h2File, Duration waitTimeout) {
    return new AppLocks(H2_FILES.computeIfAbsent(h2File, f -> newEntries()), null, Integer.MAX_VALUE, waitTimeout);
  }

  /**
   * Locks shared by every process on the database, each held on a connection of {@code pool}
   * (sized {@code maxHeld}, with the lock wait timeout set on its sessions).
   */
  static AppLocks advisory(Database pool, int maxHeld, Duration waitTimeout) {
    return new AppLocks(newEntries(), pool, maxHeld, waitTimeout);
  }

  Store.AppLock lock(AppName app) {
    Entry entry = entries.getUnchecked(app);
    boolean taken;
    try {
      taken = entry.lock.tryLock(waitTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConflictException("interrupted while waiting for the lock of app '" + app + "'");
    }
    if (!taken) {
      throw busy(app);
    }
    return holding(app, entry, true).orElseThrow(() -> busy(app));
  }

  Optional<Store.AppLock> tryLock(AppName app) {
    Entry entry = entries.getUnchecked(app);
    if (!entry.lock.tryLock()) {
      return Optional.empty();
    }
    return holding(app, entry, false);
  }

  /**
   * The epoch of the calling thread's hold of the app's lock, or 0 when it holds none. Two calls
   * that return the same epoch lie within one unbroken hold by this store.
   */
  long heldEpoch(AppName app) {
    Entry entry = entries.getIfPresent(app);
    return entry != null && entry.lock.isHeldByCurrentThread() ? entry.epoch : 0;
  }

  /** With the in-process lock taken: begins the hold on the first hold count, or gives the in-process lock back. */
  private Optional<Store.AppLock> holding(AppName app, Entry entry, boolean wait) {
    if (entry.lock.getHoldCount() == 1) {
      boolean held;
      try {
        held = begin(app, entry, wait);
      } catch (RuntimeException | Error e) {
        entry.lock.unlock();
        throw e;
      }
      if (!held) {
        entry.lock.unlock();
        return Optional.empty();
      }
    }
    AtomicBoolean released = new AtomicBoolean();
    return Optional.of(() -> {
      if (released.compareAndSet(false, true)) {
        end(app, entry);
      }
    });
  }

  private boolean begin(AppName app, Entry entry, boolean wait) {
    if (advisoryPool == null) {
      if (entry.owner != this || entry.epoch == 0) {
        entry.owner = this;
        entry.epoch = EPOCHS.incrementAndGet();
      }
      return true;
    }
    CountDownLatch releasing;
    synchronized (entry) {
      if (entry.advisory != null) { // still lingering: this process never let it go
        entry.inUse = true;
        lingering.remove(app, entry);
        return true;
      }
      releasing = entry.released;
    }
    // A lingering lock just let go may still be on its way out: a tryLock must not find it held.
    Uninterruptibles.awaitUninterruptibly(releasing, waitTimeout.toMillis(), TimeUnit.MILLISECONDS);
    Connection connection = takeAdvisory(app, wait);
    if (connection == null) {
      return false;
    }
    synchronized (entry) {
      entry.advisory = connection;
      entry.inUse = true;
      entry.advisorySince = System.nanoTime();
      entry.epoch = EPOCHS.incrementAndGet();
    }
    return true;
  }

  private void end(AppName app, Entry entry) {
    try {
      if (advisoryPool != null && entry.lock.getHoldCount() == 1) {
        Connection release = null;
        synchronized (entry) {
          if (entry.advisory == null) {
            // nothing held in the database (a failed begin never gets here; kept for safety)
          } else if (closed || elapsed(entry.advisorySince).compareTo(MAX_CONTINUOUS) >= 0 || lingering.size() >= maxLingering) {
            release = takeOut(app, entry);
          } else {
            entry.inUse = false;
            entry.idleSince = System.nanoTime();
            lingering.put(app, entry);
            if (!entry.expiryScheduled) {
              entry.expiryScheduled = expireLater(app, entry, LINGER);
            }
          }
        }
        if (release != null) {
          releaseAdvisory(app, entry, release);
        }
      }
    } finally {
      entry.lock.unlock();
    }
  }

  /** Lets a lingering advisory lock go once it has been idle for {@link #LINGER}; runs on the expiry thread. */
  private void expire(AppName app, Entry entry) {
    Connection release = null;
    synchronized (entry) {
      if (entry.advisory == null) {
        entry.expiryScheduled = false;
      } else if (entry.inUse) {
        entry.expiryScheduled = expireLater(app, entry, LINGER); // its holder may keep it again: look later
      } else {
        Duration idle = elapsed(entry.idleSince);
        if (closed || idle.compareTo(LINGER) >= 0) {
          entry.expiryScheduled = false;
          release = takeOut(app, entry);
        } else {
          entry.expiryScheduled = expireLater(app, entry, LINGER.minus(idle));
        }
      }
    }
    if (release != null) {
      releaseAdvisory(app, entry, release);
    }
  }

  private boolean expireLater(AppName app, Entry entry, Duration delay) {
    try {
      expiry.schedule(() -> expire(app, entry), delay.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false; // closed: close() ends every session
    }
  }

  /** Takes the advisory lock's session out of the entry, to be released; called in the entry's monitor. */
  private Connection takeOut(AppName app, Entry entry) {
    Connection connection = entry.advisory;
    entry.advisory = null;
    entry.inUse = false;
    entry.epoch = 0;
    entry.released = new CountDownLatch(1);
    lingering.remove(app, entry);
    return connection;
  }

  private Connection takeAdvisory(AppName app, boolean wait) {
    boolean slot;
    try {
      slot = wait ? connections.tryAcquire(waitTimeout.toMillis(), TimeUnit.MILLISECONDS) : connections.tryAcquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConflictException("interrupted while waiting for the lock of app '" + app + "'");
    }
    if (!slot) {
      if (!wait) {
        return null;
      }
      throw new StoreException("this process holds as many app locks as it may (maxHeldAppLocks): the lock of app '" + app
          + "' waited " + waitTimeout + " for one of them to be released");
    }
    Connection connection = null;
    try {
      connection = advisoryPool.connection("take the lock of app '" + app + "'");
      try (PreparedStatement statement = connection.prepareStatement(
          wait ? "SELECT pg_advisory_lock(?), TRUE" : "SELECT TRUE, pg_try_advisory_lock(?)")) {
        statement.setLong(1, key(app));
        try (ResultSet rows = statement.executeQuery()) {
          rows.next();
          if (!rows.getBoolean(2)) {
            connection.close();
            connections.release();
            return null;
          }
        }
      }
      return connection;
    } catch (SQLException e) {
      if (connection != null) {
        advisoryPool.evict(connection); // its session may be in any state: end it
      }
      connections.release();
      if ("55P03".equals(e.getSQLState())) {
        throw busy(app);
      }
      throw advisoryPool.failure("take the lock of app '" + app + "'", e);
    } catch (RuntimeException | Error e) {
      if (connection != null) {
        advisoryPool.evict(connection);
      }
      connections.release();
      throw e;
    }
  }

  private void releaseAdvisory(AppName app, Entry entry, Connection connection) {
    CountDownLatch released;
    synchronized (entry) {
      released = entry.released;
    }
    try {
      if (closed) {
        advisoryPool.evict(connection); // the pool is closing: ending the session releases the lock
        return;
      }
      try (PreparedStatement statement = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
        statement.setLong(1, key(app));
        try (ResultSet rows = statement.executeQuery()) {
          if (rows.next() && !rows.getBoolean(1)) {
            log.warn("the lock of app '{}' was no longer held by its connection (the session was reset)", app);
          }
        }
      }
      connection.close();
    } catch (SQLException | RuntimeException e) {
      // Ending the session releases every advisory lock it holds.
      log.warn("releasing the lock of app '{}' failed ({}); closing its connection instead", app, e.toString());
      advisoryPool.evict(connection);
    } finally {
      connections.release();
      released.countDown();
    }
  }

  private static Duration elapsed(long sinceNanos) {
    return Duration.ofNanos(System.nanoTime() - sinceNanos);
  }

  /** The advisory lock key of an app: 64 bits of a hash of its name (a collision only makes two apps wait for each other). */
  static long key(AppName app) {
    return Hashing.sha256().hashString("io.deis.app-lock/" + app.value(), StandardCharsets.UTF_8).asLong();
  }

  private ConflictException busy(AppName app) {
    return new ConflictException("app '" + app + "' is busy: another operation held its lock for longer than " + waitTimeout
        + " (lockWaitTimeout); try again when it has finished");
  }

  /** Ends every session holding an advisory lock of this store, in use or lingering: PostgreSQL releases their locks. */
  @Override
  public void close() {
    closed = true;
    if (expiry != null) {
      expiry.shutdownNow();
    }
    if (advisoryPool != null) {
      entries.asMap().values().forEach(entry -> {
        Connection connection;
        synchronized (entry) {
          connection = entry.advisory;
        }
        if (connection != null) {
          advisoryPool.evict(connection);
        }
      });
      lingering.clear();
    }
  }
}
