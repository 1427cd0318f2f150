package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Container;
import io.deis.model.Release;
import io.deis.scheduler.RunResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK as a user's test drives it, on the embedded local runtime: no Docker needed. */
class LocalRuntimeTest {
  @TempDir
  Path tmp;

  @Test
  void aProcfileAppIsDeployedConfiguredScaledAndDestroyed() throws Exception {
    String app = Apps.uniqueName("consumer");
    try (Controller deis = Platforms.local()) {
      deis.register("alice", "alice-password", "alice@example.com");
      Session alice = deis.login("alice", "alice-password");
      alice.createApp(app);
      try {
        alice.setConfig(app, Map.of("GREETING", "hello from the local runtime"));
        Release deployed = alice.deploy(app, BuildSource.commit(Apps.procfileApp(tmp.resolve("app")), "HEAD"));
        assertEquals(3, deployed.version(), "v1 create, v2 config, v3 the build");
        assertEquals("hello from the local runtime", Apps.get(alice.endpoints(app).get(0)));

        alice.setConfig(app, Map.of("GREETING", "changed"));
        assertEquals("changed", Apps.get(alice.endpoints(app).get(0)));

        alice.scale(app, "web=2");
        List<Container> ps = alice.ps(app);
        assertEquals(2, ps.size(), "containers after web=2: " + ps);
        ps.forEach(c -> assertTrue(c.psLine().matches("web\\.[12] up \\(v4\\) 127\\.0\\.0\\.1:\\d+"), c.psLine()));

        RunResult run = alice.run(app, "echo one-off $GREETING");
        assertEquals(0, run.exitCode());
        assertEquals("one-off changed", run.output().strip());
        assertTrue(alice.logs(app, 100).stream().anyMatch(line -> line.contains("hello is listening")),
            "the app's own output is in its logs");
      } finally {
        alice.destroyApp(app);
      }
      assertTrue(deis.appNames().isEmpty(), "no app left after destroy");
    }
  }
}
