package io.deis.junit5;

import static io.deis.junit5.FailureMessageTest.SECRET;
import static io.deis.junit5.FailureMessageTest.failure;
import static io.deis.junit5.FailureMessageTest.sessions;
import static org.assertj.core.api.Assertions.assertThat;

import io.deis.scheduler.docker.RequiresDocker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link FailureMessageTest} on Docker: a crashing Procfile app, and a Dockerfile whose build fails. */
@RequiresDocker
class FailureMessageOnDockerTest {

  @RunByUserRun
  static class FailingApp {
    @RegisterExtension
    static final DeisExtension deis = DeisExtension.builder().backend(Backend.DOCKER).docker(Apps::busyboxStack)
        .startupTimeout(Duration.ofSeconds(30)).build();

    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(Apps.failingApp()).withConfig("DATABASE_URL", SECRET);

    @Test
    void neverRuns() {}
  }

  @RunByUserRun
  static class BrokenDockerfile {
    @RegisterExtension
    static final DeisExtension deis = DeisExtension.builder().backend(Backend.DOCKER).build();

    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(brokenDockerfileApp());

    @Test
    void neverRuns() {}
  }

  @Test
  void aCrashingAppsLogLinesReachTheFailureMessageWithoutItsConfigValue() {
    Set<String> before = sessions();
    UserRun run = UserRun.of(Apps.parameters(), FailingApp.class);

    assertThat(failure(run))
        .contains("did not come up on Docker")
        .contains("build output (last")
        .contains("[web.1]: starting the failing app")
        .contains("[web.1]: cannot reach the database at <config DATABASE_URL>")
        .doesNotContain(SECRET);
    assertThat(sessions()).isEqualTo(before);
  }

  @Test
  void aFailedDockerBuildShowsItsOutput() {
    Set<String> before = sessions();
    UserRun run = UserRun.of(Apps.parameters(), BrokenDockerfile.class);

    assertThat(failure(run))
        .contains("BrokenDockerfile.app (directory ")
        .contains("did not come up on Docker")
        .contains("the build step that fails on purpose");
    assertThat(sessions()).isEqualTo(before);
  }

  static Path brokenDockerfileApp() {
    Path dir = Apps.dockerfileApp();
    try {
      Files.writeString(dir.resolve("Dockerfile"), """
          FROM scratch
          COPY busybox /bin/busybox
          RUN ["/bin/busybox", "sh", "-c", "echo the build step that fails on purpose; exit 7"]
          """);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return dir;
  }
}
