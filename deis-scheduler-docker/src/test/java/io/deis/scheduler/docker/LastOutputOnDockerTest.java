package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.Labels;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import io.deis.store.InMemoryStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crashed container's last words reach whoever hears of the crash: when the runtime reports an
 * exit, what the container printed last is already in its log, so the controller's deploy error
 * quotes it, and a one-off run returns its whole output. Many short-lived containers at once, since
 * a log that lags the exit report would show only now and then (as it did on the local runtime).
 * This backend does not wait for the log: the daemon writes a container's output to its log before
 * it publishes {@code die} or answers {@code wait} (see the README's "A crash's last output"). These
 * tests are the guard should a daemon, or a change here, break that order.
 *
 * <p>Each container prints 300 lines and then its own last line, all on stderr (one stream, so
 * that the order in the log is the order printed; stdout and stderr reach the log through two
 * pipes and may interleave), and exits with 3.
 */
@RequiresDocker
class LastOutputOnDockerTest {
  private static final Logger log = LoggerFactory.getLogger(LastOutputOnDockerTest.class);
  private static final int CONTAINERS = 30;
  private static final int DEPLOYED = 20;
  private static final int RUNS = 20;

  @TempDir
  Path tmp;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  /** Prints 300 lines and then {@code last}, all to stderr, and exits with 3. */
  private static String crash(String last) {
    return "{ seq 1 300; echo '" + last + "'; } >&2; exit 3";
  }

  @Test
  void anExitIsReportedOnlyOnceWhatTheContainerPrintedIsInItsLog() throws Exception {
    AtomicReference<ContainerRuntime> runtime = new AtomicReference<>();
    Installation installation = TestDocker.newInstallation();
    AppName app = AppName.of("dt-last-words");
    try (DockerScheduler scheduler = DockerScheduler.builder().stackImage(TestDocker.stackImage()).options(TestDocker.fastOptions())
        .runtimeWrapper(r -> {
          runtime.set(r);
          return r;
        }).build()) {
      scheduler.start(installation);
      try {
        // What the listener reads is what crash handling reads: the runtime's log of the container,
        // read at the very moment the exit is reported (on the thread that reports it).
        Map<String, List<String>> seenAtExit = new ConcurrentHashMap<>();
        Map<String, Integer> codes = new ConcurrentHashMap<>();
        CountDownLatch exits = new CountDownLatch(CONTAINERS);
        runtime.get().addExitListener((id, code) -> {
          if (seenAtExit.putIfAbsent(id, runtime.get().logs(id, 5).stream().map(LogLine::text).toList()) == null) {
            codes.put(id, code);
            exits.countDown();
          }
        });
        Build build = scheduler.imageBuilder().build(TestDocker.sourceBuild(tmp, app, Procfile.parse("worker: true\n"), Optional.empty(),
            Map.of()), log::debug);
        Map<String, String> lastLines = new ConcurrentHashMap<>();
        for (int num = 1; num <= CONTAINERS; num++) {
          String last = "worker " + num + " cannot reach the database";
          ContainerSpec spec = new ContainerSpec("dt-last-words_v2.worker." + num,
              Labels.forContainer(installation, app, 2, ProcessType.of("worker"), num), ProcessType.of("worker"), build,
              Optional.of(crash(last)), Map.of(), Optional.empty(), Optional.empty());
          String id = runtime.get().create(spec);
          lastLines.put(id, last);
          runtime.get().start(id);
        }

        assertThat(exits.await(120, TimeUnit.SECONDS)).as("all " + CONTAINERS + " exits reported, " + seenAtExit.size() + " were").isTrue();
        assertThat(codes).hasSize(CONTAINERS).allSatisfy((id, code) -> assertThat(code).as(id).isEqualTo(3));
        assertThat(seenAtExit).hasSize(CONTAINERS).allSatisfy((id, lines) ->
            assertThat(lines).as("the log of %s when its exit was reported", id).containsExactly("297", "298", "299", "300", lastLines.get(id)));
      } finally {
        scheduler.destroy(app);
      }
    }
  }

  @Test
  void aFailedDeployQuotesTheLastOutputOfEveryContainerThatCrashed() {
    String app = "dt-last-deploy";
    // A long minimum uptime: every new container crashes within it, so every one is a failure the error names.
    DockerScheduler scheduler = DockerScheduler.builder().stackImage(TestDocker.stackImage())
        .options(TestDocker.fastOptions().withMinUptime(Duration.ofSeconds(10))).build();
    try (Controller deis = TestApps.controller(new InMemoryStore(), tmp.resolve("data"), scheduler)) {
      Session alice = TestApps.user(deis, "alice");
      alice.createApp(app);
      Path repo = TestApps.commit(tmp.resolve("repo"), Map.of("Procfile", "worker: exec sleep 1000\n"));
      alice.deploy(app, BuildSource.commit(repo, "HEAD"));
      alice.scale(app, "worker=" + DEPLOYED);

      TestApps.commit(repo, Map.of("Procfile", "worker: " + crash("cannot reach the database") + "\n"));
      AtomicReference<String> message = new AtomicReference<>();
      assertThatThrownBy(() -> alice.deploy(app, BuildSource.commit(repo, "HEAD")))
          .isInstanceOf(DeployException.class)
          .satisfies(e -> message.set(e.getMessage()))
          .hasMessageContaining("release v3 of " + app + " failed, v2 keeps running");

      // Each container's quote is its last five lines, the very last one its own.
      List<String> missing = new ArrayList<>();
      for (int num = 1; num <= DEPLOYED; num++) {
        String quote = "last output of " + app + ".worker." + num + ":\n    297\n    298\n    299\n    300\n    cannot reach the database";
        if (!message.get().contains(quote)) {
          missing.add("worker." + num);
        }
      }
      assertThat(missing).as("containers whose last output the deploy error lacks, in:\n%s", message.get()).isEmpty();
      alice.destroyApp(app);
    }
  }

  @Test
  void aOneOffRunReturnsEverythingTheContainerPrintedUpToItsExit() throws Exception {
    String app = "dt-last-run";
    try (Controller deis = TestApps.controller(new InMemoryStore(), tmp.resolve("data"), TestDocker.newScheduler())) {
      Session alice = TestApps.user(deis, "alice");
      alice.createApp(app);
      alice.deploy(app, BuildSource.commit(TestApps.commit(tmp.resolve("repo"), Map.of("Procfile", "worker: exec sleep 1000\n")), "HEAD"));

      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<RunResult>> runs = IntStream.rangeClosed(1, RUNS)
            .mapToObj(n -> pool.submit(() -> alice.run(app, crash("run " + n + " is done")))).toList();
        for (int n = 1; n <= RUNS; n++) {
          RunResult run = runs.get(n - 1).get(120, TimeUnit.SECONDS);
          assertThat(run.exitCode()).as("run %d", n).isEqualTo(3);
          List<String> lines = run.output().lines().toList();
          assertThat(lines).as("run %d's output", n).hasSize(301).endsWith("299", "300", "run " + n + " is done");
        }
      } finally {
        pool.shutdownNow();
      }
      alice.destroyApp(app);
    }
  }
}
