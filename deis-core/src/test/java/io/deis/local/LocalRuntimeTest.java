package io.deis.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.Labels;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.contract.SchedulerContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local runtime's promises about processes, logs and files, on real processes. */
class LocalRuntimeTest {
  private static final AppName APP = AppName.of("local");
  private static final Installation INSTALLATION = Installation.of("localtest01");

  @TempDir
  Path tmp;

  @Test
  void stopEndsEveryProcessTheCommandStartedDoubleForkedOnesIncluded() throws Exception {
    assumeThat(ProcessGroups.supported()).as("setsid and kill are on this machine").isTrue();
    Path pidFile = tmp.resolve("orphan.pid");
    try (LocalRuntime runtime = LocalRuntime.builder().workDirectory(tmp.resolve("rt")).build()) {
      String id = runtime.create(spec("(sleep 1000 & echo $! > " + pidFile + "); exec sleep 1000"));
      runtime.start(id);
      long orphan = awaitPid(pidFile);
      assertThat(ProcessGroups.running(orphan)).isTrue();

      runtime.stop(id, Duration.ofSeconds(2));

      SchedulerContract.await(Duration.ofSeconds(5), () -> !ProcessGroups.running(orphan));
    }
  }

  @Test
  void aRuntimeOpenedOnTheDirectoryOfOneThatDiedKillsWhatItLeft() throws Exception {
    assumeThat(ProcessGroups.supported()).as("setsid and kill are on this machine").isTrue();
    Path dir = tmp.resolve("rt");
    Path pidFile = tmp.resolve("left.pid");
    Path source = sourceTree();
    // A JVM runs a container, then dies by SIGKILL: no shutdown hook, no close.
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LocalRuntimeChild.class.getName(), dir.toString(), source.toString(),
        "(sleep 1000 & echo $! > " + pidFile + "); exec sleep 1000")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    long orphan = awaitPid(pidFile);
    SchedulerContract.await(Duration.ofSeconds(20), () -> {
      try (Stream<Path> files = Files.walk(dir)) {
        return files.anyMatch(p -> p.getFileName().toString().equals("process-group"));
      } catch (IOException e) {
        return false;
      }
    });
    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertThat(ProcessGroups.running(orphan)).as("left running by the dead JVM").isTrue();

    try (LocalRuntime next = LocalRuntime.builder().workDirectory(dir).build()) {
      SchedulerContract.await(Duration.ofSeconds(5), () -> !ProcessGroups.running(orphan));
      try (Stream<Path> left = Files.list(dir)) {
        assertThat(left.filter(Files::isDirectory)).isEmpty();
      }
    }
  }

  @Test
  void twoLiveRuntimesCannotShareADirectory() {
    try (LocalRuntime first = LocalRuntime.builder().workDirectory(tmp.resolve("rt")).build()) {
      assertThatThrownBy(() -> LocalRuntime.builder().workDirectory(tmp.resolve("rt")).build())
          .isInstanceOf(SchedulerException.class).hasMessageContaining("in use by another runtime");
    }
    LocalRuntime.builder().workDirectory(tmp.resolve("rt")).build().close(); // free again once closed
  }

  @Test
  void logsAreTimedAndRotatedAtTheirLimit() throws Exception {
    try (LocalRuntime runtime = LocalRuntime.builder().workDirectory(tmp.resolve("rt")).maxLogBytes(4096).build()) {
      Instant before = Instant.now().minusSeconds(1);
      String id = runtime.create(spec("i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; exec sleep 1000"));
      runtime.start(id);
      SchedulerContract.await(Duration.ofSeconds(20), () -> runtime.logs(id, 1).stream().anyMatch(l -> l.text().equals("line-1999")));

      List<LogLine> last = runtime.logs(id, 5);
      assertThat(last).extracting(LogLine::text).containsExactly("line-1995", "line-1996", "line-1997", "line-1998", "line-1999");
      assertThat(last).allSatisfy(l -> assertThat(l.time()).isAfter(before));
      long bytes;
      try (Stream<Path> files = Files.walk(tmp.resolve("rt"))) {
        bytes = files.filter(p -> p.getFileName().toString().startsWith("log")).mapToLong(p -> p.toFile().length()).sum();
      }
      assertThat(bytes).as("at most the current and one rotated file").isLessThanOrEqualTo(2 * 4096 + 200);
      assertThat(runtime.logs(id, 10_000)).as("only what the two files hold").hasSizeLessThan(400);
    }
  }

  @Test
  void anExitIsReportedOnlyOnceWhatTheProcessPrintedIsInItsLog() throws Exception {
    // Crash handling quotes a container's last output when it hears of the exit: the line printed
    // just before exiting must be in the log by then (it once was not: a flaky ControllerTest).
    try (LocalRuntime runtime = LocalRuntime.builder().workDirectory(tmp.resolve("rt")).build()) {
      Map<String, List<String>> seenAtExit = new java.util.concurrent.ConcurrentHashMap<>();
      java.util.concurrent.CountDownLatch exits = new java.util.concurrent.CountDownLatch(40);
      runtime.addExitListener((id, code) -> {
        seenAtExit.put(id, runtime.logs(id, 5).stream().map(LogLine::text).toList());
        exits.countDown();
      });
      for (int i = 0; i < 40; i++) {
        String id = runtime.create(spec("echo cannot reach the database >&2; exit 3"));
        runtime.start(id);
      }
      assertThat(exits.await(60, java.util.concurrent.TimeUnit.SECONDS)).as("40 exits heard").isTrue();
      assertThat(seenAtExit).hasSize(40).allSatisfy((id, lines) -> assertThat(lines).containsExactly("cannot reach the database"));
    }
  }

  @Test
  void aRunsOutputIsKeptUpToItsLimitAndSaysWhatWasCut() throws Exception {
    try (LocalRuntime runtime = LocalRuntime.builder().workDirectory(tmp.resolve("rt")).maxRunOutputBytes(1024).build()) {
      RunResult result = runtime.run(spec("i=0; while [ $i -lt 5000 ]; do echo output-$i; i=$((i+1)); done; exit 7"), Duration.ofSeconds(60));
      assertThat(result.exitCode()).isEqualTo(7);
      assertThat(result.output()).startsWith("[output cut: the first ").contains("bytes were dropped").endsWith("output-4999\n");
      assertThat(result.output().length()).isLessThan(1200);
    }
  }

  @Test
  void theNewestLinesOfSeveralSourcesAreMergedByTime() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    List<LogLine> busy = Stream.iterate(0, i -> i + 1).limit(100).map(i -> new LogLine(t.plusMillis(i), "web.1", "busy-" + i)).toList();
    List<LogLine> quiet = List.of(new LogLine(t.plusMillis(98).plusNanos(1), "worker.1", "quiet"));
    assertThat(LogLine.newest(List.of(busy, quiet), 3)).extracting(LogLine::text).containsExactly("busy-98", "quiet", "busy-99")
        .as("one busy source cannot push out a newer line of a quiet one");
  }

  private ContainerSpec spec(String command) throws IOException {
    return spec(sourceTree(), command);
  }

  static ContainerSpec spec(Path tree, String command) {
    ProcessType worker = ProcessType.of("worker");
    Build build = new Build(UUID.randomUUID().toString(), APP, "tester", Instant.now(), Optional.empty(), Optional.empty(),
        Procfile.parse("worker: " + command), Optional.empty(), Optional.of(tree));
    return new ContainerSpec("local_v2.worker.1", Labels.forContainer(INSTALLATION, APP, 2, worker, 1), worker, build,
        Optional.of(command), Map.of(), Optional.empty(), Optional.empty());
  }

  private Path sourceTree() throws IOException {
    Path tree = Files.createDirectories(tmp.resolve("src-" + UUID.randomUUID()));
    Files.writeString(tree.resolve("README"), "a source tree\n");
    return tree;
  }

  private static long awaitPid(Path pidFile) throws IOException {
    SchedulerContract.await(Duration.ofSeconds(20), () -> {
      try {
        return Files.exists(pidFile) && !Files.readString(pidFile).isBlank();
      } catch (IOException e) {
        return false;
      }
    });
    return Long.parseLong(Files.readString(pidFile).strip());
  }
}
