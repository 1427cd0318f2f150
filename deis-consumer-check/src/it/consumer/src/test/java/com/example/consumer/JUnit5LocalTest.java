package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deis.junit5.Backend;
import io.deis.junit5.Deis;
import io.deis.junit5.DeisApp;
import io.deis.junit5.Deployed;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** deis-junit5 from the published artifacts: a Procfile app deployed by the extension on the local runtime. */
@Deis(backend = Backend.LOCAL)
class JUnit5LocalTest {
  @Deployed
  static final DeisApp hello = DeisApp.fromDirectory(JUnit5DockerTest.unchecked(() -> Apps.procfileApp(Files.createTempDirectory("junit5-local"))))
      .withConfig("GREETING", "hello from deis-junit5");

  @Test
  void theExtensionDeployedTheAppAndGivesItsUrlAndSession() throws Exception {
    assertEquals("hello from deis-junit5", Apps.get(hello.url().toString()));
    hello.session().setConfig(hello.name(), Map.of("GREETING", "changed"));
    assertEquals("changed", Apps.get(hello.url().toString()));
    assertTrue(hello.session().logs(hello.name(), 100).stream().anyMatch(line -> line.contains("hello is listening")));
  }
}
