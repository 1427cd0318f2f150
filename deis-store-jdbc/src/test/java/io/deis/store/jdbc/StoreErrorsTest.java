package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.error.StoreException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a failed statement's error carries: never the row the driver may quote, which can hold config values. */
class StoreErrorsTest {
  private static final String CANARY = "s3cret-canary-value";

  @TempDir
  Path tmp;

  @Test
  void aFailedWriteNamesItsSqlStateButNeitherQuotesNorCarriesTheDriversMessage() {
    try (JdbcStore store = JdbcStore.h2(tmp)) {
      SQLException driver = new SQLException("new row violates check constraint: (config)=({\"DB_PASSWORD\":\"" + CANARY + "\"})",
          "23514", 0);
      StoreException e = store.database().failure("save the next release of 'app'", driver);
      assertThat(e.getMessage()).isEqualTo("the store could not save the next release of 'app' (H2 SQL state 23514, code 0)");
      assertThat(e.getCause()).as("a cause would print the row with the stack trace").isNull();
    }
  }

  @Test
  void aConnectionFailureQuotesTheDriverWhoseMessageHoldsNoRow() {
    try (JdbcStore store = JdbcStore.h2(tmp)) {
      SQLException driver = new SQLTransientConnectionException("connection is not available, request timed out after 30000ms", "08001");
      StoreException e = store.database().failure("read the app 'app'", driver);
      assertThat(e.getMessage()).endsWith(": connection is not available, request timed out after 30000ms");
      assertThat(e.getCause()).isSameAs(driver);
    }
  }
}
