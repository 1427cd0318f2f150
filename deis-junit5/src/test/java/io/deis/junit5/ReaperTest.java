package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
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

/**
 * A JVM killed mid-test (a child process, SIGKILL) leaves its app running; the next run's reaper
 * removes it, and never a live session's. On the local runtime here; {@link ReaperOnDockerTest}
 * on Docker.
 */
class ReaperTest {

  /** The next run: a user's class that deploys nothing; opening its session sweeps the dead ones. */
  @RunByUserRun
  @Deis
  static class NextRun {
    @org.junit.jupiter.api.Test
    void runs() {}
  }

  /** What the killed child left: its session's record and its app's URL. */
  record Leftover(Path record, URI url) {
    String installation() {
      return record.getFileName().toString();
    }
  }

  @Test
  void theNextRunRemovesWhatAJvmKilledMidTestLeftOnTheLocalRuntime() throws Exception {
    Path sessions = Apps.SESSIONS.resolveSibling("deis-junit5-sessions-reaper-" + UUID.randomUUID());
    Leftover left = killMidTest(sessions, "local", List.of());
    assertThat(left.record().resolve("data/containers")).as("the killed runtime's containers' files").isNotEmptyDirectory();

    nextRun(sessions, "local");
    awaitGone(left);
  }

  /**
   * Starts a child JVM whose test deploys an app on {@code backend} and waits, checks that a run
   * meanwhile leaves that live session alone, kills the child and checks the app outlived it.
   */
  static Leftover killMidTest(Path sessions, String backend, List<String> jvmOptions) throws Exception {
    Path output = Files.createTempFile("killed-run-", ".log");
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), KilledRun.class.getName(), sessions.toString(), backend));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    URI url;
    try {
      url = awaitUrl(child, output);
      assertThat(Apps.get(url)).isEqualTo("left behind");
      Path record = onlyRecord(sessions);

      UserRun meanwhile = UserRun.of(next(sessions, backend), NextRun.class);
      assertThat(meanwhile.failures()).as("%s", meanwhile).isEmpty();
      assertThat(Apps.get(url)).as("a live session is never reaped").isEqualTo("left behind");
      assertThat(record).as("its record stays").isDirectory();
    } finally {
      child.destroyForcibly(); // SIGKILL: no teardown, no shutdown hook
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(child.exitValue()).as("killed by SIGKILL; its output: %s", Files.readString(output)).isEqualTo(137);
    Leftover left = new Leftover(onlyRecord(sessions), url);
    assertThat(Apps.get(url)).as("the killed JVM's app outlived it").isEqualTo("left behind");
    return left;
  }

  /** The next run of a user's tests on {@code backend}, with the same sessions directory. */
  static void nextRun(Path sessions, String backend) {
    UserRun next = UserRun.of(next(sessions, backend), NextRun.class);
    assertThat(next.failures()).as("%s", next).isEmpty();
  }

  /** Checks the next run's reaper removed the leftover: the app stops answering, its record is gone. */
  static void awaitGone(Leftover left) throws InterruptedException {
    assertThat(left.record()).as("the dead session's record is reaped").doesNotExist();
    Instant deadline = Instant.now().plusSeconds(30);
    while (Apps.answers(left.url()) && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
    }
    assertThat(Apps.answers(left.url())).as("the killed JVM's app at %s is gone", left.url()).isFalse();
  }

  private static Map<String, String> next(Path sessions, String backend) {
    return Map.of(DeisExtension.SESSIONS_PROPERTY, sessions.toString(), DeisExtension.BACKEND_PROPERTY, backend);
  }

  private static URI awaitUrl(Process child, Path output) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(deadline)) {
      Optional<String> line = Files.readAllLines(output).stream().filter(l -> l.startsWith("URL ")).findFirst();
      if (line.isPresent()) {
        return URI.create(line.get().substring(4).strip());
      }
      assertThat(child.isAlive()).as("the child runs its test; its output: %s", Files.readString(output)).isTrue();
      Thread.sleep(200);
    }
    throw new AssertionError("the child's test never printed its URL; its output: " + Files.readString(output));
  }

  private static Path onlyRecord(Path sessions) throws IOException {
    try (Stream<Path> list = Files.list(sessions)) {
      List<Path> records = list.toList();
      assertThat(records).as("the child's one session record").hasSize(1);
      return records.get(0);
    }
  }
}
