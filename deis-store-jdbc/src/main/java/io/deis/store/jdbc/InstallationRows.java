package io.deis.store.jdbc;

import io.deis.model.Installation;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** The installation's id and the reconciler lease: one row each. */
final class InstallationRows {
  private static final OffsetDateTime NEVER = Instant.EPOCH.atOffset(ZoneOffset.UTC);

  private final Database db;

  InstallationRows(Database db) {
    this.db = db;
  }

  /**
   * The installation's id, made on first use. Two processes opening a new database at once both
   * try to insert; the primary key lets one win, and both read the winner's id.
   */
  Installation installation() {
    return db.read("read the installation id", c -> {
      var existing = Sql.queryOne(c, "SELECT id FROM installation WHERE singleton = 1", rows -> rows.getString(1));
      if (existing.isPresent()) {
        return Installation.of(existing.get());
      }
      try {
        Sql.update(c, "INSERT INTO installation (singleton, id, created) VALUES (1, ?, CURRENT_TIMESTAMP)", Installation.generate().id());
      } catch (SQLException e) {
        if (!Database.uniqueViolation(e)) {
          throw e;
        }
      }
      return Installation.of(Sql.queryOne(c, "SELECT id FROM installation WHERE singleton = 1", rows -> rows.getString(1)).orElseThrow());
    });
  }

  /**
   * Takes the installation row's lock for the rest of the transaction: every change to who is an
   * administrator takes it, so those changes are serialized across processes.
   */
  static void lockUsers(Connection c) throws SQLException {
    Sql.queryOne(c, "SELECT singleton FROM installation WHERE singleton = 1 FOR UPDATE", rows -> rows.getInt(1));
  }

  /**
   * Takes or renews the lease, judged on the database's clock: the row is locked, its holder and
   * expiry read with the database's time, and written back only when free, expired or the caller's.
   */
  boolean hold(String holder, Duration ttl) {
    return db.transaction("take the reconciler lease", c -> {
      record Lease(String holder, OffsetDateTime expires, OffsetDateTime now) {}
      Lease lease = Sql.queryOne(c, "SELECT holder, expires, CURRENT_TIMESTAMP FROM reconciler_lease WHERE singleton = 1 FOR UPDATE",
          rows -> new Lease(rows.getString(1), rows.getObject(2, OffsetDateTime.class), rows.getObject(3, OffsetDateTime.class)))
          .orElseThrow(() -> new SQLException("the reconciler_lease row is missing", "02000"));
      boolean free = lease.holder() == null || lease.holder().equals(holder) || !lease.now().isBefore(lease.expires());
      if (free) {
        Sql.update(c, "UPDATE reconciler_lease SET holder = ?, expires = ? WHERE singleton = 1", holder,
            Database.timestamp(lease.now().toInstant().plus(ttl)));
      }
      return free;
    });
  }

  void release(String holder) {
    db.read("release the reconciler lease", c ->
        Sql.update(c, "UPDATE reconciler_lease SET holder = NULL, expires = ? WHERE singleton = 1 AND holder = ?", NEVER, holder));
  }
}
