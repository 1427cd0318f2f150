package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Installation;
import io.deis.model.Release;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller restarted on the same store (and data directory) is the same installation: it
 * sees its users, tokens, keys, apps and releases, starts the current release again at its
 * formation on the local runtime (whose processes ended with the first controller), and rolls back
 * to an old release, whose build it finds in the data directory.
 */
class RestartTest {
  private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK alice@laptop";

  @TempDir
  Path tmp;

  @Test
  void onH2() throws Exception {
    Path data = tmp.resolve("data");
    restartAndCheck(() -> JdbcStore.h2(data), data);
  }

  @Test
  @RequiresPostgres
  void onPostgres() throws Exception {
    String url = TestPostgres.newDatabase();
    restartAndCheck(() -> JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD), tmp.resolve("data"));
  }

  private void restartAndCheck(Supplier<JdbcStore> open, Path data) throws Exception {
    Path repo = tmp.resolve("repo");
    String first = Fixtures.commit(repo, "worker: echo first; exec sleep 1000\n");
    Installation installation;
    String token;
    try (JdbcStore store = open.get(); Controller deis = Fixtures.controller(store, data.resolve("controller")).build()) {
      installation = deis.installation();
      deis.register(Fixtures.USER, Fixtures.PASSWORD, "alice@example.com");
      Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
      token = alice.token().orElseThrow();
      alice.addKey("laptop", KEY);
      alice.createApp("kept");
      assertThat(alice.deploy("kept", BuildSource.commit(repo, "HEAD")).version()).isEqualTo(2);
      alice.scale("kept", "worker=2");
      assertThat(alice.setConfig("kept", Map.of("GREETING", "hello")).orElseThrow().version()).isEqualTo(3);
      Fixtures.commit(repo, "worker: echo second; exec sleep 1000\n");
      assertThat(alice.deploy("kept", BuildSource.commit(repo, "HEAD")).version()).isEqualTo(4);
      assertThat(running(alice)).containsExactly("worker.1 v4", "worker.2 v4");
    } // the local runtime's processes end with the controller

    try (JdbcStore store = open.get(); Controller deis = Fixtures.controller(store, data.resolve("controller")).build()) {
      assertThat(deis.installation()).as("the same installation").isEqualTo(installation);
      Session alice = deis.authenticate(token); // a token issued before the restart
      assertThat(deis.login(Fixtures.USER, Fixtures.PASSWORD).user().admin()).isTrue();
      assertThat(alice.keys()).extracting(k -> k.id()).containsExactly("laptop");
      assertThat(deis.authenticateKey(alice.keys().get(0).fingerprint()).user().username()).isEqualTo(Fixtures.USER);
      assertThat(alice.releases("kept")).extracting(Release::version, Release::status).containsExactly(
          org.assertj.core.groups.Tuple.tuple(1, Release.Status.SUCCEEDED), org.assertj.core.groups.Tuple.tuple(2, Release.Status.SUCCEEDED),
          org.assertj.core.groups.Tuple.tuple(3, Release.Status.SUCCEEDED), org.assertj.core.groups.Tuple.tuple(4, Release.Status.SUCCEEDED));
      assertThat(alice.app("kept").structure().toString()).isEqualTo("worker=2");

      // The previous controller gave its lease up on close: this one reconciles at once and starts v4 again.
      Fixtures.reconcileOnceLeader(deis);
      assertThat(running(alice)).containsExactly("worker.1 v4", "worker.2 v4");

      // The builds live under the data directory, not in a temporary one, so an old release rolls back.
      Path builds = data.resolve("controller").toAbsolutePath();
      assertThat(alice.release("kept", 2).build().orElseThrow().sourceTree().orElseThrow()).startsWith(builds);
      Release rolledBack = alice.rollback("kept", 2);
      assertThat(rolledBack.version()).isEqualTo(5);
      assertThat(rolledBack.build().orElseThrow().sha()).hasValue(first);
      assertThat(running(alice)).containsExactly("worker.1 v5", "worker.2 v5");
      assertThat(alice.logs("kept", 100)).anyMatch(line -> line.contains("first"));
    }
  }

  /** The up containers as "type.num vN", sorted. */
  private static List<String> running(Session session) {
    return session.ps("kept").stream().filter(c -> c.state() == ContainerState.UP)
        .map(c -> c.type() + "." + c.num() + " v" + c.release()).sorted().toList();
  }
}
