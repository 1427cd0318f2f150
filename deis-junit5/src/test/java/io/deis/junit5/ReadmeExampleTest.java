package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deis.controller.Session;
import io.deis.scheduler.docker.RequiresDocker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's JUnit 5 example, run as it is printed there: the code between the markers below is
 * the README's, character for character ({@link ReadmeExampleTest#theReadmePrintsThisCode} checks).
 * Only {@code @RequiresDocker}, the project's own "skip without a daemon, fail in CI" switch, is added.
 */
@RequiresDocker
// README example begins
@Deis(backend = Backend.DOCKER)
class ReadmeExampleTest {
  @Deployed
  static final DeisApp hello = DeisApp.fromDirectory("target/test-apps/hello")  // a Dockerfile app
      .withConfig("GREETING", "Howdy");

  static String get(URI url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString())
        .body().strip();
  }

  @Test
  void greets() throws Exception {
    assertEquals("Howdy", get(hello.url()));
  }

  @Test
  void changesConfigScalesRollsBackAndRunsCommands() throws Exception {
    Session deis = hello.session();
    deis.setConfig(hello.name(), Map.of("GREETING", "Hi"));  // a new release, zero downtime
    assertEquals("Hi", get(hello.url()));
    deis.scale(hello.name(), "cmd=2");
    deis.rollback(hello.name());                              // back to GREETING=Howdy
    assertEquals("Howdy", get(hello.url()));
    assertTrue(deis.run(hello.name(), "echo $GREETING").output().contains("Howdy"));
    assertTrue(deis.logs(hello.name(), 100).stream().anyMatch(line -> line.contains("rolled back")));
  }
  // README example ends

  @Test
  void theReadmePrintsThisCode() throws Exception {
    String source = Files.readString(Path.of("src/test/java/io/deis/junit5/ReadmeExampleTest.java"));
    String example = source.substring(source.indexOf("@Deis(backend"), source.indexOf("  // README example ends"));
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).as("README.md prints the example this test runs").contains(example);
  }
}
