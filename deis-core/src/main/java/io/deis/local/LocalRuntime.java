package io.deis.local;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.error.BuildException;
import io.deis.error.NotFoundException;
import io.deis.error.SchedulerException;
import io.deis.model.Build;
import io.deis.model.Endpoint;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeContainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default runtime: a container is an OS process running its Procfile command
 * through {@code /bin/sh -c} in a fresh private copy of the build's source tree, with the
 * release's config as its environment plus {@code PORT} (a free loopback port).
 *
 * <p>Stop sends SIGTERM to the process and all its descendants, SIGKILL after the grace period,
 * then deletes the copy: the glossary's ephemeral filesystem. Containers are children of this
 * JVM, so {@link #close()} (and JVM shutdown) stops them all; nothing survives to be adopted.
 *
 * <p>This is a development runtime: pushed code runs as the host user, unconfined. The Docker and
 * Kubernetes backends are the ones that isolate tenants.
 */
public final class LocalRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
  /** Host variables a process needs to find its tools; nothing else of the host leaks in. */
  private static final List<String> INHERITED_ENV = List.of("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "JAVA_HOME");

  private final Path workDir;
  private final boolean ownsWorkDir;
  private final Map<String, LocalContainer> containers = new ConcurrentHashMap<>();
  private final List<ExitListener> exitListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private final Thread shutdownHook = new Thread(this::stopAll, "deis-local-shutdown");

  /** A runtime that keeps its containers' files in a new temporary directory, deleted on close. */
  public LocalRuntime() {
    this(createTempDir(), true);
  }

  /** A runtime that keeps its containers' files under {@code workDir}. */
  public LocalRuntime(Path workDir) {
    this(workDir, false);
  }

  private LocalRuntime(Path workDir, boolean ownsWorkDir) {
    this.workDir = workDir;
    this.ownsWorkDir = ownsWorkDir;
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the local runtime's directory " + workDir, e);
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
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
    containers.put(id, new LocalContainer(id, spec, tree, command, dir));
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
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", c.command).directory(fs.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(c.dir.resolve("log").toFile()));
        environment(pb, c.spec.env(), port, fs);
        Run run = new Run(pb.start(), port);
        c.run = run;
        run.process.onExit().thenAccept(p -> {
          if (!run.stopped) {
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
        terminate(run.process, grace);
      }
      deleteIfExists(c.dir.resolve("fs"));
    }
  }

  @Override
  public void destroy(String id) {
    stop(id, Duration.ofSeconds(2));
    LocalContainer c = containers.remove(id);
    if (c != null) {
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
  public List<String> logs(String id, int lines) {
    LocalContainer c = containers.get(id);
    return c == null ? List.of() : tail(c.dir.resolve("log"), lines);
  }

  @Override
  public RunResult run(ContainerSpec spec, Duration timeout) {
    Path tree = sourceTree(spec.build());
    String command = spec.command().orElseThrow(() -> new SchedulerException("run needs a command"));
    Path fs = workDir.resolve(spec.name() + "-" + ids.incrementAndGet());
    Process process = null;
    try {
      copyTree(tree, fs);
      ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(fs.toFile()).redirectErrorStream(true);
      environment(pb, spec.env(), freePort(), fs);
      process = pb.start();
      process.getOutputStream().close();
      // Read the output on another thread so that a chatty command cannot block on a full pipe.
      InputStream out = process.getInputStream();
      var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return new String(out.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          return "";
        }
      });
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        terminate(process, Duration.ofSeconds(1));
        throw new SchedulerException("'" + command + "' did not finish within " + timeout.toSeconds() + "s and was stopped");
      }
      return new RunResult(process.exitValue(), output.get(5, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new SchedulerException("cannot run '" + command + "': " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchedulerException("interrupted while running '" + command + "'", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new SchedulerException("cannot read the output of '" + command + "'", e);
    } finally {
      if (process != null && process.isAlive()) {
        terminate(process, Duration.ZERO);
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

  private void stopAll() {
    List.copyOf(containers.keySet()).parallelStream().forEach(this::destroy);
    if (ownsWorkDir) {
      deleteIfExists(workDir);
    }
  }

  // ---------------------------------------------------------------- process handling

  /** SIGTERM to the process and everything it started, then SIGKILL to whatever is left after {@code grace}. */
  private static void terminate(Process process, Duration grace) {
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
    env.putAll(config);
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
      if (Files.exists(path)) {
        MoreFiles.deleteRecursively(path, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    } catch (IOException e) {
      log.warn("could not delete {}: {}", path, e.toString());
    }
  }

  /** The last {@code lines} lines of a file, reading backwards so a large log costs no more than its tail. */
  static List<String> tail(Path file, int lines) {
    if (lines <= 0 || !Files.exists(file)) {
      return List.of();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long end = raf.length();
      long start = end;
      int newlines = 0;
      byte[] buffer = new byte[8192];
      while (start > 0 && newlines <= lines) {
        int chunk = (int) Math.min(buffer.length, start);
        start -= chunk;
        raf.seek(start);
        raf.readFully(buffer, 0, chunk);
        for (int i = chunk - 1; i >= 0; i--) {
          if (buffer[i] == '\n' && start + i != end - 1 && ++newlines > lines) {
            start = start + i + 1;
            break;
          }
        }
      }
      byte[] bytes = new byte[(int) (end - start)];
      raf.seek(start);
      raf.readFully(bytes);
      List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      return all.size() <= lines ? all : all.subList(all.size() - lines, all.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read log " + file, e);
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
    volatile Run run;

    LocalContainer(String id, ContainerSpec spec, Path tree, String command, Path dir) {
      this.id = id;
      this.spec = spec;
      this.tree = tree;
      this.command = command;
      this.dir = dir;
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
