package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Container;
import io.deis.model.Release;
import io.deis.scheduler.Labels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The push flow end to end on Docker: a git commit -> the controller -> an image -> containers that answer. */
@RequiresDocker
class ControllerOnDockerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path tmp;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void aCommitIsBuiltIntoAnImageReleasedScaledAndDestroyedThroughTheController() throws Exception {
    Path repo = tmp.resolve("repo");
    Files.createDirectories(repo);
    Files.writeString(repo.resolve("Procfile"), "web: " + TestDocker.webCommand() + "\n");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Tester", "tester@example.com");
      git.commit().setMessage("app").setAuthor(who).setCommitter(who).call();
    }
    DockerClient docker = TestDocker.client();
    String app = "dt-controller";

    try (Controller deis = Controller.builder().scheduler(TestDocker.newScheduler()).dataDirectory(tmp.resolve("data"))
        .passwordHashIterations(1000).build()) {
      TestDocker.track(deis.installation());
      deis.register("alice", "alice-password", "");
      Session alice = deis.login("alice", "alice-password");
      alice.createApp(app);
      alice.setConfig(app, Map.of("GREETING", "hello from docker"));          // v2, no build yet

      List<String> progress = new ArrayList<>();
      Release v3 = alice.deploy(app, BuildSource.commit(repo, "HEAD"), progress::add);

      assertThat(v3.version()).isEqualTo(3);
      assertThat(v3.build().orElseThrow().image()).hasValueSatisfying(i -> assertThat(i).startsWith("deis-jvm/" + deis.installation().id() + "/" + app + ":"));
      assertThat(progress).contains("-----> Procfile declares types -> web", "       done, " + app + ":v3 deployed");
      assertThat(get(alice.endpoints(app).get(0))).isEqualTo("hello from docker");

      Release v4 = alice.setConfig(app, Map.of("GREETING", "changed")).orElseThrow();
      assertThat(get(alice.endpoints(app).get(0))).isEqualTo("changed");
      alice.scale(app, "web=2");
      assertThat(alice.ps(app)).extracting(Container::psLine)
          .allSatisfy(line -> assertThat(line).matches("web\\.[12] up \\(v" + v4.version() + "\\) 127\\.0\\.0\\.1:\\d+"));
      assertThat(docker.listContainersCmd().withLabelFilter(Labels.forApp(deis.installation(), io.deis.model.AppName.of(app))).exec()).hasSize(2);

      alice.destroyApp(app);
      assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Labels.forApp(deis.installation(), io.deis.model.AppName.of(app))).exec())
          .isEmpty();
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body().strip();
  }
}
