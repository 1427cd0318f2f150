package io.deis.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what, through HTTP, as the original controller answered: a stranger gets 403 with
 * Deis's exact words on an app that exists and 404 on one that does not; collaborators may do
 * everything but destroy, give away or share; administrators may do everything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiAuthorizationTest {
  private static final String DENIED = "{\"detail\":\"You do not have permission to perform this action.\"}";

  private ApiFixture deis;
  private V1Client admin;
  private V1Client owner;
  private V1Client collaborator;
  private V1Client stranger;

  @BeforeAll
  void start(@TempDir Path tmp) {
    deis = new ApiFixture(tmp);
    admin = deis.anonymous.registerAndLogin("autotest", "pw-1");
    owner = deis.anonymous.registerAndLogin("autotest-1", "pw-2");
    collaborator = deis.anonymous.registerAndLogin("autotest-2", "pw-3");
    stranger = deis.anonymous.registerAndLogin("autotest-3", "pw-4");
    assertThat(owner.post("/v1/apps/", "{\"id\":\"guarded\"}").status()).isEqualTo(201);
    deis.deploy(owner, "guarded", ApiFixture.WORKER_PROCFILE);
    assertThat(owner.post("/v1/apps/guarded/perms/", "{\"username\":\"autotest-2\"}").status()).isEqualTo(201);
  }

  @AfterAll
  void stop() {
    if (deis != null) {
      deis.close();
    }
  }

  /** Every app endpoint, as method, path and body. */
  private static List<String[]> appEndpoints(String app) {
    String a = "/v1/apps/" + app;
    return List.of(
        new String[] {"GET", a + "/", ""},
        new String[] {"POST", a + "/", "{\"owner\":\"autotest-3\"}"},
        new String[] {"DELETE", a + "/", ""},
        new String[] {"GET", a + "/logs", ""},
        new String[] {"POST", a + "/run", "{\"command\":\"echo hi\"}"},
        new String[] {"GET", a + "/config/", ""},
        new String[] {"POST", a + "/config/", "{\"values\":{\"X\":\"1\"}}"},
        new String[] {"GET", a + "/builds/", ""},
        new String[] {"POST", a + "/builds/", "{\"image\":\"deis/example-go\"}"},
        new String[] {"GET", a + "/releases/", ""},
        new String[] {"GET", a + "/releases/v1/", ""},
        new String[] {"POST", a + "/releases/rollback/", ""},
        new String[] {"GET", a + "/containers/", ""},
        new String[] {"GET", a + "/containers/worker/", ""},
        new String[] {"POST", a + "/containers/restart/", ""},
        new String[] {"POST", a + "/scale/", "{\"worker\":1}"},
        new String[] {"GET", a + "/perms/", ""},
        new String[] {"POST", a + "/perms/", "{\"username\":\"autotest-3\"}"},
        new String[] {"DELETE", a + "/perms/autotest-2", ""},
        new String[] {"GET", a + "/domains/", ""},
        new String[] {"POST", a + "/domains/", "{\"domain\":\"guarded.example.com\"}"},
        new String[] {"DELETE", a + "/domains/guarded.example.com", ""});
  }

  @Test
  void aStrangerGets403WithDeisWordsOnEveryEndpointOfAnAppThatExistsAndNothingChanges() {
    for (String[] e : appEndpoints("guarded")) {
      V1Client.Response r = stranger.send(e[0], e[1], e[2]);
      assertThat(r.status()).as(e[0] + " " + e[1]).isEqualTo(403);
      assertThat(r.body()).as(e[0] + " " + e[1]).isEqualTo(DENIED);
    }
    assertThat(owner.get("/v1/apps/guarded/").json().get("owner").textValue()).isEqualTo("autotest-1");
    assertThat(owner.get("/v1/apps/guarded/config/").json().get("values").isEmpty()).isTrue();
    assertThat(owner.get("/v1/apps/guarded/perms/").json().toString()).isEqualTo("{\"users\":[\"autotest-2\"]}");
    assertThat(owner.get("/v1/apps/guarded/releases/").json().get("count").intValue()).isEqualTo(2);
  }

  @Test
  void anAppThatDoesNotExistIs404ForEveryone() {
    for (String[] e : appEndpoints("this-app-does-not-exist")) {
      assertThat(stranger.send(e[0], e[1], e[2]).status()).as(e[0] + " " + e[1]).isEqualTo(404);
      assertThat(admin.send(e[0], e[1], e[2]).status()).as(e[0] + " " + e[1]).isEqualTo(404);
    }
  }

  @Test
  void aCollaboratorUsesTheAppButMayNotDestroyGiveAwayOrShareIt() {
    assertThat(collaborator.get("/v1/apps/guarded/").status()).isEqualTo(200);
    assertThat(collaborator.get("/v1/apps/guarded/builds/").status()).isEqualTo(200);
    assertThat(collaborator.get("/v1/apps/guarded/containers/").status()).isEqualTo(200);
    assertThat(collaborator.get("/v1/apps/guarded/releases/").status()).isEqualTo(200);
    assertThat(collaborator.get("/v1/apps/guarded/perms/").status()).isEqualTo(200);
    assertThat(collaborator.post("/v1/apps/guarded/run", "{\"command\":\"true\"}").status()).isEqualTo(200);

    assertThat(collaborator.delete("/v1/apps/guarded/").body()).isEqualTo(DENIED);
    assertThat(collaborator.post("/v1/apps/guarded/", "{\"owner\":\"autotest-2\"}").status()).isEqualTo(403);
    assertThat(collaborator.post("/v1/apps/guarded/perms/", "{\"username\":\"autotest-3\"}").status()).isEqualTo(403);
    assertThat(owner.get("/v1/apps/guarded/").status()).isEqualTo(200);
  }

  @Test
  void aCollaboratorMayRemoveOnlyThemselves() {
    V1Client other = deis.anonymous.registerAndLogin("autotest-4", "pw-5");
    assertThat(owner.post("/v1/apps/", "{\"id\":\"crowded\"}").status()).isEqualTo(201);
    owner.post("/v1/apps/crowded/perms/", "{\"username\":\"autotest-2\"}");
    owner.post("/v1/apps/crowded/perms/", "{\"username\":\"autotest-4\"}");

    assertThat(collaborator.delete("/v1/apps/crowded/perms/autotest-4").status()).isEqualTo(403);
    assertThat(collaborator.delete("/v1/apps/crowded/perms/autotest-2").status()).isEqualTo(204);
    assertThat(collaborator.get("/v1/apps/crowded/").status()).isEqualTo(403);
    assertThat(other.get("/v1/apps/crowded/").status()).isEqualTo(200);
  }

  @Test
  void anAdministratorMayDoEverythingWithAnotherUsersApp() {
    assertThat(owner.post("/v1/apps/", "{\"id\":\"supervised\"}").status()).isEqualTo(201);
    deis.deploy(owner, "supervised", ApiFixture.WORKER_PROCFILE);
    assertThat(admin.get("/v1/apps/supervised/").status()).isEqualTo(200);
    V1Client.Response config = admin.post("/v1/apps/supervised/config/", "{\"values\":{\"BY_ADMIN\":\"1\"}}");
    assertThat(config.status()).isEqualTo(201);
    assertThat(config.json().get("owner").textValue()).isEqualTo("autotest"); // the admin made this config
    assertThat(admin.post("/v1/apps/supervised/scale/", "{\"worker\":1}").status()).isEqualTo(204);
    assertThat(admin.post("/v1/apps/supervised/perms/", "{\"username\":\"autotest-3\"}").status()).isEqualTo(201);
    assertThat(admin.delete("/v1/apps/supervised/").status()).isEqualTo(204);
    assertThat(owner.get("/v1/apps/supervised/").status()).isEqualTo(404);
  }

  @Test
  void onlyAdministratorsListUsersAndAdministratorsAndGrantOrRevokeAdministration() {
    V1Client.Response users = stranger.get("/v1/users/");
    assertThat(users.status()).isEqualTo(403);
    assertThat(users.json().get("detail").textValue()).contains("You do not have permission");
    assertThat(stranger.get("/v1/admin/perms/").status()).isEqualTo(403);
    assertThat(stranger.post("/v1/admin/perms/", "{\"username\":\"autotest-3\"}").status()).isEqualTo(403);
    assertThat(stranger.delete("/v1/admin/perms/autotest").status()).isEqualTo(403);
    assertThat(admin.get("/v1/admin/perms/").json().get("count").intValue()).isEqualTo(1);
    assertThat(admin.post("/v1/admin/perms/", "{\"username\":\"nobody-here\"}").status()).isEqualTo(404);
  }

  @Test
  void usersSeeAndRemoveOnlyTheirOwnKeys() {
    String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl owner@laptop";
    assertThat(owner.post("/v1/keys/", "{\"id\":\"owner@laptop\",\"public\":\"" + key + "\"}").status()).isEqualTo(201);
    assertThat(stranger.get("/v1/keys/").json().get("count").intValue()).isZero();
    assertThat(stranger.delete("/v1/keys/owner@laptop").status()).isEqualTo(404);
    assertThat(owner.get("/v1/keys/").json().get("count").intValue()).isEqualTo(1);
  }
}
