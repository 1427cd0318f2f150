package io.deis.junit5;

import static io.deis.junit5.Apps.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Session;
import io.deis.model.ContainerState;
import io.deis.scheduler.RunResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a user does with a deployed Procfile app, the same on every backend: each backend's test
 * class deploys the app in a static field and runs these tests on it.
 */
abstract class ProcfileAppContract {

  /** The app of the backend's class: deployed with GREETING=Howdy and a health check on /. */
  abstract DeisApp app();

  @Test
  void answersAtItsUrlWithItsConfig() {
    assertThat(get(app().url())).isEqualTo("Howdy");
    assertThat(get(app().url("/index.html"))).isEqualTo("Howdy");
  }

  @Test
  void changesConfigScalesRollsBackReadsLogsAndRunsCommands() {
    Session deis = app().session();
    String name = app().name();

    deis.setConfig(name, Map.of("GREETING", "Hi"));
    assertThat(get(app().url())).isEqualTo("Hi");

    deis.scale(name, "web=2");
    assertThat(deis.ps(name)).filteredOn(c -> c.state() == ContainerState.UP).hasSize(2);

    deis.rollback(name);
    assertThat(get(app().url())).isEqualTo("Howdy");
    assertThat(deis.ps(name)).as("a rollback keeps the formation").filteredOn(c -> c.state() == ContainerState.UP).hasSize(2);

    RunResult run = deis.run(name, "echo \"run says $GREETING\"; test -e Procfile && test ! -e ignored.txt");
    assertThat(run.exitCode()).as("the build holds what git push would: the Procfile, not the ignored file; %s", run.output()).isZero();
    assertThat(run.output()).contains("run says Howdy");

    assertThat(deis.logs(name, 200))
        .anyMatch(line -> line.contains("[web.1]: web listening on"))
        .anyMatch(line -> line.contains("rolled back to v3"));

    deis.scale(name, "web=1");
  }
}
