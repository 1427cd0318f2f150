package io.deis.server;

import static io.deis.server.GitCli.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.deis.controller.Controller;
import io.deis.server.api.ApiServer;
import io.deis.server.api.V1Client;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole session as the v1 client drives it, over HTTP, in the client's order, with the push made
 * by the real git and ssh clients: register, keys:add, create, git push, config:set, scale,
 * releases, rollback, logs, run, domains:add, info, destroy, cancel.
 */
class ApiSessionTest {
  @TempDir
  Path tmp;

  @Test
  void registerAddAKeyCreatePushConfigureScaleRollBackReadLogsRunAndDestroy() throws Exception {
    try (Controller controller = Controller.builder().trustedUsersOnly(true).passwordHashIterations(1000).dataDirectory(tmp.resolve("controller")).build();
        GitServer git = GitServer.builder().controller(controller).port(0).dataDirectory(tmp.resolve("git")).build().start();
        ApiServer api = ApiServer.builder().controller(controller).port(0).build().start()) {
      V1Client client = new V1Client(api.url());
      controller.register("admin", "admin-pw", "admin@example.com"); // as PlatformInABox does: alice is not the administrator

      // deis register http://127.0.0.1:PORT: the probe, the registration, then the probe and login again
      assertThat(client.get("/v1/").status()).isEqualTo(401);
      V1Client.Response registered = client.post("/v1/auth/register/",
          "{\"username\":\"alice\",\"password\":\"s3cret\",\"email\":\"alice@example.com\"}");
      assertThat(registered.status()).isEqualTo(201);
      assertThat(registered.json().get("is_superuser").booleanValue()).isFalse();
      assertThat(client.get("/v1/").status()).isEqualTo(401);
      V1Client alice = client.login("alice", "s3cret");

      // deis keys:add
      Path key = GitCli.newKey(Files.createDirectories(tmp.resolve("keys")), "alice", "ed25519");
      String publicKey = Files.readString(Path.of(key + ".pub"));
      V1Client.Response added = alice.post("/v1/keys/", "{\"id\":\"alice@test\",\"public\":" + V1Client.JSON.writeValueAsString(publicKey) + "}");
      assertThat(added.status()).as(added.toString()).isEqualTo(201);

      // deis create myapp: then the client adds the remote ssh://git@HOST:2222/myapp.git (here the git server's port)
      assertThat(alice.post("/v1/apps/", "{\"id\":\"myapp\"}").status()).isEqualTo(201);
      GitCli gitCli = new GitCli(Files.createDirectories(tmp.resolve("home")), key, git.port());
      Path repo = gitCli.newSampleRepo(tmp.resolve("myapp"));
      ok(gitCli.git(repo, "remote", "add", "deis", "ssh://git@127.0.0.1:" + git.port() + "/myapp.git"));

      // git push deis master
      GitCli.Result push = gitCli.git(repo, "push", "deis", "master");
      assertThat(push.exit()).as(push.output()).isZero();
      assertThat(push.output()).contains("done, myapp:v2 deployed");
      assertThat(answer(controller.authenticate(alice.token()).endpoints("myapp").get(0))).isEqualTo("Hello from Deis!\n");

      // deis config:set GREETING=Howdy: POST, then GET
      V1Client.Response set = alice.post("/v1/apps/myapp/config/", "{\"values\":{\"GREETING\":\"Howdy\"}}");
      assertThat(set.status()).isEqualTo(201);
      assertThat(set.header("X-Deis-Release")).contains("3");
      assertThat(alice.get("/v1/apps/myapp/config/").json().get("values").get("GREETING").textValue()).isEqualTo("Howdy");
      assertThat(answer(controller.authenticate(alice.token()).endpoints("myapp").get(0))).isEqualTo("Howdy\n");

      // deis scale web=2: POST scale, then ps:list
      assertThat(alice.post("/v1/apps/myapp/scale/", "{\"web\":2}").status()).isEqualTo(204);
      JsonNode ps = alice.get("/v1/apps/myapp/containers/?page_size=100").json();
      assertThat(ps.get("count").intValue()).isEqualTo(2);
      assertThat(ps.get("results").findValuesAsText("state")).containsExactly("up", "up");
      assertThat(ps.get("results").findValuesAsText("release")).containsExactly("v3", "v3");

      // deis releases
      JsonNode releases = alice.get("/v1/apps/myapp/releases/?page_size=100").json();
      assertThat(releases.get("results").findValuesAsText("summary")).containsExactly(
          "alice added GREETING", "alice deployed " + gitCli.head(repo).substring(0, 7), "alice created initial release");

      // deis rollback: v4 = v2's build and config, at the app's formation
      V1Client.Response rollback = alice.post("/v1/apps/myapp/releases/rollback/", "");
      assertThat(rollback.status()).isEqualTo(201);
      assertThat(rollback.json().get("version").intValue()).isEqualTo(4);
      assertThat(alice.get("/v1/apps/myapp/config/").json().get("values").has("GREETING")).isFalse();
      assertThat(answer(controller.authenticate(alice.token()).endpoints("myapp").get(0))).isEqualTo("Hello from Deis!\n");

      // deis logs
      V1Client.Response logs = alice.get("/v1/apps/myapp/logs");
      assertThat(logs.status()).isEqualTo(200);
      assertThat(logs.body()).contains("alice rolled back to v2").contains("myapp[web.1]: Hello listening on port");

      // deis run ls
      V1Client.Response run = alice.post("/v1/apps/myapp/run", "{\"command\":\"ls\"}");
      assertThat(run.status()).isEqualTo(200);
      assertThat(run.json().get(0).intValue()).isZero();
      assertThat(run.json().get(1).textValue()).isEqualTo("Hello.java\nProcfile\n");

      // deis domains:add, then deis info: the app, its containers, its domains
      assertThat(alice.post("/v1/apps/myapp/domains/", "{\"domain\":\"myapp.example.com\"}").status()).isEqualTo(201);
      JsonNode info = alice.get("/v1/apps/myapp/").json();
      assertThat(info.get("structure").toString()).isEqualTo("{\"web\":2}");
      assertThat(alice.get("/v1/apps/myapp/containers/?page_size=100").json().get("count").intValue()).isEqualTo(2);
      assertThat(alice.get("/v1/apps/myapp/domains/?page_size=100").json().get("results").findValuesAsText("domain"))
          .containsExactly("myapp.example.com");

      // deis destroy: the app, its containers and its repository go
      assertThat(alice.delete("/v1/apps/myapp/").status()).isEqualTo(204);
      assertThat(alice.get("/v1/apps/myapp/").status()).isEqualTo(404);
      assertThat(controller.authenticate(alice.token()).apps()).isEmpty();
      GitCli.Result afterDestroy = gitCli.git(repo, "push", "deis", "master");
      assertThat(afterDestroy.exit()).isNotZero();
      assertThat(afterDestroy.output()).contains("app 'myapp' does not exist");

      // deis auth:cancel
      assertThat(alice.delete("/v1/auth/cancel/").status()).isEqualTo(204);
      assertThat(alice.get("/v1/apps/").status()).isEqualTo(401);
    }
  }

  private static String answer(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
