package io.deis.store.jdbc;

import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * PostgreSQL: the index of releases by status becomes an index of the PENDING ones only. Each
 * append paid for the full index (a config change costs a fifth more with it), while the reads it
 * served need little: the current release is the newest SUCCEEDED one, found from the primary key's
 * end (and kept by {@link AppRows} while its app's lock is held), and only the reconciler's look for
 * PENDING releases would read an app's whole history without one. H2 has no partial indexes and
 * keeps the full one. A Java migration because the two databases differ.
 */
final class V3__Pending_releases_index extends BaseJavaMigration {
  @Override
  public void migrate(Context context) throws Exception {
    String product = context.getConnection().getMetaData().getDatabaseProductName();
    if (!product.toLowerCase(java.util.Locale.ROOT).contains("postgres")) {
      return;
    }
    try (Statement statement = context.getConnection().createStatement()) {
      statement.execute("CREATE INDEX releases_pending ON releases (app, version) WHERE status = 'PENDING'");
      statement.execute("DROP INDEX releases_by_status");
    }
  }
}
