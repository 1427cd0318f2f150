package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Procfile app on the local runtime. */
class ProcfileAppOnLocalTest extends ProcfileAppContract {
  @RegisterExtension
  static final DeisExtension deis = DeisExtension.builder().backend(Backend.LOCAL).sessionsDirectory(Apps.SESSIONS).build();

  @Deployed
  static final DeisApp app = DeisApp.fromDirectory(Apps.procfileApp()).withConfig("GREETING", "Howdy").withHealthCheck("/");

  @Override
  DeisApp app() {
    return app;
  }

  @Test
  void runsOnTheLocalRuntime() {
    assertThat(app.backend()).isEqualTo(Backend.LOCAL);
    assertThat(app.url().getHost()).isEqualTo("127.0.0.1");
  }
}
