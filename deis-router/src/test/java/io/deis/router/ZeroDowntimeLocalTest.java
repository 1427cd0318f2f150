package io.deis.router;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.local.LocalRuntime;
import io.deis.scheduler.RuntimeScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero downtime, measured, on the embedded local runtime: continuous HTTP load through a router
 * that follows the controller while the app is redeployed, scaled up and down and rolled back.
 * Not one request may fail or get a status outside 2xx.
 */
class ZeroDowntimeLocalTest {
  @TempDir
  Path tmp;

  @Test
  void deploysScalesAndRollbacksUnderLoadLoseNoRequest() throws Exception {
    Path repo = tmp.resolve("repo");
    Files.createDirectories(repo);
    // The web process: TestUpstream's main, a JDK HTTP server in a JVM of its own, answering $GREETING.
    Path classes = Path.of(TestUpstream.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Files.writeString(repo.resolve("Procfile"), "web: exec java -Xmx32m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
        + classes + "' " + TestUpstream.class.getName() + "\n");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Tester", "tester@example.com");
      git.commit().setMessage("app").setAuthor(who).setCommitter(who).call();
    }
    RuntimeScheduler.Options fast = RuntimeScheduler.Options.defaults().withStopGrace(Duration.ofSeconds(2))
        .withMinUptime(Duration.ofMillis(500));
    RuntimeScheduler scheduler = new RuntimeScheduler(new LocalRuntime(tmp.resolve("runtime")), fast);
    try (Controller deis = Controller.builder().scheduler(scheduler).dataDirectory(tmp.resolve("data"))
        .passwordHashIterations(1000).build();
        Router router = Router.builder().controller(deis).port(0).ioThreads(2).build().start()) {
      deis.register("alice", "alice-password", "");
      Session alice = deis.login("alice", "alice-password");
      ZeroDowntime.scenario(alice, router, "zdt", repoSource(repo), "/", Map.of());
    }
  }

  static BuildSource repoSource(Path repo) {
    return BuildSource.commit(repo, "HEAD");
  }
}
