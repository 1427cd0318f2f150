package io.deis.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests by host name to the right app, balanced over its upstreams, with Deis's answers when there is none. */
class RoutingTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static final AppName SHOP = AppName.of("shop");
  static final AppName BLOG = AppName.of("blog");

  Router router;
  final List<TestUpstream> upstreams = new ArrayList<>();

  @BeforeEach
  void start() {
    router = Router.builder().port(0).ioThreads(2).build().start();
  }

  @AfterEach
  void stop() {
    router.close();
    upstreams.forEach(TestUpstream::close);
  }

  TestUpstream upstream(AppName app, String name) throws Exception {
    TestUpstream u = new TestUpstream(name);
    upstreams.add(u);
    router.routes().addApp(app);
    router.routes().addUpstream(app, u.endpoint());
    return u;
  }

  static HttpResponse<String> get(Router router, String host, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path)).header("Host", host)
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eachHostReachesItsOwnApp() throws Exception {
    upstream(SHOP, "shop-1");
    upstream(BLOG, "blog-1");

    assertThat(get(router, "shop.local.deis", "/").body()).isEqualTo("shop-1");
    assertThat(get(router, "blog.local.deis", "/").body()).isEqualTo("blog-1");
    // A port, upper case and a trailing dot name the same host.
    assertThat(get(router, "SHOP.Local.Deis:8080", "/").body()).isEqualTo("shop-1");
    assertThat(get(router, "blog.local.deis.", "/").body()).isEqualTo("blog-1");
  }

  @Test
  void aCustomDomainReachesItsAppUntilRemoved() throws Exception {
    upstream(SHOP, "shop-1");
    router.routes().addDomain(SHOP, "www.Example.com");

    assertThat(get(router, "www.example.com", "/").body()).isEqualTo("shop-1");
    assertThat(router.routes().domains(SHOP)).containsExactly("www.example.com");

    router.routes().removeDomain("www.example.com");
    assertThat(get(router, "www.example.com", "/").statusCode()).isEqualTo(404);
    assertThat(get(router, "shop.local.deis", "/").body()).isEqualTo("shop-1");
  }

  @Test
  void anUnknownHostGets404WithOneLineNamingIt() throws Exception {
    HttpResponse<String> r = get(router, "nope.local.deis", "/x");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("404 Not Found: no app at host 'nope.local.deis'\n");
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }

  @Test
  void anAppWithNoUpstreamGets503() throws Exception {
    router.routes().addApp(SHOP);
    HttpResponse<String> r = get(router, "shop.local.deis", "/");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("503 Service Unavailable: app 'shop' has no container up\n");
  }

  @Test
  void aRemovedAppGets404AndAnAppWithoutItsUpstreamGets503() throws Exception {
    TestUpstream u = upstream(SHOP, "shop-1");
    router.routes().removeUpstream(SHOP, u.endpoint());
    assertThat(get(router, "shop.local.deis", "/").statusCode()).isEqualTo(503);
    router.routes().removeApp(SHOP);
    assertThat(get(router, "shop.local.deis", "/").statusCode()).isEqualTo(404);
  }

  @Test
  void roundRobinTakesEachUpstreamInTurn() throws Exception {
    TestUpstream a = upstream(SHOP, "a");
    TestUpstream b = upstream(SHOP, "b");
    TestUpstream c = upstream(SHOP, "c");
    for (int i = 0; i < 30; i++) {
      assertThat(get(router, "shop.local.deis", "/").statusCode()).isEqualTo(200);
    }
    assertThat(List.of(a.requests.get(), b.requests.get(), c.requests.get())).containsExactly(10, 10, 10);
  }

  @Test
  void leastInFlightAvoidsTheBusyUpstream() throws Exception {
    router.close();
    router = Router.builder().port(0).ioThreads(2).balancing(Balancing.LEAST_IN_FLIGHT).build().start();
    TestUpstream busy = upstream(SHOP, "busy");
    TestUpstream idle = upstream(SHOP, "idle");
    // Two long requests: one lands on each upstream. Then every quick one goes to whichever is free.
    CompletableFuture<HttpResponse<String>> held = HTTP.sendAsync(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + router.port() + "/gate")).header("Host", "shop.local.deis").build(),
        HttpResponse.BodyHandlers.ofString());
    awaitInFlight(busy, idle, 1);
    TestUpstream holding = busy.inFlight.get() == 1 ? busy : idle;
    TestUpstream free = holding == busy ? idle : busy;
    int before = holding.requests.get();
    for (int i = 0; i < 10; i++) {
      assertThat(get(router, "shop.local.deis", "/").body()).isEqualTo(free.name);
    }
    assertThat(holding.requests.get()).isEqualTo(before);
    holding.openGate();
    assertThat(held.get().body()).isEqualTo("first\nsecond\n");
  }

  private static void awaitInFlight(TestUpstream a, TestUpstream b, int total) throws InterruptedException {
    for (int i = 0; i < 500 && a.inFlight.get() + b.inFlight.get() < total; i++) {
      Thread.sleep(10);
    }
    assertThat(a.inFlight.get() + b.inFlight.get()).isEqualTo(total);
  }

  @Test
  void eachRequestGetsOneAccessLogLine() throws Exception {
    TestUpstream u = upstream(SHOP, "shop-1");
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8)); // slf4j-simple writes there
    try {
      HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/cart?item=1"))
          .header("Host", "shop.local.deis").header("X-Request-Id", "req-42").build(), HttpResponse.BodyHandlers.ofString());
      get(router, "nope.local.deis", "/");
      // The event loop writes a request's line after it flushed the answer, so the client can have it first.
      UpgradeAndDrainTest.await(() -> captured.toString(java.nio.charset.StandardCharsets.UTF_8).contains("nope.local.deis"));
    } finally {
      System.setErr(stderr);
    }
    String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(log).containsPattern("io\\.deis\\.router\\.access - 127\\.0\\.0\\.1 shop\\.local\\.deis \"GET /cart\\?item=1 HTTP/1\\.1\" 200 6 "
        + java.util.regex.Pattern.quote(u.endpoint().toString()) + " \\d+ms req-42");
    assertThat(log).containsPattern("127\\.0\\.0\\.1 nope\\.local\\.deis \"GET / HTTP/1\\.1\" 404 0 - \\d+ms [0-9a-f]{32}");
  }

  @Test
  void keepAliveConnectionsToTheUpstreamAreReused() throws Exception {
    TestUpstream u = upstream(SHOP, "shop-1");
    for (int i = 0; i < 20; i++) {
      assertThat(get(router, "shop.local.deis", "/peer").statusCode()).isEqualTo(200);
    }
    // One client connection, on one event loop: one pooled upstream connection serves all 20.
    assertThat(u.requests.get()).isEqualTo(20);
    assertThat(u.peers).hasSize(1);
  }
}
