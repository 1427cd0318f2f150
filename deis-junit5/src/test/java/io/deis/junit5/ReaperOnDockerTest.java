package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.Installation;
import io.deis.scheduler.docker.RequiresDocker;
import io.deis.scheduler.docker.TestDocker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link ReaperTest} on Docker: the killed JVM's containers, network and images are removed by the next run. */
@RequiresDocker
class ReaperOnDockerTest {

  @Test
  void theNextRunRemovesWhatAJvmKilledMidTestLeftOnDocker() throws Exception {
    Path sessions = Apps.SESSIONS.resolveSibling("deis-junit5-sessions-reaper-" + UUID.randomUUID());
    ReaperTest.Leftover left = ReaperTest.killMidTest(sessions, "docker",
        List.of("-Dtest.stackImage=" + TestDocker.stackImage()));
    // Should this test fail half way, the end-of-run sweep removes the child's objects: they are this run's.
    TestDocker.track(Installation.of(left.installation()));
    assertThat(dockerObjects(left.installation())).as("the killed JVM's Docker objects before the next run").isNotEmpty();

    ReaperTest.nextRun(sessions, "docker");
    ReaperTest.awaitGone(left);
    assertThat(dockerObjects(left.installation())).as("containers, networks and images of the killed JVM's installation").isEmpty();
  }

  /** The ids of every container, network and image labelled with the installation, as the docker CLI lists them. */
  static List<String> dockerObjects(String installation) throws IOException, InterruptedException {
    String label = "label=" + Installation.LABEL + "=" + installation;
    List<String> found = new java.util.ArrayList<>();
    for (List<String> list : List.of(List.of("ps", "-aq"), List.of("network", "ls", "-q"), List.of("images", "-q"))) {
      List<String> command = new java.util.ArrayList<>(List.of("docker"));
      command.addAll(list);
      command.addAll(List.of("--filter", label));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(p.waitFor()).as("%s: %s", command, out).isZero();
      out.lines().filter(l -> !l.isBlank()).forEach(l -> found.add(String.join(" ", list) + " " + l));
    }
    return found;
  }
}
