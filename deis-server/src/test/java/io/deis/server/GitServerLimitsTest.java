package io.deis.server;

import static io.deis.server.GitCli.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.controller.Controller;
import io.deis.controller.Limits;
import io.deis.controller.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git server's bounds, with the real git and ssh clients: pack size, receive time, sessions
 * per user, idle connections and connection attempts per address. Each test has its own
 * controller and server with the limit under test set low; the platform serves one user (the
 * local runtime's default).
 */
class GitServerLimitsTest {
  @TempDir
  Path tmp;
  Controller controller;
  GitServer server;
  Session alice;
  GitCli git;

  private void serve(Limits limits, UnaryOperator<GitServer.Builder> options) throws Exception {
    controller = Controller.builder().passwordHashIterations(1000).limits(limits).dataDirectory(tmp.resolve("controller")).build();
    server = options.apply(GitServer.builder().controller(controller).port(0).dataDirectory(tmp.resolve("git"))).build().start();
    controller.register("alice", "alice-pw", "alice@example.com");
    alice = controller.login("alice", "alice-pw");
    Path key = GitCli.newKey(Files.createDirectories(tmp.resolve("keys")), "alice", "ed25519");
    alice.addKey("alice@laptop", GitCli.publicKey(key));
    git = new GitCli(Files.createDirectories(tmp.resolve("home")), key, server.port());
    alice.createApp("limited");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (controller != null) {
      controller.close();
    }
  }

  @Test
  void aPackOverTheSizeLimitIsRefusedAndNothingChanges() throws Exception {
    serve(Limits.defaults(), b -> b.maxPushBytes(64 * 1024));
    Path repo = git.newSampleRepo(tmp.resolve("app"));
    byte[] noise = new byte[512 * 1024];
    new Random(42).nextBytes(noise); // incompressible, so the pack is as large as the file
    Files.write(repo.resolve("noise.bin"), noise);
    git.commitAll(repo, "half a megabyte of noise");

    GitCli.Result push = git.git(repo, "push", git.remote("limited"), "master");

    assertThat(push.exit()).as(push.output()).isNotZero();
    assertThat(push.output()).containsIgnoringCase("limit");
    assertThat(alice.releases("limited")).hasSize(1);
    assertThat(ok(git.git(repo, "ls-remote", git.remote("limited"))).output()).doesNotContain("refs/heads/master");
  }

  @Test
  void aPushWhosePackDoesNotArriveInTimeIsCutOff() throws Exception {
    serve(Limits.defaults(), b -> b.maxReceiveTime(Duration.ofSeconds(2)));
    // receive-pack advertises the refs, then waits for commands that never come.
    GitCli.Running stalled = git.startSsh("git-receive-pack '/limited.git'");

    GitCli.Result ended = stalled.finish();

    assertThat(ended.output()).contains("the push did not arrive within 2 s, the limit: nothing was changed");
    assertThat(alice.releases("limited")).hasSize(1);
  }

  @Test
  void aUserMayHoldOnlySoManySessionsAtOnce() throws Exception {
    serve(Limits.defaults(), b -> b.maxSessionsPerUser(1));
    GitCli.Running first = git.startSsh("git-upload-pack '/limited.git'");
    first.awaitOutput("0000"); // the advertisement's end: the session is open and counted
    Path dir = Files.createDirectories(tmp.resolve("work"));

    GitCli.Result second = git.git(dir, "ls-remote", git.remote("limited"));
    assertThat(second.exit()).isNotZero();
    assertThat(second.output()).contains("alice has 1 git sessions open already, the most allowed at once");

    first.stop();
    assertThat(ok(git.git(dir, "ls-remote", git.remote("limited"))).exit()).isZero();
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    serve(Limits.defaults(), b -> b.idleTimeout(Duration.ofSeconds(2)));
    GitCli.Running idle = git.startSsh("git-upload-pack '/limited.git'");
    idle.awaitOutput("0000");

    GitCli.Result ended = idle.finish(); // returns only because the server closed the connection

    assertThat(ended.exit()).as(ended.output()).isNotZero();
  }

  @Test
  void connectionsOfferingUnregisteredKeysAreLimitedPerAddressByTheControllersAttemptLimiter() throws Exception {
    serve(Limits.builder().authAttempts(2, Duration.ofMinutes(10)).build(), b -> b);
    Path dir = Files.createDirectories(tmp.resolve("work"));
    GitCli stranger = git.withKey(GitCli.newKey(tmp.resolve("keys"), "stranger", "ed25519"));
    for (int i = 0; i < 3; i++) {
      ok(git.git(dir, "ls-remote", git.remote("limited"))); // a registered key is no guess: never counted
    }
    assertThat(stranger.git(dir, "ls-remote", git.remote("limited")).output()).contains("is not registered");
    assertThat(stranger.git(dir, "ls-remote", git.remote("limited")).output()).contains("is not registered");

    GitCli.Result third = stranger.git(dir, "ls-remote", git.remote("limited"));
    GitCli.Result evenAlice = git.git(dir, "ls-remote", git.remote("limited"));

    assertThat(third.exit()).isNotZero();
    assertThat(third.output()).contains("too many log-in or register attempts from 127.0.0.1: at most 2 per 10 min");
    assertThat(evenAlice.exit()).as("the address is refused, whatever key it offers now").isNotZero();
  }

  @Test
  void everyOptionIsRangeChecked() {
    assertThatThrownBy(() -> GitServer.builder().maxPushBytes(0)).hasMessageContaining("maxPushBytes 0 is out of range");
    assertThatThrownBy(() -> GitServer.builder().maxReceiveTime(Duration.ZERO)).hasMessageContaining("maxReceiveTime");
    assertThatThrownBy(() -> GitServer.builder().idleTimeout(null)).hasMessageContaining("idleTimeout");
    assertThatThrownBy(() -> GitServer.builder().authTimeout(Duration.ofDays(1))).hasMessageContaining("authTimeout");
    assertThatThrownBy(() -> GitServer.builder().maxSessionsPerUser(0)).hasMessageContaining("maxSessionsPerUser");
  }
}
