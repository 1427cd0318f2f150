package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.scheduler.docker.RequiresDocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Procfile app on Docker, on the busybox stack image. */
@RequiresDocker
class ProcfileAppOnDockerTest extends ProcfileAppContract {
  @RegisterExtension
  static final DeisExtension deis = DeisExtension.builder().backend(Backend.DOCKER).docker(Apps::busyboxStack)
      .sessionsDirectory(Apps.SESSIONS).build();

  @Deployed
  static final DeisApp app = DeisApp.fromDirectory(Apps.procfileApp()).withConfig("GREETING", "Howdy").withHealthCheck("/");

  @Override
  DeisApp app() {
    return app;
  }

  @Test
  void runsOnDocker() {
    assertThat(app.backend()).isEqualTo(Backend.DOCKER);
    assertThat(app.session().run(app.name(), "echo $PORT").output().strip()).as("Docker's default PORT inside the container")
        .isEqualTo("5000");
  }
}
