package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import io.deis.model.Config;
import io.deis.model.Release;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database made by an earlier version of the store is brought up to date when it opens, its data kept. */
class SchemaUpgradeTest {
  @TempDir
  Path data;

  @Test
  void aVersion1DatabaseKeepsItsReleasesAndNumbersOnFromThem() throws Exception {
    // What the store's first schema left: an app at v3 whose counter row said so.
    // The file where JdbcStore.h2(data) keeps its database, made here by the V1 script alone.
    String url = "jdbc:h2:file:" + data.toAbsolutePath().normalize().resolve("store/deis") + ";DB_CLOSE_ON_EXIT=FALSE";
    Flyway.configure().dataSource(url, "sa", "").locations(Database.MIGRATIONS).table(Database.HISTORY_TABLE)
        .target(MigrationVersion.fromVersion("1")).load().migrate();
    String config = ModelJson.config(Config.empty("c1", "alice", Instant.parse("2026-01-01T00:00:00Z")));
    try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
      s.execute("INSERT INTO apps (name, owner, created, structure, last_version) VALUES ('old', 'alice', CURRENT_TIMESTAMP, '{}', 3)");
      for (int v = 1; v <= 3; v++) {
        s.execute("INSERT INTO releases (app, version, uuid, owner, created, build, config, summary, status, failure) VALUES"
            + " ('old', " + v + ", 'u" + v + "', 'alice', CURRENT_TIMESTAMP, NULL, '" + config + "', 'v" + v + "', 'SUCCEEDED', NULL)");
      }
    }

    try (JdbcStore store = JdbcStore.h2(data)) {
      AppName old = AppName.of("old");
      assertThat(store.releases(old)).extracting(Release::version).containsExactly(1, 2, 3);
      Release v4 = store.appendRelease(old, v -> new Release("u" + v, old, v, "alice", Instant.now(), Optional.empty(),
          Config.empty("c" + v, "alice", Instant.now()), "alice changed nothing", Release.Status.SUCCEEDED, Optional.empty()));
      assertThat(v4.version()).isEqualTo(4);
      assertThat(store.latestRelease(old, Release.Status.SUCCEEDED)).map(Release::version).contains(4);
    }
    try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement();
        var rows = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'APPS' AND COLUMN_NAME = 'LAST_VERSION'")) {
      rows.next();
      assertThat(rows.getInt(1)).as("the counter column is gone").isZero();
    }
  }
}
