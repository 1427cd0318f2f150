package io.deis.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.deis.error.StoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool and the one way every statement runs: {@link #transaction} (committed
 * before it returns, rolled back on any failure, retried when the database itself rolled it back
 * for a deadlock or a serialization failure) or {@link #read} (one autocommit connection).
 * SQL errors become a {@link StoreException} naming the operation and the SQL state; a
 * {@link io.deis.error.DeisException} thrown by the work (a conflict, a missing app) passes through
 * after the rollback.
 */
final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final int ATTEMPTS = 5;
  /** Where the versioned schema scripts live; apart from db/migration so an embedding program's own Flyway scripts never mix in. */
  static final String MIGRATIONS = "classpath:io/deis/store/jdbc/migration";
  /** Flyway's history table, named for this store so it can share a schema with other Flyway users. */
  static final String HISTORY_TABLE = "deis_schema_history";

  final Dialect dialect;
  private final HikariDataSource pool;

  /** What a transaction or a read does with its connection. */
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  Database(Dialect dialect, String jdbcUrl, String user, String password, String poolName, int maximumPoolSize,
      Duration connectionTimeout, String connectionInitSql) {
    this.dialect = dialect;
    HikariConfig config = new HikariConfig();
    config.setPoolName(poolName);
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(maximumPoolSize);
    config.setMinimumIdle(Math.min(2, maximumPoolSize));
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setAutoCommit(true);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    if (connectionInitSql != null) {
      config.setConnectionInitSql(connectionInitSql);
    }
    // Fail when the store opens if the database cannot be reached, rather than on the first call: a
    // server gets the connection timeout to answer; an H2 file either opens or not, so it gets one try.
    config.setInitializationFailTimeout(dialect == Dialect.H2 ? 1 : connectionTimeout.toMillis());
    try {
      this.pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      String why = rootMessage(e);
      if (dialect == Dialect.H2 && why.contains("locked")) {
        why += " (another process has this H2 file open, and H2 lets one process open it: stop that process, "
            + "or keep the state in PostgreSQL to run several controllers)";
      }
      throw new StoreException("the store could not connect to " + dialect.displayName() + " at " + redact(jdbcUrl) + ": " + why, e);
    }
  }

  /** Applies the versioned schema scripts the database does not have yet. */
  void migrate() {
    try {
      Flyway.configure(Database.class.getClassLoader())
          .dataSource(pool)
          .locations(MIGRATIONS)
          .javaMigrations(new V3__Pending_releases_index())
          .table(HISTORY_TABLE)
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new StoreException("the store could not bring its schema up to date: " + e.getMessage(), e);
    }
  }

  /**
   * Runs {@code work} in one transaction and commits it before returning. A deadlock or a
   * serialization failure (the database rolled the whole transaction back) is retried from the
   * start, so {@code work} must not act on anything outside the connection.
   */
  <T> T transaction(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = pool.getConnection()) {
        connection.setAutoCommit(false);
        try {
          T result = work.run(connection);
          connection.commit();
          return result;
        } catch (SQLException | RuntimeException | Error e) {
          rollback(connection);
          throw e;
        }
      } catch (SQLException e) {
        if (retryable(e) && attempt < ATTEMPTS) {
          log.debug("{}: the database rolled the transaction back ({}), trying again", what, e.getSQLState());
          continue;
        }
        throw failure(what, e);
      }
    }
  }

  /** Runs {@code work} on one connection in autocommit mode: reads, and single statements that are atomic on their own. */
  <T> T read(String what, Work<T> work) {
    try (Connection connection = pool.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /** A connection of its own, for a lock held on it (the caller closes it). */
  Connection connection(String what) {
    try {
      return pool.getConnection();
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /** Closes a connection at once instead of returning it to the pool: it may hold session state (an advisory lock). */
  void evict(Connection connection) {
    pool.evictConnection(connection);
  }

  @Override
  public void close() {
    pool.close();
  }

  // ---------------------------------------------------------------- errors

  static boolean uniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState());
  }

  static boolean foreignKeyViolation(SQLException e) {
    return "23503".equals(e.getSQLState()) || "23506".equals(e.getSQLState());
  }

  static boolean retryable(SQLException e) {
    String state = e.getSQLState();
    return "40001".equals(state) || "40P01".equals(state);
  }

  /**
   * The error for a failed statement. Only connection and authorization errors quote the driver's
   * message or carry its exception: others may quote the row being written, and a release's row
   * holds config values, which would reach any log that prints the exception with its causes.
   * Those carry only their SQL state, code and (at debug level, here) the driver's exception class.
   */
  StoreException failure(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    boolean quotable = e instanceof SQLTransientConnectionException || state.startsWith("08") || state.startsWith("28")
        || state.startsWith("3D") || state.startsWith("57") || state.startsWith("53");
    String message = "the store could not " + what + " (" + dialect.displayName() + " SQL state "
        + (state.isEmpty() ? "unknown" : state) + ", code " + e.getErrorCode() + ")";
    if (quotable) {
      return new StoreException(message + ": " + e.getMessage(), e);
    }
    log.debug("{}: {}", message, e.getClass().getName());
    return new StoreException(message);
  }

  private static void rollback(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      log.debug("rollback failed; the pool discards the connection", e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }

  /** A JDBC URL without its query part, which may carry a password. */
  static String redact(String jdbcUrl) {
    int query = jdbcUrl.indexOf('?');
    return query < 0 ? jdbcUrl : jdbcUrl.substring(0, query) + "?...";
  }

  // ---------------------------------------------------------------- values

  /** Instants are kept to the microsecond, the precision of both databases' timestamps. */
  static Instant stored(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MICROS);
  }

  static OffsetDateTime timestamp(Instant instant) {
    return stored(instant).atOffset(ZoneOffset.UTC);
  }

  static Instant instant(ResultSet rows, String column) throws SQLException {
    OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
