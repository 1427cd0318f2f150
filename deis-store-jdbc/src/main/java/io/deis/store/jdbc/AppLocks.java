package io.deis.store.jdbc;

import com.google.common.hash.Hashing;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apps' operation locks. In this process an app's lock is a fair {@link ReentrantLock}, so
 * threads of one controller queue here, not in the database. With PostgreSQL the first hold also
 * takes a session-level advisory lock on a connection of its own, kept for as long as the lock is
 * held: every controller process sharing the database is excluded, and when a holder dies its
 * connection ends and PostgreSQL releases the lock. An H2 file is opened by one process only, so
 * there the in-process lock is the whole lock (shared by every store on the same file in this JVM).
 */
final class AppLocks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AppLocks.class);
  /** In-process locks per H2 database file, so two stores on one file in one JVM exclude each other. */
  private static final Map<String, Map<AppName, ReentrantLock>> H2_FILES = new ConcurrentHashMap<>();

  private final Map<AppName, ReentrantLock> local;
  private final Database advisoryPool; // null: in-process locks only
  private final Semaphore connections;
  private final Duration waitTimeout;
  private final Map<AppName, Connection> advisory = new ConcurrentHashMap<>();

  private AppLocks(Map<AppName, ReentrantLock> local, Database advisoryPool, int maxHeld, Duration waitTimeout) {
    this.local = local;
    this.advisoryPool = advisoryPool;
    this.connections = new Semaphore(maxHeld, true);
    this.waitTimeout = waitTimeout;
  }

  /** Locks held in this JVM only, shared by every store on the same H2 file. */
  static AppLocks inProcess(String h2File, Duration waitTimeout) {
    return new AppLocks(H2_FILES.computeIfAbsent(h2File, f -> new ConcurrentHashMap<>()), null, Integer.MAX_VALUE, waitTimeout);
  }

  /**
   * Locks shared by every process on the database, each held on a connection of {@code pool}
   * (sized {@code maxHeld}, with the lock wait timeout set on its sessions).
   */
  static AppLocks advisory(Database pool, int maxHeld, Duration waitTimeout) {
    return new AppLocks(new ConcurrentHashMap<>(), pool, maxHeld, waitTimeout);
  }

  Store.AppLock lock(AppName app) {
    ReentrantLock lock = local.computeIfAbsent(app, a -> new ReentrantLock(true));
    boolean taken;
    try {
      taken = lock.tryLock(waitTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConflictException("interrupted while waiting for the lock of app '" + app + "'");
    }
    if (!taken) {
      throw busy(app);
    }
    return holding(app, lock, true).orElseThrow(() -> busy(app));
  }

  Optional<Store.AppLock> tryLock(AppName app) {
    ReentrantLock lock = local.computeIfAbsent(app, a -> new ReentrantLock(true));
    if (!lock.tryLock()) {
      return Optional.empty();
    }
    return holding(app, lock, false);
  }

  /** With the in-process lock taken: takes the advisory lock on the first hold, or gives the local one back. */
  private Optional<Store.AppLock> holding(AppName app, ReentrantLock lock, boolean wait) {
    if (advisoryPool != null && lock.getHoldCount() == 1) {
      boolean held;
      try {
        held = takeAdvisory(app, wait);
      } catch (RuntimeException | Error e) {
        lock.unlock();
        throw e;
      }
      if (!held) {
        lock.unlock();
        return Optional.empty();
      }
    }
    AtomicBoolean closed = new AtomicBoolean();
    return Optional.of(() -> {
      if (closed.compareAndSet(false, true)) {
        release(app, lock);
      }
    });
  }

  private boolean takeAdvisory(AppName app, boolean wait) {
    boolean slot;
    try {
      slot = wait ? connections.tryAcquire(waitTimeout.toMillis(), TimeUnit.MILLISECONDS) : connections.tryAcquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConflictException("interrupted while waiting for the lock of app '" + app + "'");
    }
    if (!slot) {
      if (!wait) {
        return false;
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
            return false;
          }
        }
      }
      advisory.put(app, connection);
      return true;
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

  private void release(AppName app, ReentrantLock lock) {
    try {
      if (advisoryPool != null && lock.getHoldCount() == 1) {
        Connection connection = advisory.remove(app);
        if (connection != null) {
          releaseAdvisory(app, connection);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void releaseAdvisory(AppName app, Connection connection) {
    try {
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
    }
  }

  /** The advisory lock key of an app: 64 bits of a hash of its name (a collision only makes two apps wait for each other). */
  static long key(AppName app) {
    return Hashing.sha256().hashString("io.deis.app-lock/" + app.value(), StandardCharsets.UTF_8).asLong();
  }

  private ConflictException busy(AppName app) {
    return new ConflictException("app '" + app + "' is busy: another operation held its lock for longer than " + waitTimeout
        + " (lockWaitTimeout); try again when it has finished");
  }

  @Override
  public void close() {
    advisory.forEach((app, connection) -> advisoryPool.evict(connection));
    advisory.clear();
  }
}
