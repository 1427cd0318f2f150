package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The SDK on a module path, as a modular application would run it (java --module-path ...
 * --add-modules ALL-MODULE-PATH): its jars are automatic modules named io.deis.core and
 * io.deis.scheduler.docker, and with their dependencies they resolve (no two jars with one module
 * name, no package in two modules) and run.
 */
class ModulePathTest {

  @Test
  void theSdkAndItsDependenciesResolveAndRunAsModules() throws Exception {
    Path[] jars = Arrays.stream(System.getProperty("consumer.runtime.classpath").split(File.pathSeparator))
        .map(Path::of).toArray(Path[]::new);
    ModuleFinder finder = ModuleFinder.of(jars);
    Set<String> all = finder.findAll().stream().map(ModuleReference::descriptor)
        .map(d -> d.name()).collect(Collectors.toSet());
    assertTrue(all.containsAll(Set.of("io.deis.core", "io.deis.scheduler.docker")), "modules found: " + all);

    // The boot layer of this class-path JVM holds the JDK's modules (java.net.http among them),
    // which automatic modules read without declaring them.
    Configuration configuration = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), all);
    ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());

    Class<?> controllerType = layer.findLoader("io.deis.core").loadClass("io.deis.controller.Controller");
    assertEquals("io.deis.core", controllerType.getModule().getName());
    assertEquals("io.deis.scheduler.docker", layer.findLoader("io.deis.scheduler.docker")
        .loadClass("io.deis.scheduler.docker.DockerScheduler").getModule().getName());

    // Real work inside the layer: a controller on the local runtime, a user registered, an app created.
    Object builder = controllerType.getMethod("builder").invoke(null);
    builder = builder.getClass().getMethod("passwordHashIterations", int.class).invoke(builder, Platforms.TEST_HASH_ITERATIONS);
    try (AutoCloseable deis = (AutoCloseable) builder.getClass().getMethod("build").invoke(builder)) {
      controllerType.getMethod("register", String.class, String.class, String.class)
          .invoke(deis, "alice", "alice-password", "alice@example.com");
      Object alice = controllerType.getMethod("login", String.class, String.class).invoke(deis, "alice", "alice-password");
      Method createApp = alice.getClass().getMethod("createApp", String.class);
      Object app = createApp.invoke(alice, Apps.uniqueName("modular"));
      assertEquals("io.deis.core", app.getClass().getModule().getName());
    }
  }
}
