package io.deis.server;

import static io.deis.server.GitCli.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Release;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * git push and git clone with the real git and ssh clients against a GitServer on a loopback
 * port, deploying to the local runtime. One controller and server serve every test; each test
 * uses its own app.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GitServerTest {
  private Path tmp;

  private Controller controller;
  private GitServer server;
  private Session alice;
  private Session bob;
  private GitCli aliceGit;
  private GitCli bobGit;
  private GitCli strangerGit;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start(@TempDir Path dir) throws IOException {
    tmp = dir;
    controller = Controller.builder().trustedUsersOnly(true).passwordHashIterations(1000).dataDirectory(tmp.resolve("controller")).build();
    server = GitServer.builder().controller(controller).port(0).dataDirectory(tmp.resolve("git")).build().start();
    controller.register("admin", "admin-pw", "admin@example.com"); // the first user is the administrator; alice and bob are not
    controller.register("alice", "alice-pw", "alice@example.com");
    controller.register("bob", "bob-pw", "bob@example.com");
    alice = controller.login("alice", "alice-pw");
    bob = controller.login("bob", "bob-pw");

    Path keys = Files.createDirectories(tmp.resolve("keys"));
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path aliceKey = GitCli.newKey(keys, "alice", "ed25519");
    Path bobKey = GitCli.newKey(keys, "bob", "rsa");
    Path strangerKey = GitCli.newKey(keys, "stranger", "ed25519");
    alice.addKey("alice@laptop", GitCli.publicKey(aliceKey));
    bob.addKey("bob@laptop", GitCli.publicKey(bobKey));
    aliceGit = new GitCli(home, aliceKey, server.port());
    bobGit = aliceGit.withKey(bobKey);
    strangerGit = aliceGit.withKey(strangerKey);
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
    if (controller != null) {
      controller.close();
    }
  }

  @Test
  void aPushBuildsReleasesAndDeploysAndASecondPushMakesTheNextRelease() throws Exception {
    alice.createApp("hello");
    Path repo = aliceGit.newSampleRepo(tmp.resolve("hello"));
    ok(aliceGit.git(repo, "remote", "add", "deis", aliceGit.remote("hello")));

    GitCli.Result first = aliceGit.git(repo, "push", "deis", "master");

    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.output())
        .contains("remote: -----> Building hello from " + aliceGit.head(repo).substring(0, 7))
        .contains("remote: -----> Procfile declares types -> web")
        .contains("remote: -----> Launching... done, hello:v2 deployed")
        .contains("remote:        http://");
    assertThat(alice.currentRelease("hello").version()).isEqualTo(2);
    assertThat(get(alice.endpoints("hello").get(0))).isEqualTo("Hello from Deis!\n");
    // the endpoint printed to the pusher is the one that answers
    assertThat(first.output()).contains("remote:        " + alice.endpoints("hello").get(0));

    Path hello = repo.resolve("Hello.java");
    Files.writeString(hello, Files.readString(hello).replace("Hello from Deis!", "Hello again!"));
    aliceGit.commitAll(repo, "new greeting");
    GitCli.Result second = aliceGit.git(repo, "push", "deis", "master");

    assertThat(second.exit()).as(second.output()).isZero();
    assertThat(second.output()).contains("done, hello:v3 deployed");
    Release v3 = alice.currentRelease("hello");
    assertThat(v3.version()).isEqualTo(3);
    assertThat(v3.build().orElseThrow().sha()).contains(aliceGit.head(repo));
    assertThat(get(alice.endpoints("hello").get(0))).isEqualTo("Hello again!\n");
    assertThat(ok(aliceGit.git(repo, "ls-remote", "deis", "master")).output()).startsWith(aliceGit.head(repo));
  }

  @Test
  void aPushToMainDeploysAndAFreshCloneChecksOutMain() {
    alice.createApp("mainline");
    Path repo = aliceGit.newSampleRepo(tmp.resolve("mainline"));

    GitCli.Result push = aliceGit.git(repo, "push", aliceGit.remote("mainline"), "master:main");

    assertThat(push.exit()).as(push.output()).isZero();
    assertThat(push.output()).contains("done, mainline:v2 deployed");
    Path clone = tmp.resolve("mainline-copy");
    ok(aliceGit.git(tmp, "clone", "-q", aliceGit.remote("mainline"), clone.toString()));
    assertThat(ok(aliceGit.git(clone, "rev-parse", "--abbrev-ref", "HEAD")).output().strip()).isEqualTo("main");
    assertThat(aliceGit.head(clone)).isEqualTo(aliceGit.head(repo));
  }

  @Test
  void anUnregisteredKeyIsRefusedWithAMessageNamingIt() {
    alice.createApp("nokey");
    Path repo = strangerGit.newSampleRepo(tmp.resolve("nokey"));

    GitCli.Result push = strangerGit.git(repo, "push", strangerGit.remote("nokey"), "master");

    assertThat(push.exit()).isNotZero();
    assertThat(push.output()).contains("is not registered: add it with 'deis keys:add'").contains("Permission denied (publickey)");
    assertThat(alice.releases("nokey")).hasSize(1);
  }

  @Test
  void anotherUsersAppIsRefusedUntilItIsShared() throws Exception {
    alice.createApp("shared");
    Path repo = bobGit.newSampleRepo(tmp.resolve("shared"));

    GitCli.Result refused = bobGit.git(repo, "push", bobGit.remote("shared"), "master");

    assertThat(refused.exit()).isNotZero();
    assertThat(refused.output()).contains("bob has no access to app 'shared': ask its owner to run 'deis sharing:add bob -a shared'");
    assertThat(alice.releases("shared")).hasSize(1);

    alice.share("shared", "bob");
    GitCli.Result accepted = bobGit.git(repo, "push", bobGit.remote("shared"), "master");

    assertThat(accepted.exit()).as(accepted.output()).isZero();
    assertThat(accepted.output()).contains("done, shared:v2 deployed");
    Release v2 = alice.currentRelease("shared");
    assertThat(v2.owner()).isEqualTo("bob");
    assertThat(get(alice.endpoints("shared").get(0))).isEqualTo("Hello from Deis!\n");
  }

  @Test
  void anUnknownAppIsRefusedWithAMessage() {
    Path repo = aliceGit.newSampleRepo(tmp.resolve("ghost"));

    GitCli.Result push = aliceGit.git(repo, "push", aliceGit.remote("ghost"), "master");

    assertThat(push.exit()).isNotZero();
    assertThat(push.output()).contains("app 'ghost' does not exist: create it with 'deis create ghost'");
  }

  @Test
  void aBrokenProcfileIsRejectedWithItsLineNumberAndNothingIsReleased() throws Exception {
    alice.createApp("broken");
    Path repo = aliceGit.newSampleRepo(tmp.resolve("broken"));
    Files.writeString(repo.resolve("Procfile"), "web: exec java Hello.java\nthis line is not a process type\n");
    aliceGit.commitAll(repo, "broken Procfile");

    GitCli.Result push = aliceGit.git(repo, "push", aliceGit.remote("broken"), "master");

    assertThat(push.exit()).isNotZero();
    assertThat(push.output())
        .contains("remote:  !     Procfile line 2 is malformed")
        .contains("! [remote rejected] master -> master (Procfile line 2 is malformed");
    assertThat(alice.releases("broken")).hasSize(1);
    assertThat(alice.currentRelease("broken").version()).isEqualTo(1);
    assertThat(ok(aliceGit.git(repo, "ls-remote", aliceGit.remote("broken"))).output()).doesNotContain("refs/heads/master");
  }

  @Test
  void aDeployWhoseContainersCrashIsRejectedAndTheOldReleaseKeepsRunning() throws Exception {
    alice.createApp("crashy");
    Path repo = aliceGit.newSampleRepo(tmp.resolve("crashy"));
    ok(aliceGit.git(repo, "push", aliceGit.remote("crashy"), "master"));
    String good = aliceGit.head(repo);
    String endpoint = alice.endpoints("crashy").get(0);
    Files.writeString(repo.resolve("Procfile"), "web: echo 'cannot start' >&2; exit 3\n");
    aliceGit.commitAll(repo, "a web process that crashes");

    GitCli.Result push = aliceGit.git(repo, "push", aliceGit.remote("crashy"), "master");

    assertThat(push.exit()).isNotZero();
    assertThat(push.output()).contains("remote:  !     release v3 of crashy failed, v2 keeps running")
        .contains("! [remote rejected] master -> master");
    assertThat(alice.currentRelease("crashy").version()).isEqualTo(2);
    assertThat(alice.releases("crashy")).filteredOn(r -> r.status() == Release.Status.SUCCEEDED)
        .extracting(Release::version).containsExactly(1, 2);
    assertThat(ok(aliceGit.git(repo, "ls-remote", aliceGit.remote("crashy"), "master")).output()).startsWith(good);
    assertThat(get(endpoint)).isEqualTo("Hello from Deis!\n");
  }

  @Test
  void aPushToAnotherBranchIsRefused() {
    alice.createApp("branches");
    Path repo = aliceGit.newSampleRepo(tmp.resolve("branches"));

    GitCli.Result push = aliceGit.git(repo, "push", aliceGit.remote("branches"), "master:feature");

    assertThat(push.exit()).isNotZero();
    assertThat(push.output()).contains("Deis deploys pushes to master (or main) only, not feature: push with 'git push deis feature:master'");
    assertThat(alice.releases("branches")).hasSize(1);
  }

  @Test
  void theAppsRepositoryCanBeCloned() throws Exception {
    alice.createApp("cloned");
    Path repo = aliceGit.newSampleRepo(tmp.resolve("cloned"));
    ok(aliceGit.git(repo, "push", aliceGit.remote("cloned"), "master"));

    Path clone = tmp.resolve("cloned-copy");
    GitCli.Result result = aliceGit.git(tmp, "clone", aliceGit.remote("cloned"), clone.toString());

    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(aliceGit.head(clone)).isEqualTo(aliceGit.head(repo));
    assertThat(clone.resolve("Procfile")).hasSameTextualContentAs(repo.resolve("Procfile"));
    // deleting the deployed branch is refused: the app would run code no ref points at
    GitCli.Result delete = aliceGit.git(repo, "push", aliceGit.remote("cloned"), ":master");
    assertThat(delete.exit()).isNotZero();
    assertThat(delete.output()).contains("! [remote rejected] master");
    assertThat(ok(aliceGit.git(repo, "ls-remote", aliceGit.remote("cloned"), "master")).output()).startsWith(aliceGit.head(repo));
    // and bob, with no access, cannot read it
    GitCli.Result refused = bobGit.git(tmp, "clone", bobGit.remote("cloned"), tmp.resolve("bobs-copy").toString());
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.output()).contains("bob has no access to app 'cloned'");
  }

  @Test
  void repositoriesFollowTheAppsLife() {
    alice.createApp("mortal");
    Path repository = server.repository("mortal");
    assertThat(repository.resolve("HEAD")).exists();

    alice.destroyApp("mortal");

    assertThat(repository).doesNotExist();
  }

  @Test
  void appsMadeBeforeTheServerStartedGetTheirRepositoriesAtStartAndAClosedServerMakesNoMore() {
    alice.createApp("early");
    GitServer later = GitServer.builder().controller(controller).port(0).dataDirectory(tmp.resolve("later")).build().start();
    assertThat(later.repository("early").resolve("HEAD")).exists();

    later.close();
    alice.createApp("after-close");

    assertThat(later.repository("after-close")).doesNotExist();
    assertThat(server.repository("after-close").resolve("HEAD")).exists();
  }

  @Test
  void passwordAndKeyboardInteractiveLoginAreNotOffered() {
    GitCli.Result login = aliceGit.ssh(List.of("-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive"), "git-upload-pack '/hello.git'");

    assertThat(login.exit()).isEqualTo(255);
    assertThat(login.output()).contains("Permission denied (publickey)");
  }

  @Test
  void shellsOtherCommandsAndPathsOutsideTheRepositoriesAreRefused() {
    alice.createApp("guarded");

    GitCli.Result shell = aliceGit.ssh(List.of("-T"), null);
    GitCli.Result command = aliceGit.ssh(List.of(), "cat /etc/passwd");
    GitCli.Result upward = aliceGit.ssh(List.of(), "git-receive-pack '../../guarded.git'");
    GitCli.Result sideways = aliceGit.ssh(List.of(), "git-upload-pack '/guarded.git/../../etc'");
    GitCli.Result absolute = aliceGit.ssh(List.of(), "git-upload-pack '/etc/passwd'");

    assertThat(shell.exit()).isEqualTo(1);
    assertThat(shell.output()).contains("Deis does not provide shell access");
    assertThat(command.exit()).isEqualTo(1);
    assertThat(command.output()).contains("the command 'cat /etc/passwd' is not allowed");
    for (GitCli.Result refused : List.of(upward, sideways, absolute)) {
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.output()).contains("is not an app repository: use ssh://git@HOST:PORT/APP.git");
    }
  }

  @Test
  void treesWithDotGitEntriesAreRefusedByTheObjectChecks() throws Exception {
    alice.createApp("sneaky");
    Path repo = aliceGit.newSampleRepo(tmp.resolve("sneaky"));
    // A tree holding a '.git' entry: checked out, it would plant git metadata in the build tree.
    String blob = ok(aliceGit.git(repo, "hash-object", "-w", "Procfile")).output().strip();
    String tree = ok(aliceGit.gitWithInput(repo, "100644 blob " + blob + "\tProcfile\n100644 blob " + blob + "\t.git\n", "mktree"))
        .output().strip();
    String commit = ok(aliceGit.git(repo, "commit-tree", tree, "-m", "plants .git")).output().strip();

    GitCli.Result push = aliceGit.git(repo, "push", aliceGit.remote("sneaky"), commit + ":refs/heads/master");

    assertThat(push.exit()).isNotZero();
    assertThat(push.output()).contains("invalid name '.git'");
    assertThat(alice.releases("sneaky")).hasSize(1);
    assertThat(ok(aliceGit.git(repo, "ls-remote", aliceGit.remote("sneaky"))).output()).doesNotContain("refs/heads/master");
  }

  @Test
  void pushesToOneAppAreSerialized() throws Exception {
    alice.createApp("race");
    Path one = aliceGit.newSampleRepo(tmp.resolve("race-1"));
    Path two = aliceGit.newSampleRepo(tmp.resolve("race-2"));
    // Sibling commits: the sample commits can be identical (same content, author and second), so each
    // contender adds its own, and neither push is a fast-forward of the other.
    Files.writeString(one.resolve("NOTE"), "first contender\n");
    aliceGit.commitAll(one, "first contender");
    Files.writeString(two.resolve("NOTE"), "second contender\n");
    aliceGit.commitAll(two, "second contender");

    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var first = pool.submit(() -> aliceGit.git(one, "push", aliceGit.remote("race"), "master"));
      var second = pool.submit(() -> aliceGit.git(two, "push", aliceGit.remote("race"), "master"));
      List<GitCli.Result> results = List.of(first.get(), second.get());

      // Serialized, the later push is advertised the ref the first one made and git refuses to overwrite it;
      // interleaved, both would have been built and deployed (v2 and v3) and one ref update lost.
      assertThat(results).filteredOn(r -> r.exit() == 0).hasSize(1);
      assertThat(results).filteredOn(r -> r.exit() != 0).singleElement()
          .satisfies(r -> assertThat(r.output()).contains("[rejected]"));
      assertThat(alice.releases("race")).extracting(Release::version).containsExactly(1, 2);
      String winner = results.get(0).exit() == 0 ? aliceGit.head(one) : aliceGit.head(two);
      assertThat(ok(aliceGit.git(one, "ls-remote", aliceGit.remote("race"), "master")).output()).startsWith(winner);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void progressStreamsWhileTheDeployRunsAndOtherAppsPushMeanwhile() throws Exception {
    alice.createApp("slow");
    alice.createApp("quick");
    Path gate = tmp.resolve("slow-may-start");
    Path slow = aliceGit.newSampleRepo(tmp.resolve("slow"));
    // slow's web process cannot answer until the test opens the gate, so its push stays in the deploy step.
    Files.writeString(slow.resolve("Procfile"),
        "web: while [ ! -e " + gate + " ]; do sleep 0.1; done; exec java -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC Hello.java\n");
    aliceGit.commitAll(slow, "waits for the gate");
    Path quick = aliceGit.newSampleRepo(tmp.resolve("quick"));

    GitCli.Running slowPush = aliceGit.start(slow, "push", aliceGit.remote("slow"), "master");
    try {
      // The build's lines reach the pusher while the deploy is still waiting: streamed, not sent at the end.
      String soFar = slowPush.awaitOutput("remote: -----> Procfile declares types -> web");
      assertThat(soFar).doesNotContain("deployed");
      assertThat(slowPush.isAlive()).isTrue();
      assertThat(alice.currentRelease("slow").version()).isEqualTo(1);

      // slow holds its app's push and deploy; a push to another app goes through meanwhile.
      GitCli.Result quickPush = aliceGit.git(quick, "push", aliceGit.remote("quick"), "master");
      assertThat(quickPush.exit()).as(quickPush.output()).isZero();
      assertThat(alice.currentRelease("quick").version()).isEqualTo(2);
      assertThat(slowPush.isAlive()).isTrue();
    } finally {
      Files.createFile(gate);
    }
    GitCli.Result slowResult = slowPush.finish();
    assertThat(slowResult.exit()).as(slowResult.output()).isZero();
    assertThat(slowResult.output()).contains("-----> Launching... done, slow:v2 deployed");
    assertThat(alice.currentRelease("slow").version()).isEqualTo(2);
  }

  @Test
  void theHostKeyIsKeptAcrossRestarts() throws Exception {
    Path data = tmp.resolve("restart");
    String before;
    try (GitServer first = GitServer.builder().controller(controller).port(0).dataDirectory(data).build().start()) {
      before = hostKey(first.port());
    }
    try (GitServer second = GitServer.builder().controller(controller).port(0).dataDirectory(data).build().start()) {
      assertThat(hostKey(second.port())).isEqualTo(before);
    }
    assertThat(before).startsWith("ecdsa-sha2-nistp256 ");
  }

  /** The server's host key as a client sees it, without the host part of the known_hosts line. */
  private String hostKey(int port) {
    GitCli.Result scan = ok(GitCli.exec(tmp, java.util.Map.of(), List.of("ssh-keyscan", "-p", String.valueOf(port), "-t", "ecdsa", "127.0.0.1")));
    return scan.output().lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow().split(" ", 2)[1];
  }

  private String get(String url) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  static List<String> lines(String output) {
    return output.lines().toList();
  }
}
