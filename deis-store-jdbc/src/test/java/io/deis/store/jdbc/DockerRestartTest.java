package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Installation;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.scheduler.docker.DockerScheduler;
import io.deis.scheduler.docker.RequiresDocker;
import io.deis.scheduler.docker.TestDocker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On Docker the apps keep running while their controller is stopped: a controller restarted on
 * the same store is the same installation and adopts those very containers (same ids, still
 * answering), and goes on from there.
 */
@RequiresDocker
class DockerRestartTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final String APP = "jdbc-restart";

  @TempDir
  Path tmp;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void aRestartedControllerAdoptsTheContainersThatKeptRunning() throws Exception {
    Path data = tmp.resolve("data");
    Path repo = tmp.resolve("repo");
    Fixtures.commit(repo, "web: " + TestDocker.webCommand() + "\n");
    Installation installation;
    List<String> ids;
    try (JdbcStore store = JdbcStore.h2(data); Controller deis = controller(store, data)) {
      installation = TestDocker.track(deis.installation()); // TestDocker's sweep removes what this installation leaves
      deis.register(Fixtures.USER, Fixtures.PASSWORD, "alice@example.com");
      Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
      alice.createApp(APP);
      alice.setConfig(APP, Map.of("GREETING", "kept running"));
      assertThat(alice.deploy(APP, BuildSource.commit(repo, "HEAD")).version()).isEqualTo(3);
      alice.scale(APP, "web=2");
      ids = upIds(alice);
      assertThat(ids).hasSize(2);
      assertThat(get(alice.endpoints(APP).get(0))).isEqualTo("kept running");
    } // the controller and its scheduler close; Docker's containers keep running

    try (JdbcStore store = JdbcStore.h2(data); Controller deis = controller(store, data)) {
      assertThat(deis.installation()).isEqualTo(installation);
      Fixtures.reconcileOnceLeader(deis);
      Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
      List<Container> adopted = alice.ps(APP);
      assertThat(upIds(alice)).as("the same containers, adopted").containsExactlyInAnyOrderElementsOf(ids);
      assertThat(adopted).allSatisfy(c -> {
        assertThat(c.release()).isEqualTo(3);
        assertThat(c.history()).anySatisfy(h -> assertThat(h.cause()).isEqualTo("adopted"));
      });
      for (String url : alice.endpoints(APP)) {
        assertThat(get(url)).isEqualTo("kept running");
      }
      assertThat(alice.setConfig(APP, Map.of("GREETING", "and changed")).orElseThrow().version()).isEqualTo(4);
      assertThat(get(alice.endpoints(APP).get(0))).isEqualTo("and changed");
      alice.destroyApp(APP);
    }
  }

  private static Controller controller(JdbcStore store, Path data) {
    DockerScheduler docker = DockerScheduler.builder().stackImage(TestDocker.stackImage()).options(SchedulerContract.fastOptions()).build();
    return Fixtures.controller(store, data.resolve("controller")).scheduler(docker).build();
  }

  private static List<String> upIds(Session session) {
    return session.ps(APP).stream().filter(c -> c.state() == ContainerState.UP).map(Container::id).sorted().toList();
  }

  private static String get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())
        .body().strip();
  }
}
