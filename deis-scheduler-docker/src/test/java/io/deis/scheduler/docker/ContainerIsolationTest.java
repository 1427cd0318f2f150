package io.deis.scheduler.docker;

import static io.deis.scheduler.contract.SchedulerContract.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Statistics;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every container gets so that one tenant cannot take the host or the others with it, seen
 * on the real daemon and from inside the containers: the pids limit holds a fork bomb, privileges
 * cannot be gained, the capability set is the reduced one, memory is limited by default, and a
 * one-off run's output and a log read stay bounded.
 */
@RequiresDocker
class ContainerIsolationTest {
  /** CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID (bits 0, 1, 3 to 7) and NET_BIND_SERVICE (bit 10). */
  private static final long DEFAULT_CAPABILITY_BITS = 0x4fbL;

  @TempDir
  Path sources;
  private DockerScheduler scheduler;
  private final AppName app = AppName.of("dt-isolated-" + UUID.randomUUID().toString().substring(0, 6));

  @AfterEach
  void destroy() {
    if (scheduler != null) {
      try {
        scheduler.destroy(app);
      } finally {
        scheduler.close();
      }
    }
  }

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void inspectShowsThePidsLimitTheCapabilitiesNoNewPrivilegesAndTheDefaultMemoryLimit() {
    scheduler = started(DockerScheduler.builder().defaultMemoryLimit(128L << 20).pidsLimit(200));
    Release v2 = release(build("worker: exec sleep 1000\nsmall: exec sleep 1000\n"),
        ConfigChange.builder().memory(ProcessType.of("small"), "64M").build());
    scheduler.deploy(v2, Formation.parse("worker=1 small=1"));

    InspectContainerResponse worker = inspect("_v2.worker.1");
    assertThat(worker.getHostConfig().getPidsLimit()).isEqualTo(200L);
    assertThat(worker.getHostConfig().getCapDrop()).containsExactly(Capability.ALL);
    assertThat(worker.getHostConfig().getCapAdd()).containsExactlyInAnyOrder(Capability.CHOWN, Capability.DAC_OVERRIDE,
        Capability.FOWNER, Capability.FSETID, Capability.KILL, Capability.NET_BIND_SERVICE, Capability.SETGID, Capability.SETUID);
    assertThat(worker.getHostConfig().getSecurityOpts()).containsExactly("no-new-privileges:true");
    assertThat(worker.getHostConfig().getMemory()).as("the builder's default memory limit").isEqualTo(128L << 20);
    assertThat(inspect("_v2.small.1").getHostConfig().getMemory()).as("the app's own limit wins").isEqualTo(64L << 20);
  }

  @Test
  void insideAContainerNoNewPrivsIsSetAndOnlyTheReducedCapabilitiesAreEffective() {
    scheduler = started(DockerScheduler.builder());
    Release v2 = release(build("worker: exec sleep 1000\n"), ConfigChange.builder().build());

    RunResult status = scheduler.run(v2, "grep -E '^(NoNewPrivs|CapEff|CapBnd):' /proc/self/status", Duration.ofSeconds(60));

    assertThat(status.exitCode()).isZero();
    assertThat(status.output().lines().map(l -> l.replaceAll("\\s+", " ")).toList()).containsExactly(
        "CapEff: " + String.format("%016x", DEFAULT_CAPABILITY_BITS),
        "CapBnd: " + String.format("%016x", DEFAULT_CAPABILITY_BITS),
        "NoNewPrivs: 1");
    // Without NET_RAW, no raw socket: ping, the classic tool for spoofing on a shared network, cannot even start.
    RunResult ping = scheduler.run(v2, "ping -c 1 -W 1 127.0.0.1", Duration.ofSeconds(60));
    assertThat(ping.exitCode()).isNotZero();
    assertThat(ping.output()).containsIgnoringCase("permission denied");
  }

  @Test
  void aForkBombStaysWithinThePidsLimitOfItsContainer() throws Exception {
    scheduler = started(DockerScheduler.builder().pidsLimit(64));
    // Every bomb leaves a sleep behind, so the container stays full once the limit stops the bombs;
    // the lowest CPU weight keeps their retries from slowing the others on a shared machine.
    Release v2 = release(build("worker: exec sleep 1000\nbomb: bomb() { sleep 1000 & bomb | bomb & }; bomb; exec sleep 1000\n"),
        ConfigChange.builder().cpu(ProcessType.of("bomb"), 2).build());
    scheduler.deploy(v2, Formation.parse("worker=1"));

    scheduler.scale(v2, Formation.parse("worker=1 bomb=1"));

    String name = "deis-jvm-" + TestDocker.INSTALLATION.id() + "-" + app + "_v2.bomb.1";
    await(Duration.ofSeconds(60), () -> scheduler.logs(app, 500).stream().anyMatch(l -> l.text().contains("can't fork")));
    for (int i = 0; i < 5; i++) {
      assertThat(pids(name)).as("processes in the bomb's container").isBetween(17L, 64L);
      Thread.sleep(200);
    }
    // The neighbour runs on, and the daemon still starts new processes for it.
    assertThat(inspect("_v2.worker.1").getState().getRunning()).isTrue();
    assertThat(scheduler.run(v2, "echo still serving", Duration.ofSeconds(60)).output()).isEqualTo("still serving");

    scheduler.scale(v2, Formation.parse("worker=1 bomb=0"));
    assertThat(TestDocker.client().listContainersCmd().withShowAll(true).withNameFilter(List.of(name)).exec()).isEmpty();
  }

  @Test
  void aOneOffRunsOutputKeepsItsTailAndSaysHowMuchWasCut() {
    scheduler = started(DockerScheduler.builder().outputLimit(4096));
    Release v2 = release(build("worker: exec sleep 1000\n"), ConfigChange.builder().build());

    RunResult run = scheduler.run(v2, "seq 1 100000", Duration.ofSeconds(60));

    List<String> lines = run.output().lines().toList();
    assertThat(lines.get(0)).matches("\\[output cut: the first \\d+ bytes are not shown, only the last 4096 bytes are kept]");
    assertThat(lines.get(lines.size() - 1)).isEqualTo("100000");
    assertThat(run.output().length()).isLessThan(4096 + 200);
    assertThat(lines.subList(1, lines.size())).allMatch(l -> l.matches("\\d+"));
  }

  @Test
  void aLogReadIsBoundedWhateverTheCallerAsksFor() {
    scheduler = started(DockerScheduler.builder().logLinesLimit(100));
    Release v2 = release(build("worker: seq 1 500; exec sleep 1000\n"), ConfigChange.builder().build());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    await(Duration.ofSeconds(30), () -> scheduler.logs(app, 10).stream().anyMatch(l -> l.text().equals("500")));

    List<LogLine> logs = scheduler.logs(app, Integer.MAX_VALUE);

    assertThat(logs).hasSize(100);
    assertThat(logs.get(99).format(app.value())).endsWith(app + "[worker.1]: 500");
    assertThat(logs.get(0).text()).isEqualTo("401");
    // Each line has the time Docker recorded for it, in order.
    assertThat(logs).extracting(LogLine::time).isSorted().allSatisfy(t -> assertThat(t).isAfter(Instant.now().minusSeconds(600)));
  }

  // ---------------------------------------------------------------- helpers

  private static DockerScheduler started(DockerScheduler.Builder builder) {
    DockerScheduler s = builder.stackImage(TestDocker.stackImage()).options(TestDocker.fastOptions()).build();
    s.start(TestDocker.INSTALLATION);
    return s;
  }

  private InspectContainerResponse inspect(String jobSuffix) {
    return TestDocker.client().inspectContainerCmd("deis-jvm-" + TestDocker.INSTALLATION.id() + "-" + app + jobSuffix).exec();
  }

  private Build build(String procfile) {
    Build source = TestDocker.sourceBuild(sources, app, Procfile.parse(procfile), Optional.empty(), Map.of());
    return scheduler.imageBuilder().build(source, line -> { });
  }

  private Release release(Build build, ConfigChange change) {
    Config config = Config.empty(UUID.randomUUID().toString(), "tester", Instant.now())
        .apply(change, UUID.randomUUID().toString(), "tester", Instant.now());
    return new Release(UUID.randomUUID().toString(), app, 2, "tester", Instant.now(), Optional.of(build), config,
        "tester deployed v2", Release.Status.PENDING, Optional.empty());
  }

  /** How many processes the container has now, from the daemon's own statistics; 0 while it does not run. */
  private static long pids(String container) {
    try {
      var callback = TestDocker.client().statsCmd(container).withNoStream(true).exec(new ResultCallback.Adapter<Statistics>() {
        volatile Statistics last;

        @Override
        public void onNext(Statistics s) {
          last = s;
        }
      });
      callback.awaitCompletion(10, TimeUnit.SECONDS);
      Statistics s = callback.last;
      return s == null || s.getPidsStats() == null || s.getPidsStats().getCurrent() == null ? 0 : s.getPidsStats().getCurrent();
    } catch (com.github.dockerjava.api.exception.NotFoundException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
