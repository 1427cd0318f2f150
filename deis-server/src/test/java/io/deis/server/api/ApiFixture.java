package io.deis.server.api;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.local.LocalRuntime;
import io.deis.model.Release;
import io.deis.scheduler.RuntimeScheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * A controller on the local runtime behind an ApiServer on a free loopback port, for a test class.
 * Builds are made as a push would make them (a git commit deployed through the controller), so
 * the tests can exercise what needs a build without a push each time.
 */
final class ApiFixture implements AutoCloseable {
  /** A process type that starts at once and runs until stopped: no JVM to warm up. */
  static final String WORKER_PROCFILE = "worker: exec sleep 1000\n";

  final Controller controller;
  final ApiServer server;
  final V1Client anonymous;
  private final Path dir;
  private final AtomicInteger repos = new AtomicInteger();

  ApiFixture(Path dir) {
    this(dir, ApiServer.builder());
  }

  ApiFixture(Path dir, ApiServer.Builder settings) {
    this.dir = dir;
    RuntimeScheduler.Options fast = RuntimeScheduler.Options.defaults()
        .withStopGrace(Duration.ofSeconds(2)).withMinUptime(Duration.ofMillis(300));
    this.controller = Controller.builder().trustedUsersOnly(true).passwordHashIterations(1000).dataDirectory(dir.resolve("controller"))
        .scheduler(new RuntimeScheduler(new LocalRuntime(dir.resolve("containers")), fast)).build();
    this.server = settings.controller(controller).port(0).build().start();
    this.anonymous = new V1Client(server.url());
  }

  /** Deploys a commit with {@code procfile} to {@code app} as {@code token}'s user: what a git push does. */
  Release deploy(V1Client as, String app, String procfile) {
    Path repo = dir.resolve("repo-" + repos.incrementAndGet());
    try {
      Files.createDirectories(repo);
      Files.writeString(repo.resolve("Procfile"), procfile);
      try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("Tester", "tester@example.com");
        git.commit().setMessage("app").setAuthor(who).setCommitter(who).call();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
    return controller.authenticate(as.token()).deploy(app, BuildSource.commit(repo, "HEAD"));
  }

  @Override
  public void close() {
    server.close();
    controller.close();
  }
}
