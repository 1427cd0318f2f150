package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.InvalidInputException;
import io.deis.error.StoreException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Formation;
import io.deis.model.Key;
import io.deis.model.SshPublicKey;
import io.deis.model.User;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the database, the bounds of the options, and the errors of a database that is not there or not free. */
class JdbcStoreOptionsTest {
  @TempDir
  Path tmp;

  @Test
  void aDatabaseMustBeChosenAndAPostgresUrlMustBeOne() {
    assertThatThrownBy(() -> JdbcStore.builder().build()).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("h2(dataDirectory) or postgres(jdbcUrl, user, password)");
    assertThatThrownBy(() -> JdbcStore.postgres("jdbc:mysql://db/deis?password=secret", "u", "p")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("jdbc:postgresql://HOST[:PORT]/DATABASE").hasMessageNotContaining("secret");
    assertThatThrownBy(() -> JdbcStore.postgres(null, "u", "p")).isInstanceOf(InvalidInputException.class).hasMessageContaining("JDBC URL");
    assertThatThrownBy(() -> JdbcStore.h2(null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("data directory");
  }

  @Test
  void everyBoundIsCheckedAndNamed() {
    assertThatThrownBy(() -> JdbcStore.builder().maximumPoolSize(0)).isInstanceOf(InvalidInputException.class)
        .hasMessage("maximumPoolSize 0 is out of range: use 1 to 200");
    assertThatThrownBy(() -> JdbcStore.builder().maxHeldAppLocks(1001)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("maxHeldAppLocks 1001");
    assertThatThrownBy(() -> JdbcStore.builder().connectionTimeout(Duration.ofMillis(10))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("connectionTimeout");
    assertThatThrownBy(() -> JdbcStore.builder().lockWaitTimeout(null)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("lockWaitTimeout null");
    assertThatThrownBy(() -> JdbcStore.builder().lockWaitTimeout(Duration.ofDays(2))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("use PT1S to PT24H");
  }

  @Test
  void anUnreachableServerFailsTheOpenAtOnceWithWhereItLooked() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort(); // nothing listens there once closed
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/deis?password=secret";
    assertThatThrownBy(() -> JdbcStore.builder().postgres(url, "deis", null).connectionTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("could not connect to PostgreSQL at jdbc:postgresql://127.0.0.1:" + port + "/deis?...")
        .hasMessageContaining("refused")
        .hasMessageNotContaining("secret");
  }

  @Test
  void nullAndTextADatabaseCannotHoldAreRefusedClearly() {
    try (JdbcStore store = JdbcStore.h2(tmp)) {
      assertThatThrownBy(() -> store.app(null)).isInstanceOf(InvalidInputException.class).hasMessage("app is missing (null)");
      assertThatThrownBy(() -> store.createUser(new User("eve", "eve@example.com", false, Instant.now()), "h\0"))
          .isInstanceOf(InvalidInputException.class).hasMessage("password hash contains a NUL character: remove it");
      assertThat(store.user("eve")).isEmpty();
      store.createUser(new User("eve", "eve@example.com", false, Instant.now()), "h");
      Key longName = new Key("k".repeat(300), "eve", SshPublicKey.parse(
          "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK x"), Instant.now());
      assertThatThrownBy(() -> store.addKey(longName)).isInstanceOf(InvalidInputException.class)
          .hasMessage("key id is 300 characters long: at most 255 are allowed");
      assertThat(store.keys("eve")).isEmpty();
      assertThatThrownBy(() -> store.holdLease("x".repeat(201), Duration.ofSeconds(5))).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> store.updateApp(new App(AppName.of("nope"), "eve", Instant.now(), Formation.EMPTY)))
          .isInstanceOf(io.deis.error.NotFoundException.class);
    }
  }

  @Test
  void anH2FileIsOpenedByOneProcessOnly() throws Exception {
    try (JdbcStore store = JdbcStore.h2(tmp)) {
      Path log = tmp.resolve("child.log");
      try (ChildJvm child = ChildJvm.start(OpenH2Child.class, log, tmp.toString())) {
        waitFor(child);
      }
      assertThat(Files.readString(log)).contains("refused: StoreException: the store could not connect to H2 at jdbc:h2:file:")
          .contains("The file is locked").contains("another process has this H2 file open");
      store.installation(); // this process's store is unharmed
    }
    Path log = tmp.resolve("after.log");
    try (ChildJvm child = ChildJvm.start(OpenH2Child.class, log, tmp.toString())) {
      waitFor(child);
    }
    assertThat(Files.readString(log)).as("free once closed").contains("opened ").doesNotContain("refused");
  }

  private static void waitFor(ChildJvm child) throws InterruptedException {
    for (int i = 0; i < 1200 && child.alive(); i++) { // a guard of 2 minutes, not a timing assertion
      Thread.sleep(100);
    }
    assertThat(child.alive()).isFalse();
  }
}
