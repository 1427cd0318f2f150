package io.deis.scheduler.docker;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The child JVM of {@link ConsistencyOnDockerTest}: a controller's scheduler half in the middle of
 * a deploy, there to be killed with SIGKILL. It deploys release {@code version} of {@code image}
 * at {@code web=2} for the installation, with a web process that takes a minute to listen, so
 * the deploy is still waiting when the test kills it.
 *
 * <p>Arguments: installation id, app, version, image, stack image.
 */
public final class KilledMidDeploy {
  private KilledMidDeploy() {}

  public static void main(String[] args) {
    Installation installation = Installation.of(args[0]);
    AppName app = AppName.of(args[1]);
    int version = Integer.parseInt(args[2]);
    Build build = new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.empty(), Optional.of(args[3]),
        Procfile.parse("web: sleep 60; " + TestDocker.webCommand() + "\n"), Optional.empty(), Optional.empty());
    Release release = new Release(UUID.randomUUID().toString(), app, version, "tester", Instant.now(), Optional.of(build),
        Config.empty(UUID.randomUUID().toString(), "tester", Instant.now()), "tester deployed v" + version,
        Release.Status.PENDING, Optional.empty());
    DockerScheduler scheduler = DockerScheduler.builder().stackImage(args[4]).options(TestDocker.fastOptions()).build();
    scheduler.start(installation);
    System.out.println("deploying v" + version);
    scheduler.deploy(release, Formation.parse("web=2"));
    System.out.println("deployed v" + version + ": the test should have killed this JVM before");
  }
}
