package io.deis.scheduler.docker;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.router.Router;
import io.deis.router.ZeroDowntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's zero-downtime scenario ({@link ZeroDowntime}) on the real Docker daemon: images
 * built from a pushed commit ({@code FROM scratch} plus busybox), containers reached through
 * their published ports, continuous GETs and POSTs through a router that follows the controller
 * while the app is redeployed, scaled up and down and rolled back. The web process is busybox
 * httpd with a CGI script, so that POSTs are answered too.
 */
@RequiresDocker
class RouterZeroDowntimeTest {
  /** Serves $GREETING from /cgi-bin/hello for any method. */
  static final String WEB = "mkdir -p /tmp/www/cgi-bin && printf '#!/bin/sh\\necho \"Content-Type: text/plain\"\\necho\\n"
      + "echo \"$GREETING\"\\n' > /tmp/www/cgi-bin/hello && chmod +x /tmp/www/cgi-bin/hello && exec httpd -f -p \"$PORT\" -h /tmp/www";

  @TempDir
  Path tmp;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void deploysScalesAndRollbacksUnderLoadLoseNoRequest() throws Exception {
    Path repo = tmp.resolve("repo");
    Files.createDirectories(repo);
    Files.writeString(repo.resolve("Procfile"), "web: " + WEB + "\n");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Tester", "tester@example.com");
      git.commit().setMessage("app").setAuthor(who).setCommitter(who).call();
    }
    DockerScheduler scheduler = TestDocker.newScheduler();
    try (Controller deis = Controller.builder().scheduler(scheduler).dataDirectory(tmp.resolve("data"))
        .passwordHashIterations(1000).build();
        Router router = Router.builder().controller(deis).port(0).ioThreads(2).build().start()) {
      deis.register("alice", "alice-password", "");
      Session alice = deis.login("alice", "alice-password");
      ZeroDowntime.scenario(alice, router, "dkr-router-zdt", BuildSource.commit(repo, "HEAD"), "/cgi-bin/hello", Map.of());
    }
  }
}
