package io.deis.local;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import com.google.common.util.concurrent.Uninterruptibles;
import io.deis.error.BuildException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.SchedulerException;
import io.deis.model.Build;
import io.deis.model.Endpoint;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeContainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default runtime: a container is an OS process running its Procfile command
 * through {@code /bin/sh -c} in a fresh private copy of the build's source tree, with the
 * release's config as its environment plus {@code PORT} (a free loopback port).
 *
 * <p>Each container's command leads its own session and process group, and stop signals the
 * whole group: SIGTERM, SIGKILL after the grace period, then the copy is deleted (the glossary's
 * ephemeral filesystem). Everything it started ends with it, double-forked children included.
 * Containers are children of this JVM: {@link #close()} (and JVM shutdown) stops them all, and a
 * runtime opened on the directory of one that died without closing (a JVM killed with SIGKILL)
 * kills the process groups it left and removes their files first.
 *
 * <p>Output is kept per container in a log file with the time of each line, rotated at a size
 * limit; a one-off {@link #run}'s output is kept up to a limit too (its tail, with a note saying
 * how much was cut).
 *
 * <p>This is a development runtime: pushed code runs as the host user, unconfined. The Docker and
 * Kubernetes backends are the ones that isolate tenants.
 */
public final class LocalRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
  /** Host variables a process needs to find its tools; nothing else of the host leaks in. */
  private static final List<String> INHERITED_ENV = List.of("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "JAVA_HOME");
  private static final String LOCK_FILE = ".runtime.lock";
  private static final String GROUP_FILE = "process-group";
  /** How long an exit waits for the process's last output to reach its log before it is reported. */
  private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(1);

  private final Path workDir;
  private final boolean ownsWorkDir;
  private final long maxLogBytes;
  private final int maxRunOutputBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Map<String, LocalContainer> containers = new ConcurrentHashMap<>();
  private final List<ExitListener> exitListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private final Thread shutdownHook = new Thread(this::stopAll, "deis-local-shutdown");

  /** A runtime that keeps its containers' files in a new temporary directory, deleted on close. */
  public LocalRuntime() {
    this(builder());
  }

  /** A runtime that keeps its containers' files under {@code workDir}. */
  public LocalRuntime(Path workDir) {
    this(builder().workDirectory(workDir));
  }

  private LocalRuntime(Builder b) {
    this.ownsWorkDir = b.workDir == null;
    this.workDir = b.workDir != null ? b.workDir : createTempDir();
    this.maxLogBytes = b.maxLogBytes;
    this.maxRunOutputBytes = b.maxRunOutputBytes;
    try {
      Files.createDirectories(workDir);
      this.lockChannel = FileChannel.open(workDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock held;
      try {
        held = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        held = null;
      }
      if (held == null) {
        lockChannel.close();
        throw new SchedulerException("the local runtime's directory " + workDir + " is in use by another runtime: "
            + "give each controller a data directory of its own");
      }
      this.lock = held;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the local runtime's directory " + workDir, e);
    }
    removeLeftovers();
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** No: every container runs as the host's user, with its rights, on its network and file system. */
  @Override
  public boolean isolatesTenants() {
    return false;
  }

  @Override
  public ImageBuilder imageBuilder() {
    return (build, progress) -> {
      build.sourceTree().orElseThrow(() -> new BuildException(
          "the local runtime runs source builds; image " + build.image().orElse("?")
              + " needs the Docker or Kubernetes backend"));
      if (build.procfile().isEmpty()) {
        throw new BuildException("the local runtime runs Procfile commands, and this build has no Procfile"
            + (build.dockerfile().isPresent() ? " (only a Dockerfile: use the Docker backend, or add a Procfile)" : ""));
      }
      progress.accept("-----> Local runtime: nothing to build, containers run the checked-out tree as it is");
      return build;
    };
  }

  @Override
  public String create(ContainerSpec spec) {
    Path tree = sourceTree(spec.build());
    String command = spec.command().orElseThrow(() -> new SchedulerException(
        "the local runtime needs a command for " + spec.name() + ": the image's default command exists only on Docker"));
    String id = spec.name() + "-" + ids.incrementAndGet();
    Path dir = workDir.resolve(id);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new SchedulerException("cannot create " + dir + " for " + spec.name(), e);
    }
    containers.put(id, new LocalContainer(id, spec, tree, command, dir, new LogFile(dir.resolve("log"), maxLogBytes)));
    return id;
  }

  @Override
  public void start(String id) {
    LocalContainer c = container(id);
    synchronized (c) {
      if (c.run != null && c.run.process.isAlive()) {
        return;
      }
      Path fs = c.dir.resolve("fs");
      try {
        deleteIfExists(fs);
        copyTree(c.tree, fs);
        int port = freePort();
        ProcessBuilder pb = new ProcessBuilder(ProcessGroups.command(c.command)).directory(fs.toFile()).redirectErrorStream(true);
        environment(pb, c.spec.env(), port, fs);
        Process process = pb.start();
        process.getOutputStream().close();
        Files.writeString(c.dir.resolve(GROUP_FILE), BootId.current() + " " + process.pid() + "\n");
        Run run = new Run(process, port);
        c.run = run;
        Thread pump = new Thread(() -> c.log.pump(process.getInputStream()), "deis-local-log-" + id);
        pump.setDaemon(true);
        pump.start();
        process.onExit().thenAccept(p -> {
          if (!run.stopped) {
            // What the process printed before it exited may still be in the pipe: let the pump take it
            // in first, so that whoever hears of the exit (crash handling quotes the last output) finds
            // it in the log. Bounded, because a child of the process may hold the pipe open. This runs
            // on the reaper thread of this one process.
            Uninterruptibles.joinUninterruptibly(pump, OUTPUT_DRAIN);
            int code = p.exitValue();
            exitListeners.forEach(l -> l.exited(id, code));
          }
        });
      } catch (IOException e) {
        throw new SchedulerException("cannot start " + c.spec.name() + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public void stop(String id, Duration grace) {
    LocalContainer c = containers.get(id);
    if (c == null) {
      return;
    }
    synchronized (c) {
      Run run = c.run;
      if (run != null) {
        run.stopped = true;
        ProcessGroups.terminate(run.process, grace);
      }
      deleteIfExists(c.dir.resolve("fs"));
    }
  }

  @Override
  public void destroy(String id) {
    stop(id, Duration.ofSeconds(2));
    LocalContainer c = containers.remove(id);
    if (c != null) {
      c.log.close();
      deleteIfExists(c.dir);
    }
  }

  @Override
  public Optional<RuntimeContainer> inspect(String id) {
    return Optional.ofNullable(containers.get(id)).map(LocalContainer::describe);
  }

  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
    return containers.values().stream()
        .filter(c -> c.spec.labels().entrySet().containsAll(labels.entrySet()))
        .map(LocalContainer::describe)
        .toList();
  }

  @Override
  public List<LogLine> logs(String id, int lines) {
    LocalContainer c = containers.get(id);
    return c == null || lines <= 0 ? List.of() : c.log.tail(lines);
  }

  @Override
  public RunResult run(ContainerSpec spec, Duration timeout) {
    Path tree = sourceTree(spec.build());
    String command = spec.command().orElseThrow(() -> new SchedulerException("run needs a command"));
    Path fs = workDir.resolve(spec.name() + "-" + ids.incrementAndGet());
    Process process = null;
    try {
      copyTree(tree, fs);
      ProcessBuilder pb = new ProcessBuilder(ProcessGroups.command(command)).directory(fs.toFile()).redirectErrorStream(true);
      environment(pb, spec.env(), freePort(), fs);
      process = pb.start();
      process.getOutputStream().close();
      // Read the output on another thread so that a chatty command cannot block on a full pipe.
      InputStream out = process.getInputStream();
      TailBuffer tail = new TailBuffer(maxRunOutputBytes);
      CompletableFuture<Void> output = CompletableFuture.runAsync(() -> tail.readAll(out));
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ProcessGroups.terminate(process, Duration.ofSeconds(1));
        throw new SchedulerException("'" + command + "' did not finish within " + timeout.toSeconds() + "s and was stopped");
      }
      ProcessGroups.terminate(process, Duration.ZERO); // what it left running in the background goes too
      output.get(5, TimeUnit.SECONDS);
      return new RunResult(process.exitValue(), tail.text());
    } catch (IOException e) {
      throw new SchedulerException("cannot run '" + command + "': " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchedulerException("interrupted while running '" + command + "'", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new SchedulerException("cannot read the output of '" + command + "'", e);
    } finally {
      if (process != null && process.isAlive()) {
        ProcessGroups.terminate(process, Duration.ZERO);
      }
      deleteIfExists(fs);
    }
  }

  @Override
  public void addExitListener(ExitListener listener) {
    exitListeners.add(listener);
  }

  /** Stops every container and deletes their files. */
  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already and the hook is running
    }
  }

  private synchronized void stopAll() {
    List.copyOf(containers.keySet()).parallelStream().forEach(this::destroy);
    try {
      if (lock.isValid()) {
        lock.release();
      }
      lockChannel.close();
    } catch (IOException e) {
      log.debug("could not release the lock of {}", workDir, e);
    }
    if (ownsWorkDir) {
      deleteIfExists(workDir);
    }
  }

  /**
   * Removes what a runtime that died without closing left in the directory: its containers'
   * process groups are killed (those started since this boot) and their files deleted.
   */
  private void removeLeftovers() {
    try (Stream<Path> dirs = Files.list(workDir)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        Path group = dir.resolve(GROUP_FILE);
        if (Files.exists(group)) {
          String[] bootAndGroup = Files.readString(group, StandardCharsets.US_ASCII).strip().split(" ");
          if (bootAndGroup.length == 2 && bootAndGroup[0].equals(BootId.current())) {
            log.info("killing process group {} left by a local runtime that did not close", bootAndGroup[1]);
            ProcessGroups.kill(Long.parseLong(bootAndGroup[1]));
          }
        }
        deleteIfExists(dir);
      }
    } catch (IOException | NumberFormatException e) {
      log.warn("could not clean up what an earlier runtime left in {}: {}", workDir, e.toString());
    }
  }

  // ---------------------------------------------------------------- process environment

  private static void environment(ProcessBuilder pb, Map<String, String> config, int port, Path fs) throws IOException {
    Map<String, String> env = pb.environment();
    Map<String, String> host = new HashMap<>(env);
    env.clear();
    INHERITED_ENV.forEach(k -> {
      if (host.containsKey(k)) {
        env.put(k, host.get(k));
      }
    });
    Path tmp = Files.createDirectories(fs.resolve(".tmp"));
    env.put("TMPDIR", tmp.toString());
    config.forEach((key, value) -> {
      try {
        env.put(key, value);
      } catch (IllegalArgumentException e) {
        // ProcessBuilder's message quotes the value, which is a secret: name the key only.
        throw new SchedulerException("config value of " + key + " cannot be passed to a process (a NUL character?)");
      }
    });
    // Every local container shares the host's network, so each gets its own port whatever the config says.
    env.put("PORT", Integer.toString(port));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  // ---------------------------------------------------------------- files

  private static Path sourceTree(Build build) {
    return build.sourceTree().orElseThrow(() -> new SchedulerException(
        "the local runtime runs source builds only; image " + build.image().orElse("?") + " needs the Docker or Kubernetes backend"));
  }

  /** Copies the build's tree, without its .git directory, keeping file modes (executable scripts). */
  static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(from)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Files.createDirectories(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        // A symlink is copied as a link, never followed: a pushed link must not pull host files in.
        Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
            LinkOption.NOFOLLOW_LINKS);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void deleteIfExists(Path path) {
    try {
      if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        MoreFiles.deleteRecursively(path, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    } catch (IOException e) {
      log.warn("could not delete {}: {}", path, e.toString());
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("deis-local-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the local runtime", e);
    }
  }

  private LocalContainer container(String id) {
    LocalContainer c = containers.get(id);
    if (c == null) {
      throw new NotFoundException("no local container " + id);
    }
    return c;
  }

  /** Options of a {@link LocalRuntime}; every one has a default. */
  public static final class Builder {
    private Path workDir;
    private long maxLogBytes = 1L << 20;
    private int maxRunOutputBytes = 1 << 20;

    private Builder() {}

    /** Where containers' files live. Default: a new temporary directory, deleted on close. */
    public Builder workDirectory(Path dir) {
      this.workDir = java.util.Objects.requireNonNull(dir, "workDirectory");
      return this;
    }

    /** The size at which a container's log file is rotated; twice this is kept at most. Default 1 MiB; 4 KiB to 1 GiB. */
    public Builder maxLogBytes(long bytes) {
      if (bytes < 4096 || bytes > (1L << 30)) {
        throw new InvalidInputException("maxLogBytes " + bytes + " is out of range: use 4096 to " + (1L << 30));
      }
      this.maxLogBytes = bytes;
      return this;
    }

    /** How much of a one-off run's output is kept (its tail). Default 1 MiB; 1 KiB to 64 MiB. */
    public Builder maxRunOutputBytes(int bytes) {
      if (bytes < 1024 || bytes > (64 << 20)) {
        throw new InvalidInputException("maxRunOutputBytes " + bytes + " is out of range: use 1024 to " + (64 << 20));
      }
      this.maxRunOutputBytes = bytes;
      return this;
    }

    public LocalRuntime build() {
      return new LocalRuntime(this);
    }
  }

  /** One run of a container's process. */
  private static final class Run {
    final Process process;
    final int port;
    /** Set before the runtime stops it, so that its exit is not reported as a crash. */
    volatile boolean stopped;

    Run(Process process, int port) {
      this.process = process;
      this.port = port;
    }
  }

  private static final class LocalContainer {
    final String id;
    final ContainerSpec spec;
    final Path tree;
    final String command;
    final Path dir;
    final LogFile log;
    volatile Run run;

    LocalContainer(String id, ContainerSpec spec, Path tree, String command, Path dir, LogFile log) {
      this.id = id;
      this.spec = spec;
      this.tree = tree;
      this.command = command;
      this.dir = dir;
      this.log = log;
    }

    RuntimeContainer describe() {
      Run r = run;
      boolean running = r != null && r.process.isAlive();
      OptionalInt exit = r == null || running ? OptionalInt.empty() : OptionalInt.of(r.process.exitValue());
      Optional<Endpoint> endpoint = running ? Optional.of(new Endpoint("127.0.0.1", r.port)) : Optional.empty();
      return new RuntimeContainer(id, spec.labels(), running, exit, endpoint);
    }
  }
}
