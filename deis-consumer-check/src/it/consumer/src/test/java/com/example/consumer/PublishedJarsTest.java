package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deis.controller.Controller;
import io.deis.scheduler.docker.DockerScheduler;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The SDK's classes come from the installed jars (not a build directory), and each jar names its module. */
class PublishedJarsTest {

  @Test
  void deisCoreIsThePublishedJarAndNamesItsModule() throws Exception {
    assertPublished(Controller.class, "deis-core", "io.deis.core");
  }

  @Test
  void deisSchedulerDockerIsThePublishedJarAndNamesItsModule() throws Exception {
    assertPublished(DockerScheduler.class, "deis-scheduler-docker", "io.deis.scheduler.docker");
  }

  @Test
  void deisJunit5IsThePublishedJarAndNamesItsModule() throws Exception {
    assertPublished(io.deis.junit5.DeisExtension.class, "deis-junit5", "io.deis.junit5");
  }

  private static void assertPublished(Class<?> type, String artifactId, String moduleName) throws Exception {
    Path jar = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path repository = Path.of(System.getProperty("consumer.repository")).toRealPath();
    assertTrue(jar.toRealPath().startsWith(repository.resolve("io/deis/" + artifactId)),
        type.getName() + " comes from " + jar + ", not from the repository " + repository);
    assertTrue(jar.getFileName().toString().endsWith(".jar"), jar.toString());
    try (JarFile file = new JarFile(jar.toFile())) {
      assertEquals(moduleName, file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"),
          "Automatic-Module-Name of " + jar.getFileName());
    }
  }
}
