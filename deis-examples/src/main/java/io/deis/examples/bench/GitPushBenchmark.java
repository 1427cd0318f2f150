package io.deis.examples.bench;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.examples.SampleApp;
import io.deis.server.GitServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Pushes one generated repository (2,000 files of random, incompressible bytes, 50 MB in all,
 * the same bytes every run) with the real git client, through each of:
 * <ol>
 *   <li>native git to a bare repository over file:// (no network, no encryption: the floor);
 *   <li>native git over the system OpenSSH (/usr/sbin/sshd on a loopback port, git-receive-pack):
 *       the baseline the goal is set against;
 *   <li>GitServer, pushing to a branch Deis does not deploy: the pack is received, checked and
 *       indexed exactly as for master, then the ref is refused, so this is the transport alone;
 *   <li>GitServer, pushing to master: transport plus the build (the tree checked out) and the deploy
 *       of a web process until it answers, i.e. what a developer waits for.
 * </ol>
 * Each is run {@value #RUNS} times into a fresh target, interleaved; the median is printed with its
 * ratio to OpenSSH. Run:
 * {@code mvn -q -pl deis-examples -am test-compile exec:java -Dexec.mainClass=io.deis.examples.bench.GitPushBenchmark}
 */
public final class GitPushBenchmark {
  private static final int FILES = 2_000;
  private static final int TOTAL_BYTES = 50 * 1024 * 1024;
  private static final int RUNS = 3;
  private static final long SEED = 20_260_101L;

  private GitPushBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("deis-git-bench-");
    Path home = Files.createDirectories(work.resolve("home"));
    try {
      Env env = new Env(home);
      System.out.printf("cores=%d, java=%s, %s, %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          env.run(work, "git", "--version").strip(), env.run(work, "ssh", "-V").strip());
      Path repo = generate(env, work.resolve("source"));
      Path key = work.resolve("id_ed25519");
      env.run(work, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench@localhost", "-f", key.toString());
      env.sshCommand = "ssh -i " + key + " -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes"
          + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=" + home.resolve("known_hosts");

      Map<String, List<Double>> times = new HashMap<>();
      Optional<OpenSsh> sshd = OpenSsh.start(work.resolve("sshd"), key);
      try (Controller deis = Controller.builder().dataDirectory(work.resolve("deis")).passwordHashIterations(1000).build();
           GitServer git = GitServer.builder().controller(deis).port(0).dataDirectory(work.resolve("git")).build().start()) {
        deis.register("bench", "bench-password", "");
        Session bench = deis.login("bench", "bench-password");
        bench.addKey("bench", Files.readString(Path.of(key + ".pub")));

        for (int run = 1; run <= RUNS; run++) {
          Path bare = work.resolve("file-" + run + ".git");
          env.run(work, "git", "init", "-q", "--bare", bare.toString());
          time(times, "native git, file://", () -> env.run(repo, "git", "push", "-q", "file://" + bare, "master"));

          if (sshd.isPresent()) {
            Path target = work.resolve("ssh-" + run + ".git");
            env.run(work, "git", "init", "-q", "--bare", target.toString());
            String url = "ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + sshd.get().port + target;
            time(times, "native git, OpenSSH", () -> env.run(repo, "git", "push", "-q", url, "master"));
          }

          String transportApp = "transport-" + run;
          bench.createApp(transportApp);
          String[] refused = new String[1];
          time(times, "GitServer, transport", () -> refused[0] = env.runAllowingFailure(repo, "git", "push", "-q", git.remoteUrl(transportApp), "master:bench"));
          if (!refused[0].contains("[remote rejected] master -> bench (Deis deploys pushes to master")) {
            throw new IllegalStateException("the transport-only push was not received and refused as expected:\n" + refused[0]);
          }

          String deployApp = "deploy-" + run;
          bench.createApp(deployApp);
          time(times, "GitServer, push to master", () -> env.run(repo, "git", "push", "-q", git.remoteUrl(deployApp), "master"));
          if (bench.currentRelease(deployApp).version() != 2) {
            throw new IllegalStateException("the push to master did not deploy v2 of " + deployApp);
          }
          bench.destroyApp(deployApp);
          bench.destroyApp(transportApp);
        }
      } finally {
        sshd.ifPresent(OpenSsh::stop);
      }
      report(times, sshd.isPresent());
    } finally {
      MoreFiles.deleteRecursively(work, RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }

  private static void report(Map<String, List<Double>> times, boolean haveSsh) {
    System.out.printf("%nPush of %d files, %d MB, median of %d runs (each run into a fresh target):%n", FILES, TOTAL_BYTES >> 20, RUNS);
    double ssh = haveSsh ? median(times.get("native git, OpenSSH")) : Double.NaN;
    double file = median(times.get("native git, file://"));
    for (String name : List.of("native git, file://", "native git, OpenSSH", "GitServer, transport", "GitServer, push to master")) {
      List<Double> t = times.get(name);
      if (t == null) {
        continue;
      }
      double m = median(t);
      System.out.printf("  %-28s %6.2f s  (runs %s)  x%.2f file://%s%n", name, m, format(t), m / file,
          haveSsh ? String.format("  x%.2f OpenSSH", m / ssh) : "");
    }
    if (haveSsh) {
      double ratio = median(times.get("GitServer, transport")) / ssh;
      System.out.printf("Goal: GitServer within 2x of native git over SSH -> transport x%.2f: %s%n", ratio, ratio <= 2 ? "met" : "NOT met");
    }
  }

  /** 2,000 files of seeded random bytes in 40 directories, committed on master. */
  private static Path generate(Env env, Path repo) throws IOException {
    SplittableRandom random = new SplittableRandom(SEED);
    int size = TOTAL_BYTES / FILES;
    for (int i = 0; i < FILES; i++) {
      Path file = repo.resolve(String.format("dir-%02d/file-%04d.bin", i % 40, i));
      Files.createDirectories(file.getParent());
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      Files.write(file, bytes);
    }
    SampleApp.writeRepository(repo); // adds Hello.java and the Procfile, commits everything on master
    System.out.printf("generated %s: %d files, %d MB of random bytes%n", repo, FILES + 2, TOTAL_BYTES >> 20);
    return repo;
  }

  private static void time(Map<String, List<Double>> times, String name, Runnable push) {
    long start = System.nanoTime();
    push.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    times.computeIfAbsent(name, n -> new ArrayList<>()).add(seconds);
    System.out.printf("  %-28s %6.2f s%n", name, seconds);
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }

  private static String format(List<Double> values) {
    return values.stream().map(v -> String.format("%.2f", v)).toList().toString();
  }

  /** The git client's environment: a private HOME, no system config, no agent. */
  private static final class Env {
    final Path home;
    String sshCommand = "ssh";

    Env(Path home) {
      this.home = home;
    }

    String run(Path dir, String... command) {
      Result r = exec(dir, command);
      if (r.exit != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed with exit " + r.exit + ":\n" + r.output);
      }
      return r.output;
    }

    String runAllowingFailure(Path dir, String... command) {
      return exec(dir, command).output;
    }

    private Result exec(Path dir, String... command) {
      try {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("SSH_AUTH_SOCK");
        pb.environment().putAll(Map.of("HOME", home.toString(), "GIT_CONFIG_NOSYSTEM", "1", "GIT_SSH_COMMAND", sshCommand,
            "GIT_AUTHOR_NAME", "Bench", "GIT_AUTHOR_EMAIL", "bench@localhost", "GIT_COMMITTER_NAME", "Bench",
            "GIT_COMMITTER_EMAIL", "bench@localhost"));
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IllegalStateException(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IllegalStateException("cannot run " + command[0] + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private record Result(int exit, String output) {}

  /** The system's sshd on a loopback port, with its own host key, config and authorized_keys in a temporary directory. */
  private static final class OpenSsh {
    final Process process;
    final int port;

    private OpenSsh(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Optional<OpenSsh> start(Path dir, Path clientKey) {
      Path sshd = Path.of("/usr/sbin/sshd");
      if (!Files.isExecutable(sshd)) {
        System.out.println("OpenSSH baseline skipped: /usr/sbin/sshd is not installed (apt-get install openssh-server)");
        return Optional.empty();
      }
      try {
        Files.createDirectories(dir);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString()).inheritIO().start().waitFor();
        Path authorized = dir.resolve("authorized_keys");
        Files.copy(Path.of(clientKey + ".pub"), authorized);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
          port = free.getLocalPort();
        }
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
            "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + hostKey, "PidFile " + dir.resolve("sshd.pid"),
            "AuthorizedKeysFile " + authorized, "StrictModes no", "UsePAM no", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin prohibit-password", ""));
        Files.createDirectories(Path.of("/run/sshd")); // privilege separation directory sshd insists on
        Process p = new ProcessBuilder(sshd.toString(), "-D", "-e", "-f", config.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        for (int i = 0; i < 50; i++) {
          if (!p.isAlive()) {
            System.out.println("OpenSSH baseline skipped: sshd exited with " + p.exitValue() + ": " + Files.readString(dir.resolve("sshd.log")).strip());
            return Optional.empty();
          }
          try {
            new java.net.Socket("127.0.0.1", port).close(); // sshd accepts connections: ready
            return Optional.of(new OpenSsh(p, port));
          } catch (IOException notYet) {
            Thread.sleep(100);
          }
        }
        p.destroy();
        System.out.println("OpenSSH baseline skipped: sshd did not listen on port " + port + " within 5 s");
        return Optional.empty();
      } catch (IOException e) {
        System.out.println("OpenSSH baseline skipped: " + e.getMessage());
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    void stop() {
      process.destroy();
    }
  }
}
