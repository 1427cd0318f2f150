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
   * The clause that locks selected rows for an update that changes no key: in PostgreSQL it leaves
   * foreign-key checks of other transactions free; H2 has one kind of row lock and takes none for them.
   */
  String rowLockKeepingKeys() {
    return this == POSTGRESQL ? "FOR NO KEY UPDATE" : "FOR UPDATE";
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
