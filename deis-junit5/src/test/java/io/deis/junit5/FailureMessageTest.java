package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * When an app does not come up, the user's test fails with the build's output and the containers'
 * last log lines in its message, never a config value, and nothing of the app is left. On the
 * local runtime; {@link FailureMessageOnDockerTest} does the same on Docker.
 */
class FailureMessageTest {
  static final String SECRET = "canary-" + UUID.randomUUID();

  /** A user's test class whose app exits at once, printing its config value. */
  @RunByUserRun
  static class FailingApp {
    @RegisterExtension
    static final DeisExtension deis = DeisExtension.builder().backend(Backend.LOCAL).startupTimeout(Duration.ofSeconds(30)).build();

    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(Apps.failingApp()).withConfig("DATABASE_URL", SECRET);

    @Test
    void neverRuns() {}
  }

  /** A user's test class that asks the local runtime for a Dockerfile app. */
  @RunByUserRun
  static class DockerfileAppOnLocal {
    @RegisterExtension
    static final DeisExtension deis = DeisExtension.builder().backend(Backend.LOCAL).build();

    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(Apps.dockerfileApp());

    @Test
    void neverRuns() {}
  }

  @Test
  void aFailingAppsLogLinesAndBuildOutputReachTheFailureMessageWithoutItsConfigValue() {
    Set<String> before = sessions();
    UserRun run = UserRun.of(Apps.parameters(), FailingApp.class);

    assertThat(run.tests()).as("the test body never runs: %s", run).isEmpty();
    String message = failure(run);
    assertThat(message)
        .contains("FailingApp.app (directory " + Apps.SESSIONS.getParent().resolve("test-apps-made"))
        .contains("did not come up on the local runtime")
        .contains("build output (last")
        .contains("-----> Local runtime: nothing to build")
        .contains("last log lines of its containers")
        .contains("[web.1]: starting the failing app")
        .contains("[web.1]: cannot reach the database at <config DATABASE_URL>")
        .doesNotContain(SECRET);
    assertThat(sessions()).as("the failed session removed everything, its record too").isEqualTo(before);
  }

  @Test
  void aDockerfileAppOnTheLocalRuntimeIsRefusedSayingItNeedsDocker() {
    Set<String> before = sessions();
    UserRun run = UserRun.of(Apps.parameters(), DockerfileAppOnLocal.class);

    assertThat(failure(run))
        .contains("io.deis.error.InvalidInputException")
        .contains("DockerfileAppOnLocal.app: a Dockerfile app")
        .contains("has a Dockerfile and no Procfile) needs Docker")
        .contains("runs on the local runtime (DeisExtension.builder().backend(LOCAL))");
    assertThat(sessions()).isEqualTo(before);
  }

  /** The one failure of a run: the class's. */
  static String failure(UserRun run) {
    assertThat(run.failures()).as("%s", run).hasSize(1);
    return run.failures().get(0).failureMessage();
  }

  /** The session records in this run's sessions directory. */
  static Set<String> sessions() {
    if (!Files.isDirectory(Apps.SESSIONS)) {
      return Set.of();
    }
    try (Stream<Path> list = Files.list(Apps.SESSIONS)) {
      return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
