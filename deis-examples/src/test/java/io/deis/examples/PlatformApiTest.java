package io.deis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform in a box through its printed API URL, as the README's session goes: register,
 * keys:add, create, git push (real git and ssh) to the remote the v1 client derives, config:set,
 * releases, destroy; and with --docker, deis pull (an image build) on a real Docker daemon.
 */
class PlatformApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path tmp;

  @Test
  void theREADMEsSessionRunsAgainstThePrintedUrl() throws Exception {
    Path key = tmp.resolve("id_ed25519");
    assertThat(run(tmp, Map.of(), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "you@laptop", "-f", key.toString()).exit).isZero();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (PlatformInABox.Running box = PlatformInABox.start(
        new String[] {"--trusted-users", "--port", "0", "--api-port", "0", "--router-port", "0", "--data", tmp.resolve("data").toString()},
        new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      Matcher m = Pattern.compile("deis register (http://\\S+)").matcher(printed.toString(StandardCharsets.UTF_8));
      assertThat(m.find()).as(printed.toString(StandardCharsets.UTF_8)).isTrue();
      URI api = URI.create(m.group(1));

      assertThat(call(api, "GET", "/v1/", null, "").status).isEqualTo(401);
      assertThat(call(api, "POST", "/v1/auth/register/", null, "{\"username\":\"you\",\"password\":\"pw\",\"email\":\"you@laptop\"}").status)
          .isEqualTo(201);
      String token = call(api, "POST", "/v1/auth/login/", null, "{\"username\":\"you\",\"password\":\"pw\"}").json().get("token").textValue();
      String publicKey = Files.readString(Path.of(key + ".pub"));
      assertThat(call(api, "POST", "/v1/keys/", token, "{\"id\":\"you@laptop\",\"public\":" + JSON.writeValueAsString(publicKey) + "}").status)
          .isEqualTo(201);
      assertThat(call(api, "POST", "/v1/apps/", token, "{\"id\":\"myapp\"}").status).isEqualTo(201);

      // the remote the v1 client adds: ssh://git@<controller host>:2222/<app>.git (here the git server's free port)
      String remote = "ssh://git@" + api.getHost() + ":" + box.git().port() + "/myapp.git";
      Path repo = tmp.resolve("myapp");
      SampleApp.writeRepository(repo);
      Map<String, String> env = Map.of("HOME", tmp.toString(), "GIT_CONFIG_NOSYSTEM", "1",
          "GIT_SSH_COMMAND", "ssh -i " + key + " -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes"
              + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=" + tmp.resolve("known_hosts"));
      assertThat(run(repo, env, "git", "remote", "add", "deis", remote).exit).isZero();
      Result push = run(repo, env, "git", "push", "deis", "master");
      assertThat(push.exit).as(push.output).isZero();

      Reply config = call(api, "POST", "/v1/apps/myapp/config/", token, "{\"values\":{\"GREETING\":\"Howdy\"}}");
      assertThat(config.status).isEqualTo(201);
      assertThat(call(api, "GET", "/v1/apps/myapp/releases/", token, "").json().get("count").intValue()).isEqualTo(3);
      String url = box.controller().authenticate(token).endpoints("myapp").get(0);
      assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("Howdy\n");
      assertThat(call(api, "DELETE", "/v1/apps/myapp/", token, "").status).isEqualTo(204);
    }
  }

  @Test
  void withDockerAnImageBuildDeploysThroughTheApi() throws Exception {
    boolean required = Boolean.getBoolean("deis.docker.required");
    boolean daemon = run(tmp, Map.of(), "docker", "info").exit == 0 && Files.isExecutable(Path.of("/bin/busybox"));
    if (!daemon) {
      if (required) {
        throw new AssertionError("deis.docker.required is set but no Docker daemon answers (or /bin/busybox is missing)");
      }
      Assumptions.assumeTrue(false, "skipped: no Docker daemon (and Debian's busybox-static) on this machine");
    }
    String image = "deis-jvm-apitest/web:" + UUID.randomUUID().toString().substring(0, 8);
    Path context = Files.createDirectories(tmp.resolve("image"));
    Files.copy(Path.of("/bin/busybox"), context.resolve("busybox"));
    Files.writeString(context.resolve("Dockerfile"), """
        FROM scratch
        COPY busybox /bin/busybox
        RUN ["/bin/busybox", "--install", "-s", "/bin"]
        RUN mkdir -p /www /tmp && echo "Hello from an image" > /www/index.html
        """);
    Result built = run(context, Map.of(), "docker", "build", "-q", "--label", "io.deis.test=api", "-t", image, ".");
    assertThat(built.exit).as(built.output).isZero();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (PlatformInABox.Running box = PlatformInABox.start(
        new String[] {"--docker", "--port", "0", "--api-port", "0", "--router-port", "0", "--data", tmp.resolve("data").toString(), "--key",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK test@deis"},
        new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      assertThat(printed.toString(StandardCharsets.UTF_8)).contains("controller:    Docker");
      URI api = box.api().url();
      call(api, "POST", "/v1/auth/register/", null, "{\"username\":\"you\",\"password\":\"pw\"}");
      String token = call(api, "POST", "/v1/auth/login/", null, "{\"username\":\"you\",\"password\":\"pw\"}").json().get("token").textValue();
      String app = "pulled-" + UUID.randomUUID().toString().substring(0, 6);
      assertThat(call(api, "POST", "/v1/apps/", token, "{\"id\":\"" + app + "\"}").status).isEqualTo(201);
      try {
        // deis pull IMAGE -a APP, with a procfile: POST builds
        Reply build = call(api, "POST", "/v1/apps/" + app + "/builds/", token,
            "{\"image\":\"" + image + "\",\"procfile\":{\"web\":\"exec httpd -f -p $PORT -h /www\"}}");
        assertThat(build.status).as(build.body).isEqualTo(201);
        assertThat(build.json().get("image").textValue()).isEqualTo(image);
        assertThat(build.json().get("procfile").toString()).isEqualTo("{\"web\":\"exec httpd -f -p $PORT -h /www\"}");
        assertThat(build.headers.firstValue("X-Deis-Release")).contains("2");
        JsonNode ps = call(api, "GET", "/v1/apps/" + app + "/containers/", token, "").json();
        assertThat(ps.get("results").findValuesAsText("state")).containsExactly("up");
        String url = box.controller().authenticate(token).endpoints(app).get(0);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body())
            .isEqualTo("Hello from an image\n");
      } finally {
        call(api, "DELETE", "/v1/apps/" + app + "/", token, "");
        run(tmp, Map.of(), "docker", "image", "rm", "-f", image);
      }
    }
  }

  private record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }
  }

  private static Reply call(URI api, String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).header("Content-Type", "application/json")
        .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "token " + token);
    }
    HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r.headers());
  }

  private record Result(int exit, String output) {}

  private static Result run(Path dir, Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("SSH_AUTH_SOCK");
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (java.io.IOException e) {
      return new Result(127, e.getMessage());
    }
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // a guard against a hung client, not a timing assertion
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), output);
  }
}
