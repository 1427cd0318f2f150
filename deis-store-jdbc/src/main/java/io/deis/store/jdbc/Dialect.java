package io.deis.store.jdbc;

/** The databases the store runs on, and the little that differs between them. */
enum Dialect {
  /** H2 in file mode: one process opens the file, so app locks are held in that process. */
  H2("H2"),
  /** PostgreSQL: several controller processes may share it; app locks are advisory locks. */
  POSTGRESQL("PostgreSQL");

  private final String displayName;

  Dialect(String displayName) {
    this.displayName = displayName;
  }

  String displayName() {
    return displayName;
  }

  /**
   * One statement that adds one to the app's last version and returns the new value, holding the
   * row's lock for the rest of the transaction (the parameter is the app's name).
   */
  String nextVersion() {
    return this == POSTGRESQL
        ? "UPDATE apps SET last_version = last_version + 1 WHERE name = ? RETURNING last_version"
        : "SELECT last_version FROM FINAL TABLE (UPDATE apps SET last_version = last_version + 1 WHERE name = ?)";
  }

  static Dialect of(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:h2:")) {
      return H2;
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new io.deis.error.InvalidInputException("JDBC URL '" + Database.redact(jdbcUrl)
        + "' is not supported: use jdbc:postgresql://HOST[:PORT]/DATABASE, or JdbcStore.h2(dataDirectory) for an embedded file");
  }
}
