package io.deis.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Controller;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol around the endpoints, over real HTTP: the probe, the version headers, paths with
 * and without trailing slashes, 404 and 405, tokens, and bodies that are malformed, mistyped,
 * unknown, too large or too deep, each refused with a clear 4xx that changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiProtocolTest {
  private Controller controller;
  private ApiServer server;
  private V1Client anonymous;
  private V1Client admin;
  private V1Client bob;

  @BeforeAll
  void start(@TempDir Path tmp) {
    controller = Controller.builder().trustedUsersOnly(true).passwordHashIterations(1000).dataDirectory(tmp).build();
    server = ApiServer.builder().controller(controller).port(0).maxRequestBytes(64 * 1024).maxJsonDepth(8)
        .authAttemptsPerMinute(1000).pageSizes(2, 3).build().start();
    anonymous = new V1Client(server.url());
    admin = anonymous.registerAndLogin("admin", "admin-pw");
    bob = anonymous.registerAndLogin("bob", "bob-pw");
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
  void theProbeWithoutATokenIs401AndEveryResponseCarriesTheApiVersion() {
    V1Client.Response probe = anonymous.get("/v1/");

    assertThat(probe.status()).isEqualTo(401);
    assertThat(probe.json().get("detail").textValue()).isEqualTo("Authentication credentials were not provided.");
    assertThat(probe.header("DEIS_API_VERSION")).contains("1.7");
    assertThat(probe.header("X_DEIS_API_VERSION")).contains("1.7");
    assertThat(probe.header("WWW-Authenticate")).contains("Token");
    V1Client.Response withToken = admin.get("/v1/");
    assertThat(withToken.status()).isEqualTo(200);
    assertThat(withToken.header("DEIS_API_VERSION")).contains("1.7");
    assertThat(anonymous.get("/v1/apps/nothing/").header("DEIS_API_VERSION")).contains("1.7");
  }

  @Test
  void aBadOrUnknownTokenIs401() {
    assertThat(anonymous.withToken("not-a-token").get("/v1/apps/").status()).isEqualTo(401);
    assertThat(anonymous.withToken("not-a-token").get("/v1/apps/").json().get("detail").textValue()).isEqualTo("Invalid token.");
    var bearer = anonymous.send(java.net.http.HttpRequest.newBuilder(server.url().resolve("/v1/apps/"))
        .header("Authorization", "Bearer " + "abc").GET().build());
    assertThat(bearer.status()).isEqualTo(401);
    assertThat(bearer.json().get("detail").textValue()).contains("Authorization: token <key>");
  }

  @Test
  void healthzNeedsNoTokenAndTakesOnlyGetAndHead() {
    V1Client.Response health = anonymous.get("/healthz");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("OK");
    assertThat(anonymous.send("HEAD", "/healthz", "").status()).isEqualTo(200);
    V1Client.Response post = anonymous.post("/healthz", "");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Allow")).contains("GET, HEAD");
  }

  @Test
  void collectionsAnswerWithAndWithoutTheTrailingSlashAndLoginAndTokensOnlyWithIt() {
    assertThat(admin.get("/v1/apps/").status()).isEqualTo(200);
    assertThat(admin.get("/v1/apps").status()).isEqualTo(200);
    assertThat(anonymous.post("/v1/auth/login", "{\"username\":\"admin\",\"password\":\"admin-pw\"}").status()).isEqualTo(404);
    assertThat(anonymous.post("/v1/auth/login/", "{\"username\":\"admin\",\"password\":\"admin-pw\"}").status()).isEqualTo(200);
    assertThat(bob.post("/v1/auth/tokens", "").status()).isEqualTo(404);
    // no redirects anywhere: the client would turn a POST into a GET
    assertThat(admin.get("/v1/apps").header("Location")).isEmpty();
  }

  @Test
  void anUnknownPathIs404AndAKnownPathWithAnotherMethodIs405NamingTheAllowedOnes() {
    V1Client.Response unknown = admin.get("/v1/nothing-here/");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("detail").textValue()).isEqualTo("Not found.");
    assertThat(admin.get("/v2/apps/").status()).isEqualTo(404);

    V1Client.Response patch = admin.send("PATCH", "/v1/apps/", "{}");
    assertThat(patch.status()).isEqualTo(405);
    assertThat(patch.json().get("detail").textValue()).isEqualTo("Method \"PATCH\" not allowed.");
    assertThat(patch.header("Allow")).contains("GET, POST");
    assertThat(admin.send("PUT", "/v1/apps/x/config/", "{}").status()).isEqualTo(405);
    assertThat(admin.send("DELETE", "/v1/apps/x/releases/", "").status()).isEqualTo(405);
  }

  @Test
  void anotherMajorClientVersionIsRefused() {
    var request = java.net.http.HttpRequest.newBuilder(server.url().resolve("/v1/apps/"))
        .header("DEIS_VERSION", "1234.5678").header("Authorization", "token " + admin.token()).GET().build();
    V1Client.Response r = admin.send(request);
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.json().get("error").textValue())
        .isEqualTo("Client and server versions do not match. Client version: 1234.5678 Server version: 1");
  }

  @Test
  void aQueryThatIsNotValidUtf8Is400() {
    V1Client.Response r = admin.get("/v1/apps/?page_size=%FF%FE");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.header("Content-Type").orElseThrow()).startsWith("application/json");
  }

  @Test
  void malformedJsonIs400AndCreatesNothing() {
    V1Client.Response r = admin.post("/v1/apps/", "{\"id\": \"half");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("detail").textValue()).startsWith("JSON parse error - ");
    assertThat(admin.post("/v1/apps/", "[\"an\", \"array\"]").json().get("detail").textValue())
        .isEqualTo("the request body must be a JSON object, not an array");
    assertThat(admin.post("/v1/apps/", "{\"id\":\"a\"} {\"id\":\"b\"}").status()).isEqualTo(400);
    assertThat(admin.post("/v1/apps/", "{\"id\":\"a\",\"id\":\"b\"}").status()).isEqualTo(400);
    assertThat(controller.appNames()).isEmpty();
  }

  @Test
  void aFieldOfTheWrongTypeIs400NamingTheField() {
    V1Client.Response r = admin.post("/v1/apps/", "{\"id\": 42}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("id").get(0).textValue()).isEqualTo("must be a string, not a number");
    assertThat(admin.post("/v1/keys/", "{\"id\":\"k\",\"public\":[\"ssh-rsa\"]}").json().get("public").get(0).textValue())
        .isEqualTo("must be a string, not an array");
    assertThat(controller.appNames()).isEmpty();
  }

  @Test
  void anUnknownFieldIs400NamingTheFieldsTheEndpointTakes() {
    V1Client.Response r = admin.post("/v1/apps/", "{\"id\":\"typo\",\"ownr\":\"bob\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("ownr").get(0).textValue()).isEqualTo("unknown field: POST /v1/apps/ takes id");
    assertThat(controller.appNames()).isEmpty();
  }

  @Test
  void aBodyOverTheLimitIs413NamingItAndChangesNothing() {
    String huge = "{\"id\":\"big\",\"pad\":\"" + "x".repeat(300 * 1024) + "\"}";
    // Several times: a server that answered before reading the body would close on a client still
    // sending, whose reset then loses the answer now and then.
    for (int i = 0; i < 20; i++) {
      V1Client.Response r = admin.post("/v1/apps/", huge);
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.json().get("detail").textValue()).isEqualTo("the request body is larger than this server's limit of 65536 bytes");
    }
    assertThat(controller.appNames()).isEmpty();
  }

  @Test
  void aChunkedBodyOverTheLimitIs413Too() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/apps/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: token "
          + admin.token() + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = ("{\"pad\":\"" + "y".repeat(40 * 1024)).getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 2; i++) {
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 413").contains("limit of 65536 bytes");
    }
    assertThat(controller.appNames()).isEmpty();
  }

  @Test
  void jsonNestedDeeperThanTheLimitIs400NamingIt() {
    String deep = "{\"values\":" + "{\"a\":".repeat(10) + "1" + "}".repeat(10) + "}";
    V1Client.Response r = admin.post("/v1/apps/", deep);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("detail").textValue()).isEqualTo("JSON nesting is deeper than this server's limit of 8 levels");
  }

  @Test
  void aBodyThatIsNotJsonIs415() {
    var request = java.net.http.HttpRequest.newBuilder(server.url().resolve("/v1/apps/"))
        .header("Authorization", "token " + admin.token()).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("id=form")).build();
    V1Client.Response r = admin.send(request);
    assertThat(r.status()).isEqualTo(415);
    assertThat(controller.appNames()).isEmpty();
  }

  @Test
  void listsArePagedWithCountNextAndPreviousAndThePageSizeIsBounded() {
    V1Client carol = anonymous.registerAndLogin("carol", "carol-pw");
    for (String name : new String[] {"page-a", "page-b", "page-c", "page-d"}) {
      assertThat(carol.post("/v1/apps/", "{\"id\":\"" + name + "\"}").status()).isEqualTo(201);
    }
    try {
      V1Client.Response first = carol.get("/v1/apps/?page_size=2");
      assertThat(first.json().get("count").intValue()).isEqualTo(4);
      assertThat(first.json().get("results")).hasSize(2);
      assertThat(first.json().get("previous").isNull()).isTrue();
      String next = first.json().get("next").textValue();
      assertThat(next).contains("page=2").contains("page_size=2");
      V1Client.Response second = carol.get(java.net.URI.create(next).getRawPath() + "?" + java.net.URI.create(next).getRawQuery());
      assertThat(second.json().get("results").get(0).get("id").textValue()).isEqualTo("page-c");
      assertThat(second.json().get("next").isNull()).isTrue();
      assertThat(second.json().get("previous").textValue()).contains("page=1");
      // this server's largest page is 3: a bigger page_size is served at 3, as Django REST framework did
      assertThat(carol.get("/v1/apps/?page_size=1000").json().get("results")).hasSize(3);
      assertThat(carol.get("/v1/apps/?page_size=0").status()).isEqualTo(400);
      assertThat(carol.get("/v1/apps/?page_size=ten").json().get("detail").textValue()).contains("page_size=ten");
    } finally {
      for (String name : new String[] {"page-a", "page-b", "page-c", "page-d"}) {
        carol.delete("/v1/apps/" + name + "/");
      }
    }
  }

  @Test
  void loginAndRegisterAreRateLimitedPerClientAddress() {
    try (Controller c = Controller.builder().trustedUsersOnly(true).passwordHashIterations(1000).build();
        ApiServer limited = ApiServer.builder().controller(c).port(0).authAttemptsPerMinute(3).build().start()) {
      V1Client client = new V1Client(limited.url());
      for (int i = 0; i < 3; i++) {
        assertThat(client.post("/v1/auth/login/", "{\"username\":\"nobody\",\"password\":\"guess" + i + "\"}").status()).isEqualTo(400);
      }
      V1Client.Response throttled = client.post("/v1/auth/register/", "{\"username\":\"eve\",\"password\":\"pw\"}");
      assertThat(throttled.status()).isEqualTo(429);
      assertThat(throttled.json().get("detail").textValue()).contains("at most 3 login and register attempts per minute");
      assertThat(throttled.header("Retry-After")).isPresent();
      assertThat(c.appNames()).isEmpty();
      // other endpoints are not limited
      assertThat(client.get("/v1/apps/").status()).isEqualTo(401);
    }
  }
}
