package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.User;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL: a store keeps token holders only while its listening connection works
 * ({@link TokenHolders}). When that connection is cut, a revocation made meanwhile through another
 * store must not be missed.
 */
@RequiresPostgres
class TokenListenerTest {

  @Test
  void aRevocationWhileTheListenerIsCutIsNotMissed() throws Exception {
    String url = TestPostgres.newDatabase();
    try (JdbcStore here = JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD);
         JdbcStore elsewhere = JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD)) {
      here.createUser(new User("alice", "alice@example.com", false, Instant.now()), "h");
      here.addToken("ta", "alice");
      for (int round = 0; round < 5; round++) {
        String token = "t" + round;
        elsewhere.addToken(token, "alice");
        assertThat(here.tokenHolder(token)).as("kept by this store").isPresent();
        assertThat(cutListeners(url)).as("listening connections cut").isEqualTo(2);
        elsewhere.removeToken(token); // its notification may reach nobody here
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (here.tokenHolder(token).isPresent()) {
          assertThat(System.nanoTime()).as("the revoked token %s is still accepted after 5 s", token).isLessThan(deadline);
          Thread.sleep(10);
        }
        Thread.sleep(500); // the listeners connect again: what this store kept must not come back
        assertThat(here.tokenHolder(token)).as("the revoked token %s once the listener is back", token).isEmpty();
      }
      assertThat(here.tokenHolder("ta")).as("a token never revoked").isPresent();
    }
  }

  /** Ends the sessions of both stores' token listeners, as a network fault would. */
  private static int cutListeners(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url, TestPostgres.USER, TestPostgres.PASSWORD);
         Statement s = c.createStatement();
         ResultSet rows = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             + " WHERE application_name = 'deis-store-token-listener' AND datname = current_database()")) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
