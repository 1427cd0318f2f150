package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.DeisException;
import io.deis.model.Container;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same through Docker: a Dockerfile app built on the daemon. Without a daemon it skips with one
 * line, unless -Ddeis.docker.required=true (CI: deis-consumer-check passes it on), where that is a failure.
 */
class DockerTest {
  @TempDir
  Path tmp;

  @Test
  void aDockerfileAppIsBuiltDeployedAndDestroyedOnDocker() throws Exception {
    String app = Apps.uniqueName("consumer");
    try (Controller deis = dockerOrSkip()) {
      deis.register("alice", "alice-password", "alice@example.com");
      Session alice = deis.login("alice", "alice-password");
      alice.createApp(app);
      try {
        alice.setConfig(app, Map.of("GREETING", "hello from docker"));
        alice.deploy(app, BuildSource.commit(Apps.dockerfileApp(tmp.resolve("app"), busybox()), "HEAD"));
        assertEquals("hello from docker", Apps.get(alice.endpoints(app).get(0)));

        List<Container> ps = alice.ps(app);
        assertEquals(1, ps.size(), "containers: " + ps);
        assertTrue(ps.get(0).psLine().matches("cmd\\.1 up \\(v3\\) 127\\.0\\.0\\.1:\\d+"), ps.get(0).psLine());
      } finally {
        alice.destroyApp(app);
      }
    }
  }

  private static Controller dockerOrSkip() {
    try {
      return Platforms.onDocker();
    } catch (DeisException e) {
      if (Boolean.getBoolean("deis.docker.required")) {
        throw new AssertionError("-Ddeis.docker.required=true and " + e.getMessage(), e);
      }
      System.err.println("Docker test skipped: " + e.getMessage());
      Assumptions.abort(e.getMessage());
      throw e;
    }
  }

  private static Path busybox() {
    Path busybox = Path.of("/bin/busybox");
    if (!Files.isExecutable(busybox)) {
      throw new AssertionError("the Docker test builds its image FROM scratch with a static /bin/busybox: "
          + "install Debian's busybox-static");
    }
    return busybox;
  }
}
