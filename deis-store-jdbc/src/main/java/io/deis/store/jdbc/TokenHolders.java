package io.deis.store.jdbc;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.deis.model.User;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL: who holds each API token, kept in memory, since every call of the controller asks
 * (one round trip each, a fifth of a config change). Every change that can alter an answer (a
 * token removed or given to another user, a user changed or deleted) sends a notification on
 * {@link #CHANNEL} in its own transaction, and every store listens on a connection of its own:
 * on any notification it forgets every answer it kept. So a token revoked through another
 * controller is refused here as soon as PostgreSQL delivers the notification, a few milliseconds
 * after the revocation commits.
 *
 * <p>The listening connection is checked every {@link #PING}; answers are kept only while it was
 * seen working within {@link #TRUSTED_FOR}, else every lookup reads the database, and everything is
 * forgotten whenever it is connected again (notifications sent meanwhile are lost). No answer is
 * kept longer than {@link #MAX_AGE} in any case. A lookup that raced a change keeps nothing.
 */
final class TokenHolders implements AutoCloseable {
  static final String CHANNEL = "deis_accounts";
  private static final Logger log = LoggerFactory.getLogger(TokenHolders.class);
  private static final Duration PING = Duration.ofSeconds(1);
  private static final Duration TRUSTED_FOR = Duration.ofSeconds(3);
  private static final Duration MAX_AGE = Duration.ofSeconds(10);
  private static final long MAX_TOKENS = 10_000;

  private final String jdbcUrl;
  private final Properties credentials;
  private final Cache<String, User> holders =
      CacheBuilder.newBuilder().maximumSize(MAX_TOKENS).expireAfterWrite(MAX_AGE.toNanos(), TimeUnit.NANOSECONDS).build();
  /** Counts {@link #forgetAll}s, so that a lookup which raced one keeps nothing. */
  private final AtomicLong forgotten = new AtomicLong();
  /** When the listening connection last answered (System.nanoTime), or 0 while it is not listening. */
  private volatile long lastSeenWorking;
  private volatile boolean closed;
  private volatile Connection listening;
  private final Thread listener;

  TokenHolders(String jdbcUrl, String user, String password) {
    this.jdbcUrl = jdbcUrl;
    this.credentials = new Properties();
    if (user != null) {
      credentials.setProperty("user", user);
    }
    if (password != null) {
      credentials.setProperty("password", password);
    }
    // A silently broken network fails a read within this, and the ping notices.
    credentials.setProperty("socketTimeout", Long.toString(TRUSTED_FOR.toSeconds() + 2));
    credentials.setProperty("ApplicationName", "deis-store-token-listener");
    this.listener = new Thread(this::listen, "deis-store-token-listener");
    listener.setDaemon(true);
    listener.start();
  }

  /** The token's holder: the kept answer while the listening connection works, else {@code read}'s. */
  Optional<User> holder(String tokenHash, Supplier<Optional<User>> read) {
    boolean trusted = trusted();
    if (trusted) {
      User kept = holders.getIfPresent(tokenHash);
      if (kept != null) {
        return Optional.of(kept);
      }
    }
    long stamp = forgotten.get();
    Optional<User> holder = read.get();
    if (trusted && holder.isPresent()) {
      synchronized (this) {
        if (forgotten.get() == stamp) {
          holders.put(tokenHash, holder.get());
        }
      }
    }
    return holder;
  }

  /** Sends the notification that makes every store forget; run it in the transaction of the change. */
  static void announce(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("NOTIFY " + CHANNEL);
    }
  }

  /** Forgets every kept answer: after a change through this store, and on every notification. */
  void forgetAll() {
    synchronized (this) {
      forgotten.incrementAndGet();
      holders.invalidateAll();
    }
  }

  private boolean trusted() {
    long seen = lastSeenWorking;
    return seen != 0 && System.nanoTime() - seen < TRUSTED_FOR.toNanos();
  }

  private void listen() {
    long backoffMillis = 100;
    while (!closed) {
      try (Connection connection = DriverManager.getConnection(jdbcUrl, credentials)) {
        listening = connection;
        if (closed) {
          return;
        }
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + CHANNEL);
        }
        forgetAll(); // what changed while nobody listened is not known
        lastSeenWorking = System.nanoTime();
        backoffMillis = 100;
        PGConnection notifications = connection.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] received = notifications.getNotifications((int) PING.toMillis());
          if (received != null && received.length > 0) {
            forgetAll();
          }
          try (Statement ping = connection.createStatement()) {
            ping.execute("SELECT 1"); // also delivers notifications that arrived meanwhile
          }
          received = notifications.getNotifications(1);
          if (received != null && received.length > 0) {
            forgetAll();
          }
          lastSeenWorking = System.nanoTime();
        }
      } catch (SQLException | RuntimeException e) {
        lastSeenWorking = 0;
        forgetAll();
        if (closed) {
          return;
        }
        log.warn("the store's token listener lost its connection ({}); tokens are read from the database until it is back", e.toString());
        try {
          Thread.sleep(backoffMillis);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoffMillis = Math.min(backoffMillis * 2, 5_000);
      }
    }
  }

  /** Stops listening: closing the connection ends a wait for notifications at once. */
  @Override
  public void close() {
    closed = true;
    lastSeenWorking = 0;
    listener.interrupt();
    Connection connection = listening;
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("closing the token listener's connection: {}", e.toString());
      }
    }
    try {
      listener.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
