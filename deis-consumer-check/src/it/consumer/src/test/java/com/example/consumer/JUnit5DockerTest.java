package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.deis.junit5.Backend;
import io.deis.junit5.Deis;
import io.deis.junit5.DeisApp;
import io.deis.junit5.Deployed;
import io.deis.scheduler.docker.DockerScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * deis-junit5 from the published artifacts: a Dockerfile app deployed by the extension on Docker.
 * Without a daemon it skips with one line, unless -Ddeis.docker.required=true (CI), where it runs and fails.
 */
@EnabledIf("dockerAnswersOrIsRequired")
@Deis(backend = Backend.DOCKER)
class JUnit5DockerTest {
  @Deployed
  static final DeisApp hello = DeisApp.fromDirectory(unchecked(() -> Apps.dockerfileApp(Files.createTempDirectory("junit5-docker").resolve("app"),
      Path.of("/bin/busybox")))).withConfig("GREETING", "hello from deis-junit5 on docker");

  @Test
  void theExtensionDeployedTheAppOnDocker() throws Exception {
    assertEquals("hello from deis-junit5 on docker", Apps.get(hello.url().toString()));
    assertEquals(Backend.DOCKER, hello.backend());
  }

  static boolean dockerAnswersOrIsRequired() {
    if (Boolean.getBoolean("deis.docker.required")) {
      return true;
    }
    try (DockerScheduler probe = DockerScheduler.builder().build()) {
      return true;
    } catch (RuntimeException e) {
      System.err.println("Docker test skipped: " + e.getMessage());
      return false;
    }
  }

  static Path unchecked(Callable<Path> make) {
    try {
      return make.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
