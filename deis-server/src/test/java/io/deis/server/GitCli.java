package io.deis.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code git} and {@code ssh} command-line clients, isolated from the host's
 * configuration: HOME is a temporary directory, the system git config is ignored, no SSH agent is
 * used, and ssh offers exactly one key and keeps its own known_hosts.
 */
final class GitCli {
  /** A hung client fails the test with its output instead of hanging the build; not a timing assertion. */
  private static final long GUARD_MINUTES = 3;

  private final Path home;
  private final Path key;
  private final int port;

  GitCli(Path home, Path key, int port) {
    this.home = home;
    this.key = key;
    this.port = port;
  }

  /** A new key pair made by ssh-keygen: {@code type} is ed25519 or rsa. Returns the private key's path. */
  static Path newKey(Path dir, String name, String type) {
    Path key = dir.resolve(name);
    List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name + "@test", "-f", key.toString()));
    if (type.equals("rsa")) {
      command.addAll(List.of("-b", "3072"));
    }
    Result r = exec(dir, Map.of(), command);
    if (r.exit() != 0) {
      throw new IllegalStateException("ssh-keygen failed: " + r.output());
    }
    return key;
  }

  static String publicKey(Path privateKey) {
    try {
      return Files.readString(Path.of(privateKey + ".pub")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  GitCli withKey(Path otherKey) {
    return new GitCli(home, otherKey, port);
  }

  String sshCommand(String... extra) {
    return "ssh -i " + key + " -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no"
        + " -o UserKnownHostsFile=" + home.resolve("known_hosts") + " -p " + port + (extra.length == 0 ? "" : " " + String.join(" ", extra));
  }

  String remote(String app) {
    return "ssh://git@127.0.0.1:" + port + "/" + app + ".git";
  }

  Result git(Path dir, String... args) {
    return gitWithInput(dir, "", args);
  }

  Result gitWithInput(Path dir, String stdin, String... args) {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    return exec(dir, env(sshCommand()), command, stdin);
  }

  /** Starts git without waiting, so a test can watch its output arrive while it runs. */
  Running start(Path dir, String... args) {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
      pb.environment().remove("SSH_AUTH_SOCK");
      pb.environment().putAll(env(sshCommand()));
      return new Running(pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A git process whose output is collected as it comes. */
  static final class Running {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    Running(Process process) {
      this.process = process;
      this.reader = new Thread(() -> {
        byte[] buffer = new byte[4096];
        try (var in = process.getInputStream()) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            synchronized (output) {
              output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
              output.notifyAll();
            }
          }
        } catch (IOException e) {
          // process ended
        }
        synchronized (output) {
          output.notifyAll();
        }
      });
      reader.start();
    }

    /** Waits until the output so far contains {@code text}; fails if the process ends first. */
    String awaitOutput(String text) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(GUARD_MINUTES);
      synchronized (output) {
        while (output.indexOf(text) < 0) {
          if (!reader.isAlive() || System.nanoTime() > deadline) {
            throw new AssertionError("'" + text + "' never appeared in the output:\n" + output);
          }
          output.wait(200);
        }
        return output.toString();
      }
    }

    /** Ends the process (its input closed, then killed) and returns what it wrote. */
    Result stop() throws InterruptedException {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // gone already
      }
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      return finish();
    }

    boolean isAlive() {
      return process.isAlive();
    }

    Result finish() throws InterruptedException {
      if (!process.waitFor(GUARD_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
      }
      reader.join();
      return new Result(process.exitValue(), output.toString());
    }
  }

  /** Runs ssh itself against the server, e.g. to ask for a shell or a command git never sends. */
  Result ssh(List<String> options, String remoteCommand) {
    List<String> command = new ArrayList<>(List.of(sshCommand(options.toArray(String[]::new)).split(" ")));
    command.add("git@127.0.0.1");
    if (remoteCommand != null) {
      command.add(remoteCommand);
    }
    return exec(home, env(null), command);
  }

  /** Starts ssh with a remote command and leaves its input open, so the session stays until the server ends it or {@link Running#stop}. */
  Running startSsh(String remoteCommand) {
    List<String> command = new ArrayList<>(List.of(sshCommand().split(" ")));
    command.add("git@127.0.0.1");
    command.add(remoteCommand);
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
      pb.environment().remove("SSH_AUTH_SOCK");
      pb.environment().putAll(env(null));
      return new Running(pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A git working tree with the sample app committed on master. */
  Path newSampleRepo(Path dir) {
    try {
      Files.createDirectories(dir);
      for (String file : List.of("Hello.java", "Procfile")) {
        try (var in = GitCli.class.getResourceAsStream("/sample-app/" + file)) {
          Files.write(dir.resolve(file), in.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ok(git(dir, "init", "-q", "-b", "master"));
    commitAll(dir, "sample app");
    return dir;
  }

  void commitAll(Path dir, String message) {
    ok(git(dir, "add", "-A"));
    ok(git(dir, "commit", "-q", "-m", message));
  }

  String head(Path dir) {
    return ok(git(dir, "rev-parse", "HEAD")).output().strip();
  }

  static Result ok(Result r) {
    if (r.exit() != 0) {
      throw new AssertionError("command failed with exit " + r.exit() + ":\n" + r.output());
    }
    return r;
  }

  private Map<String, String> env(String gitSsh) {
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        "HOME", home.toString(),
        "GIT_CONFIG_NOSYSTEM", "1",
        "GIT_TERMINAL_PROMPT", "0",
        "GIT_AUTHOR_NAME", "Test Pusher",
        "GIT_AUTHOR_EMAIL", "pusher@example.com",
        "GIT_COMMITTER_NAME", "Test Pusher",
        "GIT_COMMITTER_EMAIL", "pusher@example.com"));
    if (gitSsh != null) {
      env.put("GIT_SSH_COMMAND", gitSsh);
    }
    return env;
  }

  static Result exec(Path dir, Map<String, String> env, List<String> command) {
    return exec(dir, env, command, "");
  }

  static Result exec(Path dir, Map<String, String> env, List<String> command, String stdin) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
      pb.environment().remove("SSH_AUTH_SOCK");
      pb.environment().remove("GIT_DIR");
      pb.environment().putAll(env);
      Process p = pb.start();
      try (var in = p.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      Thread reader = new Thread(() -> {
        try {
          p.getInputStream().transferTo(out);
        } catch (IOException e) {
          // the process was killed; what was read so far is reported
        }
      });
      reader.start();
      if (!p.waitFor(GUARD_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        reader.join(5000);
        throw new AssertionError(String.join(" ", command) + " did not finish:\n" + out.toString(StandardCharsets.UTF_8));
      }
      reader.join();
      return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  record Result(int exit, String output) {}
}
