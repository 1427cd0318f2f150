package io.deis.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a container's command as the leader of a new session and process group ({@code setsid}),
 * and ends it by signalling the whole group: everything the command started goes with it, also
 * children that double-forked away from it ({@code (sleep 1e6 &)}), which a walk of its descendants
 * cannot see. Where {@code setsid} is missing (not Linux), it falls back to the process and its
 * visible descendants, and says so once.
 */
final class ProcessGroups {
  private static final Logger log = LoggerFactory.getLogger(ProcessGroups.class);
  private static final Optional<String> SETSID = executable("/usr/bin/setsid", "/bin/setsid");
  private static final Optional<String> KILL = executable("/bin/kill", "/usr/bin/kill");
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Path PROC = Path.of("/proc");

  static {
    if (!supported()) {
      log.warn("setsid or kill is missing: the local runtime stops only the processes it can see under a container's command");
    }
  }

  private ProcessGroups() {}

  static boolean supported() {
    return SETSID.isPresent() && KILL.isPresent() && Files.isDirectory(PROC);
  }

  /** The command line that runs {@code shellCommand} through {@code /bin/sh -c}, in a group of its own when possible. */
  static List<String> command(String shellCommand) {
    List<String> argv = new ArrayList<>();
    SETSID.ifPresent(argv::add);
    argv.addAll(List.of("/bin/sh", "-c", shellCommand));
    return argv;
  }

  /** SIGTERM to the process's group (or tree), then SIGKILL to whatever is left after {@code grace}. */
  static void terminate(Process process, Duration grace) {
    if (!supported()) {
      terminateTree(process, grace);
      return;
    }
    long group = process.pid();
    signal(group, "TERM");
    long deadline = System.nanoTime() + grace.toNanos();
    while (groupAlive(group, process) && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
      sleep(POLL); // an interrupted stop does not wait out the grace period: it kills at once
    }
    if (groupAlive(group, process)) {
      signal(group, "KILL");
    }
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL to a group a previous runtime left behind; does nothing when none of it is alive. */
  static void kill(long group) {
    if (supported() && group > 1) {
      signal(group, "KILL");
    }
  }

  /**
   * True while a process of the group runs. The leader is reaped by the JVM; the rest of the group
   * by init, which may take its time: a member that has ended but is not reaped yet (a zombie)
   * holds nothing and does not count, so a stop never waits on one.
   */
  private static boolean groupAlive(long group, Process leader) {
    if (leader.isAlive()) {
      return true;
    }
    try (Stream<Path> procs = Files.list(PROC)) {
      return procs.anyMatch(p -> stat(p).filter(st -> st.group() == group && st.running()).isPresent());
    } catch (IOException e) {
      return run(KILL.orElseThrow(), "-0", "--", "-" + group) == 0;
    }
  }

  /** True when the process exists and has not ended (a zombie has ended). */
  static boolean running(long pid) {
    return stat(PROC.resolve(Long.toString(pid))).map(Stat::running).orElse(false);
  }

  private record Stat(char state, long group) {
    boolean running() {
      return state != 'Z' && state != 'X';
    }
  }

  /** The state and process group of /proc/<pid>/stat: {@code pid (comm) state ppid pgrp ...}, comm may hold spaces and parentheses. */
  private static Optional<Stat> stat(Path procDir) {
    String name = procDir.getFileName().toString();
    if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
      return Optional.empty();
    }
    try {
      String stat = Files.readString(procDir.resolve("stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(new Stat(fields[0].charAt(0), Long.parseLong(fields[2])));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // gone meanwhile
    }
  }

  private static void signal(long group, String signal) {
    run(KILL.orElseThrow(), "-s", signal, "--", "-" + group);
  }

  private static int run(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Without process groups: SIGTERM to the process and its descendants, SIGKILL after {@code grace}. */
  private static void terminateTree(Process process, Duration grace) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle p : tree) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          p.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (Exception e) {
        // still running: killed below
      }
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Optional<String> executable(String... candidates) {
    for (String candidate : candidates) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
