package io.deis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts the platform in a box as its README does and pushes the sample app to it with the real git and ssh. */
class PlatformInABoxTest {
  @TempDir
  Path tmp;

  @Test
  void thePrintedRemoteTakesAGitPushAndTheAppAnswers() throws Exception {
    Path key = tmp.resolve("id_ed25519");
    assertThat(run(tmp, Map.of(), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "you@laptop", "-f", key.toString()).exit).isZero();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    try (PlatformInABox.Running box = PlatformInABox.start(
        new String[] {"--app", "myapp", "--key", key + ".pub", "--port", "0", "--api-port", "0", "--router-port", "0", "--data",
            tmp.resolve("data").toString()},
        new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      String banner = printed.toString(StandardCharsets.UTF_8);
      String remote = "ssh://git@127.0.0.1:" + box.git().port() + "/myapp.git";
      assertThat(banner)
          .contains("git remote add deis " + remote)
          .contains("single-tenant, for development only")
          .contains("deis register http://127.0.0.1:" + box.api().port())
          .contains(box.admin().keys().get(0).fingerprint());

      Path repo = tmp.resolve("myapp");
      SampleApp.writeRepository(repo);
      Map<String, String> env = Map.of("HOME", tmp.toString(), "GIT_CONFIG_NOSYSTEM", "1",
          "GIT_SSH_COMMAND", "ssh -i " + key + " -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes"
              + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=" + tmp.resolve("known_hosts"));
      assertThat(run(repo, env, "git", "remote", "add", "deis", remote).exit).isZero();
      Result push = run(repo, env, "git", "push", "deis", "master");

      assertThat(push.exit).as(push.output).isZero();
      assertThat(push.output).contains("done, myapp:v2 deployed");
      String url = box.admin().endpoints("myapp").get(0);
      HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(answer.body()).isEqualTo("Hello from Deis!\n");
      assertThat(printed.toString(StandardCharsets.UTF_8)).contains("[deis] myapp: admin deployed");

      // The router the banner names reaches the app by its host name, as the README's curl does.
      int routerPort = box.router().port();
      assertThat(banner).contains("curl -H 'Host: myapp.local.deis' http://127.0.0.1:" + routerPort + "/");
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", routerPort)) {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: myapp.local.deis\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(response).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nHello from Deis!\n");
      }
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(Path dir, Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("SSH_AUTH_SOCK");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // a guard against a hung client, not a timing assertion
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), output);
  }
}
