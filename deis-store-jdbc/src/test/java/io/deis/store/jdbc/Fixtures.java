package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Release;
import io.deis.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/** What the controller tests of this module set up the same way: one user, some apps. */
final class Fixtures {
  static final String USER = "alice";
  static final String PASSWORD = "s3cret-passw0rd";

  private Fixtures() {}

  static Controller.Builder controller(Store store, Path data) {
    // The shortest lease: a controller started after one was killed takes over within 3 s.
    return Controller.builder().store(store).dataDirectory(data).passwordHashIterations(1000).leaseTtl(Duration.ofSeconds(3));
  }

  /** Waits until the controller holds the reconciler lease (the one a killed controller held has expired) and has reconciled. */
  static void reconcileOnceLeader(Controller deis) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // a guard, not a timing assertion
    while (!deis.reconcile()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the controller did not get the reconciler lease within 60 s");
      }
      Thread.sleep(200);
    }
  }

  /** Registers alice (the administrator) and creates the apps, through a controller on the store that is closed again. */
  static void prepare(Store store, Path data, List<String> apps) {
    try (Controller deis = controller(store, data).build()) {
      deis.register(USER, PASSWORD, "alice@example.com");
      Session alice = deis.login(USER, PASSWORD);
      apps.forEach(alice::createApp);
    }
  }

  /** Commits a Procfile to a git repository (made on first use) and returns the commit's sha. */
  static String commit(Path repo, String procfile) throws Exception {
    Files.createDirectories(repo);
    try (Git git = Files.isDirectory(repo.resolve(".git")) ? Git.open(repo.toFile()) : Git.init().setDirectory(repo.toFile()).call()) {
      Files.writeString(repo.resolve("Procfile"), procfile);
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Tester", "tester@example.com");
      return git.commit().setMessage("commit").setAuthor(who).setCommitter(who).call().getName();
    }
  }

  /**
   * The processes running with their working directory under {@code directory}: local-runtime
   * containers that a controller killed with SIGKILL left behind (its children are not ended with it).
   */
  static List<ProcessHandle> processesUnder(Path directory) {
    Path root = directory.toAbsolutePath().normalize();
    return ProcessHandle.allProcesses().filter(p -> {
      try {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).startsWith(root);
      } catch (IOException | UnsupportedOperationException | SecurityException e) {
        return false; // gone, or not ours to read
      }
    }).toList();
  }

  /** A change a child acknowledged: it wrote {@code key=value} and got release {@code version} of {@code app}. */
  record Ack(String app, int version, String key, String value) {}

  /** The acknowledged changes in the files of a directory (a line without its newline was never acknowledged). */
  static List<Ack> acknowledged(Path dir) throws IOException {
    List<Ack> acks = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
          continue;
        }
        for (String line : text.substring(0, end).split("\n")) {
          String[] f = line.split(" ");
          acks.add(new Ack(f[0], Integer.parseInt(f[1]), f[2], f[3]));
        }
      }
    }
    return acks;
  }

  /**
   * Every release after v1 is whole and was made holding the app's lock: a deploy keeps the
   * config of the newest succeeded release before it and names its build; a config change is that
   * config with exactly the key its summary names set to a new value, and keeps the build. A change
   * made without the lock would have missed a concurrent one (a lost update).
   */
  static void assertEachReleaseWhole(List<Release> releases) {
    Release base = releases.get(0);
    for (Release release : releases.subList(1, releases.size())) {
      Map<String, String> before = base.config().values();
      if (!release.build().equals(base.build())) {
        assertThat(release.build()).as(release.label()).isPresent();
        assertThat(release.summary()).as(release.label()).isEqualTo("alice deployed " + release.build().get().shortDescription());
        assertThat(release.config().values()).as(release.label()).isEqualTo(before);
      } else {
        Map<String, String> changed = new HashMap<>(release.config().values());
        changed.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        assertThat(changed).as("%s changes one key over v%d", release.label(), base.version()).hasSize(1);
        String key = changed.keySet().iterator().next();
        assertThat(release.summary()).as(release.label()).isIn("alice added " + key, "alice changed " + key);
        assertThat(release.config().values().keySet()).as(release.label()).containsAll(before.keySet());
      }
      if (release.status() == Release.Status.SUCCEEDED) {
        base = release;
      }
    }
  }

  /**
   * Waits up to 30 s (a guard, not a timing assertion) for the processes to end and returns those
   * still running. A zombie counts as ended: it is dead, waiting for its new parent to reap it.
   */
  static List<ProcessHandle> awaitEnded(List<ProcessHandle> processes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<ProcessHandle> running = processes;
    while (true) {
      running = running.stream().filter(p -> p.isAlive() && !zombie(p)).toList();
      if (running.isEmpty() || System.nanoTime() > deadline) {
        return running;
      }
      Thread.sleep(100);
    }
  }

  private static boolean zombie(ProcessHandle process) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return true; // gone
    }
  }

  /** The end of a log file, for an assertion's message. */
  static String tail(Path file) {
    try {
      String text = Files.exists(file) ? Files.readString(file) : "";
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return e.toString();
    }
  }
}
