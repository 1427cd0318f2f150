package io.deis.examples.bench;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.examples.SampleApp;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measures the core on this machine and prints each number next to its baseline from the same run:
 * <ol>
 *   <li>releases per second for config changes on the in-memory store, 1 thread and 8 threads;
 *   <li>heap bytes retained per release;
 *   <li>local scale-up of web 0 -> 20 through the controller, against starting the same 20
 *       processes directly (each waited for until its port accepts connections).
 * </ol>
 * Run: {@code mvn -q -pl deis-examples -am test-compile exec:java -Dexec.mainClass=io.deis.examples.bench.CoreBenchmark}
 */
public final class CoreBenchmark {
  private static final int CHANGES = 4_000;
  private static final int SCALE = 20;

  private CoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.printf("cores=%d, java=%s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    Path work = Files.createTempDirectory("deis-bench-");
    try (Controller deis = Controller.builder().dataDirectory(work.resolve("data")).passwordHashIterations(1000).build()) {
      deis.register("bench", "bench-password", "");
      Session session = deis.login("bench", "bench-password");

      releasesPerSecond(session);
      heapPerRelease(session);
      scaleUp(session, work);
    } finally {
      com.google.common.io.MoreFiles.deleteRecursively(work, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }

  private static void releasesPerSecond(Session session) throws Exception {
    session.createApp("warmup");
    changeConfig(session, "warmup", 1, CHANGES); // let the JIT compile the path first
    session.destroyApp("warmup");

    session.createApp("one-thread");
    double single = changeConfig(session, "one-thread", 1, CHANGES);
    session.createApp("eight-threads");
    double eight = changeConfig(session, "eight-threads", 8, CHANGES);
    System.out.printf("config change releases/s: 1 thread %.0f, 8 threads %.0f (ratio 8/1: %.2f; one app, so writes serialize on its lock)%n",
        single, eight, eight / single);
    session.destroyApp("one-thread");
    session.destroyApp("eight-threads");
  }

  /** Makes {@code total} config changes from {@code threads} threads; returns releases per second. */
  private static double changeConfig(Session session, String app, int threads, int total) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int id = t;
      futures.add(pool.submit(() -> {
        for (int i = 0; i < total / threads; i++) {
          session.setConfig(app, Map.of("KEY_" + id, Integer.toString(i)));
        }
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    int made = session.releases(app).size() - 1;
    if (made != total) {
      throw new IllegalStateException("expected " + total + " releases, got " + made);
    }
    return total / seconds;
  }

  private static void heapPerRelease(Session session) {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    session.createApp("heap");
    long before = usedAfterGc(memory);
    changeConfig2(session, "heap", CHANGES);
    long after = usedAfterGc(memory);
    System.out.printf("heap retained per release: %d bytes (%d releases of a config with 1 to 2 values; baseline: an empty app, %d bytes used)%n",
        (after - before) / CHANGES, CHANGES, before);
    session.destroyApp("heap");
  }

  private static void changeConfig2(Session session, String app, int total) {
    for (int i = 0; i < total; i++) {
      session.setConfig(app, Map.of("KEY", Integer.toString(i)));
    }
  }

  private static long usedAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static void scaleUp(Session session, Path work) throws Exception {
    Path repo = work.resolve("sample-app");
    SampleApp.writeRepository(repo);
    session.createApp("scale");
    session.deploy("scale", BuildSource.commit(repo, "HEAD"));
    session.scale("scale", "web=0");

    // Baseline first, so the two runs see the same warm file cache.
    double baseline = startDirectly(repo, SCALE);

    long start = System.nanoTime();
    session.scale("scale", "web=" + SCALE);
    double viaDeis = (System.nanoTime() - start) / 1e9;
    long up = session.ps("scale").stream().filter(c -> c.state() == ContainerState.UP).map(Container::name).count();
    if (up != SCALE) {
      throw new IllegalStateException("expected " + SCALE + " web containers up, got " + up);
    }
    session.destroyApp("scale");
    System.out.printf("local scale-up web 0 -> %d: %.2f s through the controller, %.2f s starting the same %d processes directly (ratio %.2f)%n",
        SCALE, viaDeis, baseline, SCALE, viaDeis / baseline);
  }

  /** Starts the sample app's web command {@code count} times in parallel, each in its own copy, and waits until all listen. */
  private static double startDirectly(Path repo, int count) throws Exception {
    String command = Files.readString(repo.resolve("Procfile")).strip().substring("web:".length()).strip();
    List<Process> processes = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      Path copy = Files.createDirectories(repo.resolveSibling("direct-" + i));
      for (String file : List.of("Hello.java", "Procfile")) {
        Files.copy(repo.resolve(file), copy.resolve(file));
      }
      int port = freePort();
      ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(copy.toFile())
          .redirectErrorStream(true).redirectOutput(copy.resolve("log").toFile());
      pb.environment().put("PORT", Integer.toString(port));
      processes.add(pb.start());
      ports.add(port);
    }
    for (int port : ports) {
      while (!accepts(port)) {
        Thread.sleep(50);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    return seconds;
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
