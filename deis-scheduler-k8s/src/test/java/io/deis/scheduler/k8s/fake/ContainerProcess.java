package io.deis.scheduler.k8s.fake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container's main process as the fake kubelet runs it, with the signal rules of a container's
 * PID 1. It runs in a session of its own ({@code setsid}), as a container's processes are alone in
 * their PID namespace, so "every process of the container" is its process group. Like PID 1 of a
 * PID namespace, the main process gets SIGTERM only when it has a handler for it: a
 * {@code /bin/sh -c} wrapper without a trap, or a bare {@code sleep}, ignores it, and only the
 * SIGKILL after the grace period ends it. When the main process ends, the rest of the group is
 * killed, as the kernel does when a PID namespace's init exits.
 */
final class ContainerProcess {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerProcess.class);
  private static final int SIGTERM = 15;

  private final Process process;

  private ContainerProcess(Process process) {
    this.process = process;
  }

  static ContainerProcess start(List<String> command, Path dir, Map<String, String> env) throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add("setsid"); // util-linux: not a group leader when started from the JVM, so it execs in place (same pid)
    argv.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    return new ContainerProcess(builder.start());
  }

  Process process() {
    return process;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * SIGTERM, delivered as a container runtime delivers it to PID 1: only when the process has a
   * handler for it (its {@code SigCgt} mask in {@code /proc}). Returns whether it was sent.
   */
  boolean terminate() {
    if (!process.isAlive() || !catches(SIGTERM)) {
      return false;
    }
    process.toHandle().destroy();
    return true;
  }

  /** SIGKILL to every process of the container (its process group), as at the end of the grace period. */
  void killAll() {
    long pid = process.pid();
    try {
      // The group's id is the main process's pid only because setsid made it so: no other group can be hit.
      Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pid).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      LOG.debug("could not kill process group {}: {}", pid, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private boolean catches(int signal) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("SigCgt:")) {
          long mask = Long.parseUnsignedLong(line.substring("SigCgt:".length()).strip(), 16);
          return (mask & (1L << (signal - 1))) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not read the signal mask of {}: {}", process.pid(), e.toString());
    }
    return false;
  }
}
