package io.deis.scheduler.docker.bench;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.docker.DockerScheduler;
import io.deis.scheduler.docker.TestDocker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * How much DockerScheduler adds over Docker itself. In one run: scaling web 0 -> 20 through
 * DockerScheduler, against 20 {@code docker run -d} of the same image, command, network and port
 * publishing started in parallel with the docker CLI (the baseline); the goal is a ratio of 1.2
 * or less. Then the time of a rolling deploy of a new release at web=10.
 *
 * <p>Rounds alternate between the two so that a busy machine slows both alike; medians are printed.
 */
public final class DockerSchedulerBenchmark {
  private static final int SCALE = 20;
  private static final int ROLLING = 10;
  private static final int ROUNDS = 3;

  private DockerSchedulerBenchmark() {}

  public static void main(String[] args) throws Exception {
    AppName app = AppName.of("bench-" + UUID.randomUUID().toString().substring(0, 6));
    // minUptime 0: readiness is "started and its port accepts", which is all that docker run -d waits for too.
    RuntimeScheduler.Options options = RuntimeScheduler.Options.defaults()
        .withStopGrace(Duration.ofSeconds(2)).withMinUptime(Duration.ZERO).withDeployTimeout(Duration.ofSeconds(120));
    Path sources = Files.createTempDirectory("deis-bench-");
    DockerScheduler scheduler = DockerScheduler.builder().stackImage(TestDocker.stackImage()).options(options).build();
    Installation installation = TestDocker.newInstallation();
    scheduler.start(installation);
    String image = "deis-jvm/" + installation.id() + "/" + app + ":v2";
    String network = "deis-jvm-" + installation.id() + "-" + app;
    try {
      Build build = scheduler.imageBuilder().build(TestDocker.sourceBuild(sources, app,
          Procfile.parse("web: " + TestDocker.webCommand() + "\n"), Optional.empty(), Map.of()), line -> { });
      Release v2 = release(app, build, 2, "v2");
      // Warm-up: the app's network, the release tag and the daemon's caches exist before anything is timed.
      scheduler.deploy(v2, Formation.parse("web=1"));
      scheduler.scale(v2, Formation.parse("web=0"));
      cli(app, installation, 1, image, network);

      List<Long> schedulerMs = new ArrayList<>();
      List<Long> cliMs = new ArrayList<>();
      for (int round = 1; round <= ROUNDS; round++) {
        long t0 = System.nanoTime();
        scheduler.scale(v2, Formation.parse("web=" + SCALE));
        long s = ms(t0);
        scheduler.scale(v2, Formation.parse("web=0"));
        long c = cli(app, installation, SCALE, image, network);
        schedulerMs.add(s);
        cliMs.add(c);
        System.out.printf("round %d: DockerScheduler web 0->%d %d ms, docker CLI %d x run -d in parallel %d ms%n",
            round, SCALE, s, SCALE, c);
      }
      long s = median(schedulerMs);
      long c = median(cliMs);
      System.out.printf("scale web 0->%d: DockerScheduler %d ms, docker CLI baseline %d ms, ratio %.2f (goal <= 1.2)%n",
          SCALE, s, c, (double) s / c);

      scheduler.scale(v2, Formation.parse("web=" + ROLLING));
      Release v3 = release(app, build, 3, "v3");
      long t0 = System.nanoTime();
      scheduler.deploy(v3, Formation.parse("web=" + ROLLING));
      System.out.printf("rolling deploy of a new release at web=%d: %d ms%n", ROLLING, ms(t0));
    } finally {
      try {
        scheduler.destroy(app);
      } finally {
        scheduler.close();
        TestDocker.sweep(true);
        MoreFiles.deleteRecursively(sources, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    }
  }

  /**
   * Starts {@code n} containers like the scheduler's web containers (same image, command, network,
   * port publishing and isolation flags) with {@code docker run -d}, all at once, waits until every
   * CLI has returned, and removes them again. Returns the time to start.
   */
  private static long cli(AppName app, Installation installation, int n, String image, String network) throws IOException, InterruptedException {
    List<Process> runs = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 1; i <= n; i++) {
      runs.add(new ProcessBuilder("docker", "run", "-d", "--init", "--name", app + "-cli-" + i,
          "--pids-limit", "1024", "--memory", "512m", "--security-opt", "no-new-privileges:true", "--cap-drop", "ALL",
          "--cap-add", "CHOWN", "--cap-add", "DAC_OVERRIDE", "--cap-add", "FOWNER", "--cap-add", "FSETID", "--cap-add", "KILL",
          "--cap-add", "NET_BIND_SERVICE", "--cap-add", "SETGID", "--cap-add", "SETUID",
          "--network", network, "--network-alias", "web", "-p", "127.0.0.1::5000",
          "-e", "PORT=5000", "-e", "GREETING=cli", "--label", Labels.HERITAGE + "=" + Labels.HERITAGE_VALUE,
          "--label", Labels.INSTALLATION + "=" + installation.id(), "--label", Labels.APP + "=" + app, "--label", Labels.TYPE + "=run",
          "--entrypoint", "/bin/sh", image, "-c", TestDocker.webCommand())
          .redirectErrorStream(true).start());
    }
    for (Process p : runs) {
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("docker run failed: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    long elapsed = ms(t0);
    List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
    for (int i = 1; i <= n; i++) {
      rm.add(app + "-cli-" + i);
    }
    new ProcessBuilder(rm).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(2, TimeUnit.MINUTES);
    return elapsed;
  }

  private static Release release(AppName app, Build build, int version, String greeting) {
    Config config = Config.empty(UUID.randomUUID().toString(), "bench", Instant.now())
        .apply(ConfigChange.builder().set("GREETING", greeting).build(), UUID.randomUUID().toString(), "bench", Instant.now());
    return new Release(UUID.randomUUID().toString(), app, version, "bench", Instant.now(), Optional.of(build), config,
        "bench deployed v" + version, Release.Status.PENDING, Optional.empty());
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  private static long median(List<Long> values) {
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }

}
