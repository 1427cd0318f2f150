package io.deis.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each endpoint of the v1.7 reference over real HTTP: the request the v1 client sends and the
 * response it reads, field names, types (strings where it wants strings, numbers where it wants
 * numbers), status codes and error bodies. Each test uses its own app.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiEndpointsTest {
  private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dUTC";
  private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
  static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK test-ed25519@deis";
  static final String ECDSA = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDk2ArC12P4EerVNIrS4Mrz7NZbAQikUC3osBvjR/GzDt0dq+1OFiKwJLiRLKVgDg5cDPucr1nBGN5qtUzYWPWs= test-ecdsa@deis";

  private Path tmp;
  private ApiFixture deis;
  private V1Client admin;
  private V1Client alice;

  @BeforeAll
  void start(@TempDir Path dir) {
    tmp = dir;
    deis = new ApiFixture(dir.resolve("deis"));
    admin = deis.anonymous.registerAndLogin("admin", "admin-pw");
    alice = deis.anonymous.registerAndLogin("alice", "alice-pw");
  }

  @AfterAll
  void stop() {
    if (deis != null) {
      deis.close();
    }
  }

  private void createApp(V1Client as, String id) {
    V1Client.Response r = as.post("/v1/apps/", "{\"id\":\"" + id + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  // ---------------------------------------------------------------- auth

  @Test
  void registerAnswers201WithTheUserAndNeverThePassword() {
    V1Client.Response r = deis.anonymous.post("/v1/auth/register/",
        "{\"username\":\"test\",\"password\":\"opensesame\",\"email\":\"test@example.com\",\"first_name\":\"test\",\"last_name\":\"testerson\"}");

    assertThat(r.status()).isEqualTo(201);
    JsonNode user = r.json();
    assertThat(names(user)).isSubsetOf("id", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
        "is_active", "is_staff", "date_joined", "groups", "user_permissions");
    assertThat(user.get("username").textValue()).isEqualTo("test");
    assertThat(user.get("email").textValue()).isEqualTo("test@example.com");
    assertThat(user.get("is_superuser").booleanValue()).isFalse();
    assertThat(user.get("is_active").booleanValue()).isTrue();
    assertThat(user.get("date_joined").textValue()).matches(TIME);
    assertThat(r.body()).doesNotContain("opensesame");
    assertThat(deis.anonymous.post("/v1/auth/register/", "{\"username\":\"test\",\"password\":\"again\"}").status()).isEqualTo(400);
    assertThat(deis.anonymous.post("/v1/auth/register/", "{\"username\":\"nopassword\"}").json().get("password").get(0).textValue())
        .isEqualTo("This field is required.");
  }

  @Test
  void loginAnswersATokenAndAWrongPasswordIs400() {
    V1Client.Response ok = deis.anonymous.post("/v1/auth/login/", "{\"username\":\"alice\",\"password\":\"alice-pw\"}");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(names(ok.json())).containsExactly("token");
    assertThat(ok.json().get("token").isTextual()).isTrue();

    V1Client.Response wrong = deis.anonymous.post("/v1/auth/login/", "{\"username\":\"alice\",\"password\":\"nope\"}");
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.json().get("non_field_errors").get(0).textValue()).isEqualTo("Unable to log in with provided credentials.");
  }

  @Test
  void passwdChangesThePasswordOnlyWithTheCurrentOne() {
    V1Client dave = deis.anonymous.registerAndLogin("dave", "dave-pw");
    V1Client.Response wrong = dave.post("/v1/auth/passwd/", "{\"password\":\"bad\",\"new_password\":\"dave-pw2\"}");
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.json().toString()).isEqualTo("{\"detail\":\"Current password does not match\"}");
    assertThat(wrong.header("Content-Type").orElseThrow()).startsWith("application/json");

    assertThat(dave.post("/v1/auth/passwd/", "{\"password\":\"dave-pw\",\"new_password\":\"dave-pw2\"}").status()).isEqualTo(200);
    assertThat(deis.anonymous.post("/v1/auth/login/", "{\"username\":\"dave\",\"password\":\"dave-pw\"}").status()).isEqualTo(400);
    dave = deis.anonymous.login("dave", "dave-pw2");

    // an administrator sets it without the current one; a user naming someone else is refused
    assertThat(admin.post("/v1/auth/passwd/", "{\"username\":\"dave\",\"new_password\":\"dave-pw3\"}").status()).isEqualTo(200);
    assertThat(dave.get("/v1/apps/").status()).isEqualTo(401); // whoever knew the old password loses their sessions
    dave = deis.anonymous.login("dave", "dave-pw3");
    assertThat(dave.post("/v1/auth/passwd/", "{\"username\":\"alice\",\"new_password\":\"x\"}").status()).isEqualTo(403);
    assertThat(dave.post("/v1/auth/passwd/", "{\"username\":\"dave\",\"new_password\":\"x\"}").status()).isEqualTo(403);
    deis.anonymous.login("alice", "alice-pw");
  }

  @Test
  void tokensRegeneratesTheCallersTokenAndTheOldOneStopsWorking() {
    V1Client erin = deis.anonymous.registerAndLogin("erin", "erin-pw");
    V1Client.Response r = erin.post("/v1/auth/tokens/", "");
    assertThat(r.status()).isEqualTo(200);
    String fresh = r.json().get("token").textValue();
    assertThat(fresh).isNotEqualTo(erin.token());
    assertThat(erin.get("/v1/apps/").status()).isEqualTo(401);
    V1Client renewed = erin.withToken(fresh);
    assertThat(renewed.get("/v1/apps/").status()).isEqualTo(200);

    // administrators regenerate another user's token; others may not
    assertThat(renewed.post("/v1/auth/tokens/", "{\"username\":\"alice\"}").status()).isEqualTo(403);
    V1Client.Response forErin = admin.post("/v1/auth/tokens/", "{\"username\":\"erin\"}");
    assertThat(forErin.status()).isEqualTo(200);
    assertThat(renewed.get("/v1/apps/").status()).isEqualTo(401);
    assertThat(erin.withToken(forErin.json().get("token").textValue()).get("/v1/apps/").status()).isEqualTo(200);
    assertThat(renewed.post("/v1/auth/tokens/", "{\"all\":true}").status()).isEqualTo(401);
  }

  @Test
  void cancelDeletesTheAccountButNotWhileItOwnsApps() {
    V1Client frank = deis.anonymous.registerAndLogin("frank", "frank-pw");
    createApp(frank, "franks-app");
    V1Client.Response owning = frank.delete("/v1/auth/cancel/");
    assertThat(owning.status()).isEqualTo(409);
    assertThat(owning.json().get("detail").textValue()).isEqualTo("frank still has applications assigned. Delete or transfer ownership");

    assertThat(frank.delete("/v1/apps/franks-app/").status()).isEqualTo(204);
    assertThat(frank.delete("/v1/auth/cancel/").status()).isEqualTo(204);
    assertThat(frank.get("/v1/apps/").status()).isEqualTo(401);
    assertThat(deis.anonymous.post("/v1/auth/login/", "{\"username\":\"frank\",\"password\":\"frank-pw\"}").status()).isEqualTo(400);

    V1Client grace = deis.anonymous.registerAndLogin("grace", "grace-pw");
    assertThat(grace.delete("/v1/auth/cancel/", "{\"username\":\"alice\"}").status()).isEqualTo(403);
    assertThat(admin.delete("/v1/auth/cancel/", "{\"username\":\"grace\"}").status()).isEqualTo(204);
    assertThat(grace.get("/v1/apps/").status()).isEqualTo(401);
  }

  // ---------------------------------------------------------------- apps

  @Test
  void createAnswers201WithTheAppsFieldsAndAGeneratedNameForAnEmptyBody() {
    V1Client.Response r = alice.post("/v1/apps/", "{\"id\":\"example-go\"}");
    assertThat(r.status()).isEqualTo(201);
    JsonNode app = r.json();
    assertThat(names(app)).containsExactlyInAnyOrder("uuid", "created", "updated", "id", "owner", "url", "structure");
    assertThat(app.get("id").textValue()).isEqualTo("example-go");
    assertThat(app.get("owner").textValue()).isEqualTo("alice");
    assertThat(app.get("url").textValue()).isEqualTo("example-go.deisapp.local");
    assertThat(app.get("structure").isObject()).isTrue();
    assertThat(app.get("uuid").textValue()).matches(UUID);
    assertThat(app.get("created").textValue()).matches(TIME);
    assertThat(alice.get("/v1/apps/example-go/").json()).isEqualTo(app);

    V1Client.Response generated = alice.post("/v1/apps/", "");
    assertThat(generated.status()).isEqualTo(201);
    assertThat(generated.json().get("id").textValue()).matches("^[a-z]+-[a-z]+$");
  }

  @Test
  void badReservedAndDuplicateIdsAre400UnderTheIdField() {
    assertThat(alice.post("/v1/apps/", "{\"id\":\"camelCase\"}").json().get("id").get(0).textValue())
        .contains("App IDs can only contain [a-z0-9-]");
    assertThat(alice.post("/v1/apps/", "{\"id\":\"deis\"}").json().get("id").get(0).textValue()).isEqualTo("deis is a reserved name.");
    createApp(alice, "taken");
    V1Client.Response duplicate = alice.post("/v1/apps/", "{\"id\":\"taken\"}");
    assertThat(duplicate.status()).isEqualTo(400);
    assertThat(duplicate.json().get("id").get(0).textValue()).contains("This field must be unique.");
  }

  @Test
  void listShowsTheCallersAppsAndAdministratorsSeeEveryApp() {
    createApp(alice, "listed");
    JsonNode list = alice.get("/v1/apps/?page_size=100").json();
    assertThat(list.get("count").isInt()).isTrue();
    assertThat(list.get("results").findValuesAsText("id")).contains("listed");
    assertThat(admin.get("/v1/apps/?page_size=100").json().get("results").findValuesAsText("id")).contains("listed");
  }

  @Test
  void transferGivesTheAppAwayAndTheOldOwnerLosesIt() {
    V1Client henry = deis.anonymous.registerAndLogin("henry", "henry-pw");
    createApp(alice, "given");
    V1Client.Response r = alice.post("/v1/apps/given/", "{\"owner\":\"henry\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(henry.get("/v1/apps/given/").json().get("owner").textValue()).isEqualTo("henry");
    assertThat(alice.get("/v1/apps/given/").status()).isEqualTo(403);
    assertThat(henry.post("/v1/apps/given/", "{\"owner\":\"nobody-at-all\"}").status()).isEqualTo(404);
  }

  @Test
  void destroyIs204AndTheAppsResourcesAre404Afterwards() {
    createApp(alice, "doomed");
    assertThat(alice.delete("/v1/apps/doomed/").status()).isEqualTo(204);
    for (String sub : new String[] {"", "config/", "releases/", "builds/", "containers/"}) {
      assertThat(alice.get("/v1/apps/doomed/" + sub).status()).as(sub).isEqualTo(404);
    }
  }

  @Test
  void logsArePlainTextWithRealNewlines() {
    createApp(alice, "logged");
    alice.post("/v1/apps/logged/config/", "{\"values\":{\"POWERED_BY\":\"deis\"}}");
    V1Client.Response r = alice.get("/v1/apps/logged/logs");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(r.body()).contains("deis[api]: alice created initial release\n").contains("deis[api]: alice added POWERED_BY\n");
    assertThat(r.body()).doesNotContain("\"").doesNotContain("\\n");
    assertThat(alice.get("/v1/apps/logged/logs?log_lines=1").body().strip().lines()).hasSize(1);
    assertThat(alice.get("/v1/apps/logged/logs?log_lines=20000").json().get("detail").textValue())
        .isEqualTo("?log_lines=20000 is over this server's limit of 10000 lines");
  }

  @Test
  void runAnswersTheExitCodeAndTheOutputAsAnArray() {
    createApp(alice, "runner");
    V1Client.Response noBuild = alice.post("/v1/apps/runner/run", "{\"command\":\"echo hi\"}");
    assertThat(noBuild.status()).isEqualTo(400);
    assertThat(noBuild.json().get("detail").textValue()).isEqualTo("No build associated with this release to run this command");

    deis.deploy(alice, "runner", ApiFixture.WORKER_PROCFILE);
    V1Client.Response r = alice.post("/v1/apps/runner/run", "{\"command\":\"echo hi\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().toString()).isEqualTo("[0,\"hi\\n\"]");
    assertThat(alice.post("/v1/apps/runner/run", "{\"command\":\"echo oops; exit 3\"}").json().toString()).isEqualTo("[3,\"oops\\n\"]");
  }

  // ---------------------------------------------------------------- config

  @Test
  void configOfANewAppIsEmptyAndAPostMergesValuesAndMakesARelease() {
    createApp(alice, "configured");
    JsonNode empty = alice.get("/v1/apps/configured/config/").json();
    assertThat(names(empty)).containsExactlyInAnyOrder("uuid", "owner", "created", "updated", "app", "values", "memory", "cpu", "tags");
    for (String field : new String[] {"values", "memory", "cpu", "tags"}) {
      assertThat(empty.get(field).isObject() && empty.get(field).isEmpty()).as(field).isTrue();
    }

    V1Client.Response set = alice.post("/v1/apps/configured/config/", "{\"values\":{\"HELLO\":\"world\",\"PLATFORM\":\"deis\"}}");
    assertThat(set.status()).isEqualTo(201);
    assertThat(set.header("X-Deis-Release")).contains("2");
    assertThat(set.header("Deis-Release")).contains("2");
    assertThat(set.json().get("values").toString()).isEqualTo("{\"HELLO\":\"world\",\"PLATFORM\":\"deis\"}");
    assertThat(set.json().get("app").textValue()).isEqualTo("configured");
    assertThat(set.json().get("uuid").textValue()).matches(UUID).isNotEqualTo(empty.get("uuid").textValue());
    assertThat(alice.get("/v1/apps/configured/config/").json()).isEqualTo(set.json());

    V1Client.Response unset = alice.post("/v1/apps/configured/config/", "{\"values\":{\"HELLO\":null}}");
    assertThat(unset.header("X-Deis-Release")).contains("3");
    assertThat(unset.json().get("values").toString()).isEqualTo("{\"PLATFORM\":\"deis\"}");
    // numbers are kept as strings; a JSON-encoded string is read as the object it holds
    assertThat(alice.post("/v1/apps/configured/config/", "{\"values\":{\"PORT\":5000}}").json().get("values").get("PORT").textValue())
        .isEqualTo("5000");
    assertThat(alice.post("/v1/apps/configured/config/", "{\"values\":\"{\\\"NEW_URL\\\": \\\"http://localhost/\\\"}\"}")
        .json().get("values").get("NEW_URL").textValue()).isEqualTo("http://localhost/");
    assertThat(alice.get("/v1/apps/configured/releases/").json().get("count").intValue()).isEqualTo(5);
  }

  @Test
  void aConfigPostThatChangesNothingMakesNoReleaseAndAnswersTheConfig() {
    createApp(alice, "unchanged");
    alice.post("/v1/apps/unchanged/config/", "{\"values\":{\"A\":\"1\"}}");
    V1Client.Response same = alice.post("/v1/apps/unchanged/config/", "{\"values\":{\"A\":\"1\"}}");
    assertThat(same.status()).isEqualTo(200);
    assertThat(same.header("X-Deis-Release")).isEmpty();
    assertThat(same.json().get("values").get("A").textValue()).isEqualTo("1");
    assertThat(alice.post("/v1/apps/unchanged/config/", "{}").status()).isEqualTo(200);
    assertThat(alice.get("/v1/apps/unchanged/releases/").json().get("count").intValue()).isEqualTo(2);
  }

  @Test
  void limitsAndTagsAreSetAndUnsetAndCpuComesBackAsNumbers() {
    createApp(alice, "limited");
    alice.post("/v1/apps/limited/config/", "{\"memory\":{\"web\":\"1G\"}}");
    JsonNode memory = alice.post("/v1/apps/limited/config/", "{\"memory\":{\"worker\":\"512M\"}}").json().get("memory");
    assertThat(memory.toString()).isEqualTo("{\"web\":\"1G\",\"worker\":\"512M\"}");
    JsonNode cpu = alice.post("/v1/apps/limited/config/", "{\"cpu\":{\"web\":\"1024\"}}").json().get("cpu");
    assertThat(cpu.get("web").isInt()).isTrue();
    assertThat(cpu.get("web").intValue()).isEqualTo(1024);
    assertThat(alice.post("/v1/apps/limited/config/", "{\"memory\":{\"worker\":null}}").json().get("memory").toString())
        .isEqualTo("{\"web\":\"1G\"}");
    JsonNode tags = alice.post("/v1/apps/limited/config/", "{\"tags\":{\"environ\":\"dev\",\"rack\":\"1\"}}").json().get("tags");
    assertThat(tags.toString()).isEqualTo("{\"environ\":\"dev\",\"rack\":\"1\"}");
    assertThat(alice.post("/v1/apps/limited/config/", "{\"tags\":{\"rack\":null}}").json().get("tags").toString())
        .isEqualTo("{\"environ\":\"dev\"}");
    // setting values does not wipe limits
    assertThat(alice.post("/v1/apps/limited/config/", "{\"values\":{\"X\":\"y\"}}").json().get("memory").toString())
        .isEqualTo("{\"web\":\"1G\"}");
  }

  @Test
  void invalidConfigIs400UnderItsFieldAndChangesNothing() {
    createApp(alice, "strict");
    assertThat(alice.post("/v1/apps/strict/config/", "{\"values\":{\"FOO-BAR\":\"x\"}}").json().get("values").get(0).textValue())
        .contains("Config keys must start with a letter or underscore and only contain [A-z0-9_]");
    assertThat(alice.post("/v1/apps/strict/config/", "{\"cpu\":{\"web\":\"this will fail\"}}").json().get("cpu").get(0).textValue())
        .contains("CPU shares must be an integer");
    assertThat(alice.post("/v1/apps/strict/config/", "{\"memory\":{\"web\":\"20MK\"}}").json().get("memory").get(0).textValue())
        .contains("Limit format: <number><unit>, where unit = B, K, M or G");
    assertThat(alice.post("/v1/apps/strict/config/", "{\"tags\":{\"in.valid\":\"x\"}}").json().get("tags").get(0).textValue())
        .contains("Tag keys can only contain [a-z]");
    assertThat(alice.post("/v1/apps/strict/config/", "{\"values\":{\"OK\":true}}").json().get("values").get(0).textValue())
        .contains("must be a string, a number or null, not a boolean");
    assertThat(alice.post("/v1/apps/strict/config/", "{\"values\":[1]}").json().get("values").get(0).textValue())
        .isEqualTo("must be a JSON object, not an array");
    assertThat(alice.get("/v1/apps/strict/releases/").json().get("count").intValue()).isEqualTo(1);
    assertThat(alice.get("/v1/apps/strict/config/").json().get("values").isEmpty()).isTrue();
  }

  // ---------------------------------------------------------------- builds and releases

  @Test
  void buildsListTheAppsBuildsAndAnImageBuildOnTheLocalRuntimeIsRefusedClearly() {
    createApp(alice, "built");
    assertThat(alice.get("/v1/apps/built/builds/").json().get("count").intValue()).isZero();
    var release = deis.deploy(alice, "built", ApiFixture.WORKER_PROCFILE);

    JsonNode builds = alice.get("/v1/apps/built/builds/").json();
    assertThat(builds.get("count").intValue()).isEqualTo(1);
    JsonNode build = builds.get("results").get(0);
    assertThat(names(build)).containsExactlyInAnyOrder("uuid", "owner", "created", "updated", "app", "dockerfile", "image", "procfile", "sha");
    assertThat(build.get("sha").textValue()).isEqualTo(release.build().orElseThrow().sha().orElseThrow());
    assertThat(build.get("procfile").toString()).isEqualTo("{\"worker\":\"exec sleep 1000\"}");
    assertThat(build.get("dockerfile").textValue()).isEmpty();

    V1Client.Response image = alice.post("/v1/apps/built/builds/", "{\"image\":\"deis/example-go:latest\",\"procfile\":{\"web\":\"./cmd\"}}");
    assertThat(image.status()).isEqualTo(400);
    assertThat(image.json().get("detail").textValue()).contains("deis/example-go:latest").contains("Docker");
    assertThat(alice.post("/v1/apps/built/builds/", "{\"procfile\":{}}").json().get("image").get(0).textValue()).isEqualTo("This field is required.");
    assertThat(alice.post("/v1/apps/built/builds/", "{\"image\":\"has space\"}").json().get("image").get(0).textValue()).contains("is invalid");
    assertThat(alice.post("/v1/apps/built/builds/", "{\"image\":\"x\",\"procfile\":{\"web\":1}}").json().get("procfile").get(0).textValue())
        .contains("must be a string");
    assertThat(alice.get("/v1/apps/built/releases/").json().get("count").intValue()).isEqualTo(2);
  }

  @Test
  void releasesAreListedNewestFirstWithTheirBuildAndConfigUuids() {
    createApp(alice, "released");
    JsonNode v1 = alice.get("/v1/apps/released/releases/v1/").json();
    assertThat(names(v1)).contains("uuid", "owner", "created", "updated", "app", "build", "config", "summary", "version");
    assertThat(v1.get("version").isInt()).isTrue();
    assertThat(v1.get("build").isNull()).isTrue();
    assertThat(v1.get("config").textValue()).matches(UUID);
    assertThat(v1.get("summary").textValue()).isEqualTo("alice created initial release");

    alice.post("/v1/apps/released/config/", "{\"values\":{\"NEW_URL\":\"http://localhost:8080/\"}}");
    var deployed = deis.deploy(alice, "released", ApiFixture.WORKER_PROCFILE);

    JsonNode list = alice.get("/v1/apps/released/releases/").json();
    assertThat(list.get("count").intValue()).isEqualTo(3);
    assertThat(list.get("results").findValuesAsText("summary")).containsExactly(
        "alice deployed " + deployed.build().orElseThrow().sha().orElseThrow().substring(0, 7), "alice added NEW_URL",
        "alice created initial release");
    JsonNode v3 = list.get("results").get(0);
    assertThat(v3.get("version").intValue()).isEqualTo(3);
    assertThat(v3.get("build").textValue()).isEqualTo(deployed.build().orElseThrow().uuid());
    assertThat(alice.get("/v1/apps/released/releases/3/").json().get("version").intValue()).isEqualTo(3);
    assertThat(alice.get("/v1/apps/released/releases/v9/").status()).isEqualTo(404);
    assertThat(alice.get("/v1/apps/released/releases/latest/").status()).isEqualTo(404);
  }

  @Test
  void rollbackAnswers201WithTheNewVersion() {
    createApp(alice, "rolled");
    V1Client.Response nothing = alice.post("/v1/apps/rolled/releases/rollback/", "");
    assertThat(nothing.status()).isEqualTo(400);
    assertThat(nothing.json().get("detail").textValue()).contains("nothing to roll back to");

    var v2 = deis.deploy(alice, "rolled", ApiFixture.WORKER_PROCFILE);
    alice.post("/v1/apps/rolled/config/", "{\"values\":{\"A\":\"1\"}}"); // v3
    V1Client.Response back = alice.post("/v1/apps/rolled/releases/rollback/", "");
    assertThat(back.status()).isEqualTo(201);
    assertThat(back.json().toString()).isEqualTo("{\"version\":4}");
    JsonNode v4 = alice.get("/v1/apps/rolled/releases/v4/").json();
    assertThat(v4.get("config").textValue()).isEqualTo(v2.config().uuid());
    assertThat(v4.get("summary").textValue()).isEqualTo("alice rolled back to v2");
    assertThat(alice.get("/v1/apps/rolled/config/").json().get("values").isEmpty()).isTrue();

    assertThat(alice.post("/v1/apps/rolled/releases/rollback/", "{\"version\":3}").json().toString()).isEqualTo("{\"version\":5}");
    assertThat(alice.get("/v1/apps/rolled/config/").json().get("values").get("A").textValue()).isEqualTo("1");
    assertThat(alice.post("/v1/apps/rolled/releases/rollback/", "{\"version\":1}").json().get("detail").textValue()).contains("no build");
    assertThat(alice.post("/v1/apps/rolled/releases/rollback/", "{\"version\":42}").status()).isEqualTo(404);
    assertThat(alice.post("/v1/apps/rolled/releases/rollback/", "{\"version\":\"two\"}").json().get("version").get(0).textValue())
        .contains("A valid integer is required");
  }

  // ---------------------------------------------------------------- containers

  @Test
  void scaleIs204AndContainersShowNumNumbersAndReleaseStrings() {
    createApp(alice, "scaled");
    V1Client.Response noBuild = alice.post("/v1/apps/scaled/scale/", "{\"worker\":1}");
    assertThat(noBuild.status()).isEqualTo(400);
    assertThat(noBuild.json().get("detail").textValue()).isEqualTo("No build associated with this release");
    deis.deploy(alice, "scaled", ApiFixture.WORKER_PROCFILE + "clock: exec sleep 1000\n");

    V1Client.Response scale = alice.post("/v1/apps/scaled/scale/", "{\"worker\":2,\"clock\":\"1\"}");
    assertThat(scale.status()).as(scale.toString()).isEqualTo(204);
    assertThat(scale.body()).isEmpty();
    assertThat(alice.get("/v1/apps/scaled/").json().get("structure").toString()).isEqualTo("{\"clock\":1,\"worker\":2}");

    JsonNode ps = alice.get("/v1/apps/scaled/containers/").json();
    assertThat(ps.get("count").intValue()).isEqualTo(3);
    JsonNode c = ps.get("results").get(1);
    assertThat(names(c)).containsExactlyInAnyOrder("owner", "app", "release", "type", "num", "state", "created", "updated", "uuid");
    assertThat(c.get("num").isInt()).isTrue();
    assertThat(c.get("release").textValue()).isEqualTo("v2");
    assertThat(c.get("state").textValue()).isEqualTo("up");
    assertThat(c.get("owner").textValue()).isEqualTo("alice");
    assertThat(c.get("created").textValue()).matches(TIME);

    JsonNode workers = alice.get("/v1/apps/scaled/containers/worker/").json();
    assertThat(workers.get("results").findValuesAsText("type")).containsExactly("worker", "worker");
    JsonNode second = alice.get("/v1/apps/scaled/containers/worker/2/").json();
    assertThat(second.get("num").intValue()).isEqualTo(2);
    assertThat(alice.get("/v1/apps/scaled/containers/worker/9/").status()).isEqualTo(404);
  }

  @Test
  void badScaleRequestsAre400WithTheOriginalsWords() {
    createApp(alice, "misscaled");
    deis.deploy(alice, "misscaled", ApiFixture.WORKER_PROCFILE);
    assertThat(alice.post("/v1/apps/misscaled/scale/", "{\"worker\":\"not_an_int\"}").json().get("detail").textValue())
        .startsWith("Invalid scaling format: invalid literal for int() with base 10: 'not_an_int'");
    assertThat(alice.post("/v1/apps/misscaled/scale/", "{\"worker\":[1]}").status()).isEqualTo(400);
    assertThat(alice.post("/v1/apps/misscaled/scale/", "{\"worker\":-1}").status()).isEqualTo(400);
    assertThat(alice.post("/v1/apps/misscaled/scale/", "{\"web\":1}").json().get("detail").textValue()).contains("Container type web does not exist");
    assertThat(alice.get("/v1/apps/misscaled/containers/").json().get("count").intValue()).isZero();
  }

  @Test
  void restartAnswersTheRestartedContainersAllOfATypeOrOne() {
    createApp(alice, "restarted");
    deis.deploy(alice, "restarted", ApiFixture.WORKER_PROCFILE + "clock: exec sleep 1000\n");
    assertThat(alice.post("/v1/apps/restarted/scale/", "{\"worker\":2,\"clock\":1}").status()).isEqualTo(204);

    V1Client.Response all = alice.post("/v1/apps/restarted/containers/restart/", "");
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.json().isArray()).isTrue();
    assertThat(all.json()).hasSize(3);
    assertThat(alice.post("/v1/apps/restarted/containers/worker/restart/", "").json().findValuesAsText("type"))
        .containsExactly("worker", "worker");
    JsonNode one = alice.post("/v1/apps/restarted/containers/worker/2/restart/", "").json();
    assertThat(one).hasSize(1);
    assertThat(one.get(0).get("num").intValue()).isEqualTo(2);
    assertThat(one.get(0).get("state").textValue()).isEqualTo("up");
  }

  // ---------------------------------------------------------------- domains and certificates

  @Test
  void domainsAreAddedListedAndRemovedAndInvalidOnesAre400() {
    createApp(alice, "domained");
    V1Client.Response added = alice.post("/v1/apps/domained/domains/", "{\"domain\":\"test-domain.example.com\"}");
    assertThat(added.status()).as(added.toString()).isEqualTo(201);
    assertThat(names(added.json())).isSubsetOf("uuid", "owner", "created", "updated", "app", "domain");
    assertThat(added.json().get("app").textValue()).isEqualTo("domained");
    assertThat(added.json().get("owner").textValue()).isEqualTo("alice");
    assertThat(alice.post("/v1/apps/domained/domains/", "{\"domain\":\"MYDOMAIN.NET\"}").status()).isEqualTo(201);

    JsonNode list = alice.get("/v1/apps/domained/domains/").json();
    assertThat(list.get("results").findValuesAsText("domain")).containsExactly("test-domain.example.com", "MYDOMAIN.NET");
    for (String bad : new String[] {"this_is_an.invalid.domain", "this-is-an.invalid.1", "django.pass--sandbox", "domain1", "*.deis.example.com"}) {
      V1Client.Response r = alice.post("/v1/apps/domained/domains/", "{\"domain\":\"" + bad + "\"}");
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.json().get("domain").get(0).textValue()).as(bad).isNotEmpty();
    }
    createApp(alice, "other-domained");
    assertThat(alice.post("/v1/apps/other-domained/domains/", "{\"domain\":\"test-domain.example.com\"}").json().get("domain").get(0).textValue())
        .contains("test-domain.example.com");
    assertThat(alice.post("/v1/apps/this-app-does-not-exist/domains/", "{\"domain\":\"x.example.com\"}").status()).isEqualTo(404);

    assertThat(alice.delete("/v1/apps/domained/domains/test-domain.example.com").status()).isEqualTo(204);
    assertThat(alice.get("/v1/apps/domained/domains/").json().get("results").findValuesAsText("domain")).containsExactly("MYDOMAIN.NET");
    assertThat(alice.delete("/v1/apps/domained/domains/test-domain.example.com").status()).isEqualTo(404);
  }

  @Test
  void certificatesAreAddedShownWithoutTheirKeyAndRemoved() throws Exception {
    String[] pem = TestCertificates.selfSigned(tmp, "foo.example.com");
    V1Client.Response added = alice.post("/v1/certs/", "{\"certificate\":" + V1Client.JSON.writeValueAsString(pem[0])
        + ",\"key\":" + V1Client.JSON.writeValueAsString(pem[1]) + "}");
    assertThat(added.status()).as(added.toString()).isEqualTo(201);
    JsonNode cert = added.json();
    assertThat(cert.get("common_name").textValue()).isEqualTo("foo.example.com");
    assertThat(cert.get("expires").textValue()).matches(TIME);
    assertThat(cert.get("id").isInt()).isTrue();
    assertThat(added.body()).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN CERTIFICATE");

    assertThat(alice.get("/v1/certs/").json().get("results").findValuesAsText("common_name")).containsExactly("foo.example.com");
    assertThat(alice.get("/v1/certs/foo.example.com").json().get("common_name").textValue()).isEqualTo("foo.example.com");
    V1Client.Response wildcard = alice.post("/v1/certs/", "{\"certificate\":" + V1Client.JSON.writeValueAsString(pem[0])
        + ",\"key\":" + V1Client.JSON.writeValueAsString(pem[1]) + ",\"common_name\":\"*.example.com\"}");
    assertThat(wildcard.status()).isEqualTo(400);
    assertThat(wildcard.json().get("detail").textValue()).contains("Wildcard certificates are not supported");
    V1Client.Response notAKey = alice.post("/v1/certs/", "{\"certificate\":" + V1Client.JSON.writeValueAsString(pem[0])
        + ",\"key\":\"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\"}");
    assertThat(notAKey.status()).isEqualTo(400);
    assertThat(admin.send("PUT", "/v1/certs/", "{}").status()).isEqualTo(405);

    assertThat(alice.delete("/v1/certs/foo.example.com").status()).isEqualTo(204);
    assertThat(alice.get("/v1/certs/").json().get("count").intValue()).isZero();
  }

  // ---------------------------------------------------------------- keys, perms, users

  @Test
  void keysAreAddedListedAndRemoved() {
    V1Client ivan = deis.anonymous.registerAndLogin("ivan", "ivan-pw");
    V1Client.Response added = ivan.post("/v1/keys/", "{\"id\":\"test-ed25519@deis\",\"public\":\"" + ED25519 + "\\n\"}");
    assertThat(added.status()).as(added.toString()).isEqualTo(201);
    JsonNode key = added.json();
    assertThat(names(key)).contains("uuid", "id", "owner", "public", "created", "updated");
    assertThat(key.get("id").textValue()).isEqualTo("test-ed25519@deis");
    assertThat(key.get("owner").textValue()).isEqualTo("ivan");
    assertThat(key.get("public").textValue()).isEqualTo(ED25519);
    assertThat(key.get("fingerprint").textValue()).matches("([0-9a-f]{2}:){15}[0-9a-f]{2}");

    assertThat(ivan.post("/v1/keys/", "{\"id\":\"ecdsa\",\"public\":\"" + ECDSA + "\"}").status()).isEqualTo(201);
    JsonNode list = ivan.get("/v1/keys/").json();
    assertThat(list.get("count").intValue()).isEqualTo(2);
    assertThat(alice.get("/v1/keys/").json().get("results").findValuesAsText("id")).doesNotContain("ecdsa");

    V1Client.Response duplicate = ivan.post("/v1/keys/", "{\"id\":\"again\",\"public\":\"" + ED25519 + "\"}");
    assertThat(duplicate.status()).isEqualTo(400);
    assertThat(duplicate.json().get("public").get(0).textValue()).contains("This field must be unique.");
    V1Client.Response bad = ivan.post("/v1/keys/", "{\"id\":\"bad\",\"public\":\"ssh-rsa foo_bar\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("public").get(0).textValue()).contains("Incorrect padding");

    assertThat(ivan.delete("/v1/keys/ecdsa").status()).isEqualTo(204);
    assertThat(ivan.delete("/v1/keys/ecdsa").status()).isEqualTo(404);
    assertThat(ivan.get("/v1/keys/").json().get("count").intValue()).isEqualTo(1);
  }

  @Test
  void sharingListsGrantsAndRevokesCollaborators() {
    V1Client judy = deis.anonymous.registerAndLogin("judy", "judy-pw");
    createApp(alice, "shared");
    assertThat(alice.get("/v1/apps/shared/perms/").json().toString()).isEqualTo("{\"users\":[]}");
    V1Client.Response grant = alice.post("/v1/apps/shared/perms/", "{\"username\":\"judy\"}");
    assertThat(grant.status()).isEqualTo(201);
    assertThat(alice.get("/v1/apps/shared/perms/").json().toString()).isEqualTo("{\"users\":[\"judy\"]}");
    assertThat(judy.get("/v1/apps/").json().get("results").findValuesAsText("id")).contains("shared");
    assertThat(alice.post("/v1/apps/shared/perms/", "{\"username\":\"nobody-here\"}").status()).isEqualTo(404);

    V1Client.Response revoke = alice.delete("/v1/apps/shared/perms/judy");
    assertThat(revoke.status()).isEqualTo(204);
    assertThat(revoke.body()).isEmpty();
    assertThat(judy.get("/v1/apps/shared/").status()).isEqualTo(403);
  }

  @Test
  void administratorsAreListedGrantedAndRevoked() {
    deis.anonymous.registerAndLogin("kate", "kate-pw");
    JsonNode admins = admin.get("/v1/admin/perms/").json();
    assertThat(admins.get("results").findValuesAsText("username")).containsExactly("admin");
    assertThat(admins.get("results").get(0).get("is_superuser").booleanValue()).isTrue();

    assertThat(admin.post("/v1/admin/perms/", "{\"username\":\"kate\"}").status()).isEqualTo(201);
    assertThat(admin.get("/v1/admin/perms/").json().get("count").intValue()).isEqualTo(2);
    assertThat(admin.delete("/v1/admin/perms/kate").status()).isEqualTo(204);
    assertThat(admin.get("/v1/admin/perms/").json().get("count").intValue()).isEqualTo(1);
  }

  @Test
  void usersListsEveryUserInDjangosShapeForAdministrators() {
    JsonNode users = admin.get("/v1/users/").json();
    JsonNode first = users.get("results").get(0);
    assertThat(first.get("id").isInt()).isTrue();
    assertThat(first.get("id").intValue()).isEqualTo(1);
    assertThat(first.get("username").textValue()).isEqualTo("admin");
    assertThat(first.get("is_superuser").booleanValue()).isTrue();
    assertThat(first.get("is_staff").booleanValue()).isTrue();
    assertThat(first.get("is_active").booleanValue()).isTrue();
    assertThat(first.get("date_joined").textValue()).matches(TIME);
    assertThat(users.get("results").findValuesAsText("username")).contains("alice");
  }
}
