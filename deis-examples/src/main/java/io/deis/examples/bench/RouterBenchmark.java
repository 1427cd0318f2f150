package io.deis.examples.bench;

import io.deis.model.AppName;
import io.deis.model.Endpoint;
import io.deis.router.Router;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The router against nginx, in the same run, on the same machine: one upstream (an nginx worker
 * answering a short text), then wrk with 32 connections through nginx as a reverse proxy and
 * through the router, one nginx worker against one router event-loop thread, then two against
 * two. Both proxies keep pooled keep-alive connections to the upstream, set the same forwarding
 * headers (X-Forwarded-For, -Proto, -Port, X-Request-Id) and write no access log. Prints
 * requests/s and p99 latency of each and the ratios. Goal: throughput at least 0.9x nginx's,
 * p99 at most 1.5x.
 *
 * <pre>
 * mvn -q -pl deis-examples -am test-compile exec:java -Dexec.mainClass=io.deis.examples.bench.RouterBenchmark [-Dexec.args="--seconds 10 --rounds 3"]
 * </pre>
 *
 * <p>Needs Debian's nginx-light and wrk; installs them with apt-get when missing (as root).
 */
public final class RouterBenchmark {
  private static final int CONNECTIONS = 32;
  private static final String HOST = "bench.local.deis";
  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
  private static final Pattern P99 = Pattern.compile("\\n\\s+99%\\s+([0-9.]+)(us|ms|s)\\b");
  private static final Pattern ERRORS = Pattern.compile("Non-2xx or 3xx responses: (\\d+)|Socket errors: ([^\\n]+)");

  private RouterBenchmark() {}

  /**
   * One wrk run. {@code cpuMicros} is the proxy's CPU time per request (nginx: its workers; the
   * router: its event-loop threads), which the other programs on a busy machine do not skew.
   */
  record Result(double rps, double p99Millis, String problems, long requests, double cpuMicros) {
    Result withCpu(double cpuNanos) {
      return new Result(rps, p99Millis, problems, requests, requests == 0 ? 0 : cpuNanos / 1000 / requests);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%,9.0f req/s  p99 %6.2f ms%s%s", rps, p99Millis,
          cpuMicros > 0 ? String.format(Locale.ROOT, "  cpu %5.1f us/req", cpuMicros) : "",
          problems.isEmpty() ? "" : "  (" + problems + ")");
    }
  }

  public static void main(String[] args) throws Exception {
    int seconds = option(args, "--seconds", 10);
    int rounds = option(args, "--rounds", 3);
    ensureInstalled();
    Path dir = Files.createTempDirectory("deis-router-bench-");
    List<Process> started = new ArrayList<>();
    try {
      int upstreamPort = freePort();
      started.add(nginx(dir, "upstream", 1, "server { listen 127.0.0.1:" + upstreamPort + "; "
          + "location / { default_type text/plain; return 200 \"hello from the upstream\\n\"; } }"));
      awaitPort(upstreamPort);
      System.out.println("wrk -t1 -c" + CONNECTIONS + ", " + seconds + " s a run, " + rounds
          + " rounds alternating nginx and the router; medians. The machine: " + Runtime.getRuntime().availableProcessors()
          + " cores, load average " + loadAverage());
      System.out.println("upstream direct (nginx, 1 worker):  " + wrk(upstreamPort, "127.0.0.1", seconds));

      for (int threads : new int[] {1, 2}) {
        int nginxPort = freePort();
        Process proxy = nginx(dir, "proxy" + threads, threads, "upstream app { server 127.0.0.1:" + upstreamPort
            + "; keepalive 32; keepalive_requests 1000000; } server { listen 127.0.0.1:" + nginxPort + "; location / { "
            + "proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host $host; "
            + "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; "
            + "proxy_set_header X-Forwarded-Port $server_port; proxy_set_header X-Request-Id $request_id; } }");
        started.add(proxy);
        awaitPort(nginxPort);
        try (Router router = Router.builder().port(0).ioThreads(threads).accessLog(false).build().start()) {
          AppName app = AppName.of("bench");
          router.routes().addApp(app);
          router.routes().addUpstream(app, new Endpoint("127.0.0.1", upstreamPort));
          wrk(nginxPort, HOST, 3); // warm-ups: nginx's caches, the JIT
          wrk(router.port(), HOST, Math.max(10, seconds));
          List<Result> nginxRuns = new ArrayList<>();
          List<Result> routerRuns = new ArrayList<>();
          long jvmNanos = 0;
          for (int round = 0; round < rounds; round++) {
            long before = nginxWorkersCpuNanos(proxy.pid());
            Result n = wrk(nginxPort, HOST, seconds);
            nginxRuns.add(n.withCpu(nginxWorkersCpuNanos(proxy.pid()) - before));
            before = routerThreadsCpuNanos();
            long jvm = processCpuNanos();
            Result r = wrk(router.port(), HOST, seconds);
            routerRuns.add(r.withCpu(routerThreadsCpuNanos() - before));
            jvmNanos += processCpuNanos() - jvm; // the router's runs only
          }
          Result nginx = median(nginxRuns);
          Result ours = median(routerRuns);
          String what = threads + (threads == 1 ? " worker/thread  " : " workers/threads");
          double jvmMicros = jvmNanos / 1000.0 / Math.max(1, routerRuns.stream().mapToLong(Result::requests).sum());
          System.out.println("nginx  " + what + ": " + nginx + "   runs " + nginxRuns.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.rps)).toList());
          System.out.println("router " + what + ": " + ours + "   runs " + routerRuns.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.rps)).toList());
          System.out.printf(Locale.ROOT, "ratio  %s: throughput %.2fx nginx (goal >= 0.90), p99 %.2fx nginx (goal <= 1.50),"
              + " cpu per request %.2fx nginx (%.1f us/req for the whole JVM, GC and JIT included)%n", what,
              ours.rps / nginx.rps, ours.p99Millis / nginx.p99Millis, ours.cpuMicros / nginx.cpuMicros, jvmMicros);
        } finally {
          stop(proxy);
        }
      }
    } finally {
      started.forEach(RouterBenchmark::stop);
    }
  }

  /** The median throughput and, separately, the median p99 and CPU per request of several runs. */
  private static Result median(List<Result> runs) {
    double[] rps = runs.stream().mapToDouble(Result::rps).sorted().toArray();
    double[] p99 = runs.stream().mapToDouble(Result::p99Millis).sorted().toArray();
    double[] cpu = runs.stream().mapToDouble(Result::cpuMicros).sorted().toArray();
    String problems = runs.stream().map(Result::problems).filter(p -> !p.isEmpty()).reduce((a, b) -> a + "; " + b).orElse("");
    return new Result(rps[rps.length / 2], p99[p99.length / 2], problems, 0, cpu[cpu.length / 2]);
  }

  /** User and system CPU time of an nginx master's worker processes, from /proc (clock ticks of 10 ms). */
  private static long nginxWorkersCpuNanos(long masterPid) throws IOException {
    long ticks = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String stat = Files.readString(proc.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Long.parseLong(f[1]) == masterPid) { // field 4, ppid
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15, utime and stime
          }
        } catch (IOException | RuntimeException e) {
          // a process that ended meanwhile
        }
      }
    }
    return ticks * 10_000_000L;
  }

  /** CPU time of this whole JVM. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU time of the router's event-loop threads. */
  private static long routerThreadsCpuNanos() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("deis-router")) {
        total += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
      }
    }
    return total;
  }

  private static int option(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static Result wrk(int port, String host, int seconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("wrk", "-t1", "-c" + CONNECTIONS, "-d" + seconds + "s", "--latency", "-H", "Host: " + host,
        "http://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("wrk failed: " + out);
    }
    Matcher rps = RPS.matcher(out);
    Matcher p99 = P99.matcher(out);
    if (!rps.find() || !p99.find()) {
      throw new IllegalStateException("cannot read wrk's output: " + out);
    }
    double value = Double.parseDouble(p99.group(1));
    double millis = switch (p99.group(2)) {
      case "us" -> value / 1000;
      case "s" -> value * 1000;
      default -> value;
    };
    StringBuilder problems = new StringBuilder();
    Matcher errors = ERRORS.matcher(out);
    while (errors.find()) {
      problems.append(problems.length() == 0 ? "" : ", ").append(errors.group().strip());
    }
    Matcher total = REQUESTS.matcher(out);
    long requests = total.find() ? Long.parseLong(total.group(1)) : 0;
    return new Result(Double.parseDouble(rps.group(1)), millis, problems.toString(), requests, 0);
  }

  /** An nginx of its own (prefix, pid and logs in {@code dir}), in the foreground, stopped by its process. */
  private static Process nginx(Path dir, String name, int workers, String servers) throws IOException {
    Path prefix = Files.createDirectories(dir.resolve(name));
    Path conf = prefix.resolve("nginx.conf");
    String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    Files.writeString(conf, user + "worker_processes " + workers + ";\n"
        + "pid " + prefix.resolve("nginx.pid") + ";\n"
        + "error_log " + prefix.resolve("error.log") + " warn;\n"
        + "events { worker_connections 4096; }\n"
        + "http {\n"
        + "  access_log off;\n"
        + "  keepalive_requests 1000000;\n"
        + "  client_body_temp_path " + prefix.resolve("body") + "; proxy_temp_path " + prefix.resolve("proxy") + ";\n"
        + "  fastcgi_temp_path " + prefix.resolve("fastcgi") + "; uwsgi_temp_path " + prefix.resolve("uwsgi") + ";\n"
        + "  scgi_temp_path " + prefix.resolve("scgi") + ";\n"
        + "  " + servers + "\n"
        + "}\n");
    return new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", conf.toString(), "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
  }

  private static void stop(Process p) {
    p.destroy(); // SIGTERM: nginx's fast shutdown
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void ensureInstalled() throws IOException, InterruptedException {
    List<String> missing = new ArrayList<>();
    if (!onPath("nginx")) {
      missing.add("nginx-light");
    }
    if (!onPath("wrk")) {
      missing.add("wrk");
    }
    if (missing.isEmpty()) {
      return;
    }
    System.out.println("installing " + missing + " with apt-get");
    List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-q"));
    install.addAll(missing);
    for (List<String> command : List.of(List.of("apt-get", "update", "-q"), install)) {
      Process p = new ProcessBuilder(command).inheritIO().start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: install " + missing + " by hand");
      }
    }
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", program));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void awaitPort(int port) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("nothing listens on port " + port + " after 5 s: see the nginx logs");
  }
}
