package io.deis.router;

import static io.deis.router.RoutingTest.HTTP;
import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** WebSockets through the router, and draining an upstream without losing its requests. */
class UpgradeAndDrainTest {
  static final AppName APP = AppName.of("live");

  @Test
  void aWebSocketUpgradesAndCarriesMessagesBothWays() throws Exception {
    try (WebSocketEcho echo = new WebSocketEcho(); Router router = Router.builder().port(0).ioThreads(1).build().start()) {
      router.routes().addApp(APP);
      router.routes().addUpstream(APP, echo.endpoint());
      router.routes().addDomain(APP, "localhost"); // java.net.http's WebSocket sets Host from the URI only

      List<String> received = new CopyOnWriteArrayList<>();
      CountDownLatch three = new CountDownLatch(3);
      WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://localhost:" + router.port() + "/ws"),
          new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
              message.append(data);
              if (last) {
                received.add(message.toString());
                message.setLength(0);
                three.countDown();
              }
              webSocket.request(1);
              return null;
            }
          }).get(10, TimeUnit.SECONDS);
      ws.sendText("one", true).get();
      ws.sendText("two", true).get();
      ws.sendText("x".repeat(100_000), true).get(); // larger than any one read: several frames' worth of bytes
      assertThat(three.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(received.subList(0, 2)).containsExactly("echo: one", "echo: two");
      assertThat(received.get(2).length()).isEqualTo(100_006);
      assertThat(received.get(2)).startsWith("echo: xxx").endsWith("xxx");
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void drainingStopsNewRequestsAndWaitsForTheOnesInFlight() throws Exception {
    try (TestUpstream old = new TestUpstream("old"); TestUpstream fresh = new TestUpstream("fresh");
        Router router = Router.builder().port(0).ioThreads(2).build().start()) {
      router.routes().addApp(APP);
      router.routes().addUpstream(APP, old.endpoint());
      CompletableFuture<HttpResponse<String>> inFlight = HTTP.sendAsync(get(router, "/gate"), HttpResponse.BodyHandlers.ofString());
      await(() -> old.inFlight.get() == 1);
      router.routes().addUpstream(APP, fresh.endpoint());

      CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> router.routes().drain(APP, old.endpoint()));
      await(() -> router.routes().upstreams(APP).size() == 1);
      for (int i = 0; i < 10; i++) {
        assertThat(HTTP.send(get(router, "/"), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("fresh");
      }
      Thread.sleep(200);
      assertThat(drained).as("the drain waits for the request in flight").isNotDone();

      old.openGate();
      assertThat(inFlight.get(10, TimeUnit.SECONDS).body()).isEqualTo("first\nsecond\n");
      assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(router.routes().upstreams(APP)).containsExactly(fresh.endpoint());
    }
  }

  @Test
  void aDrainGivesUpAfterItsWindow() throws Exception {
    try (TestUpstream old = new TestUpstream("old");
        Router router = Router.builder().port(0).ioThreads(1).drainWindow(Duration.ofMillis(300)).build().start()) {
      router.routes().addApp(APP);
      router.routes().addUpstream(APP, old.endpoint());
      CompletableFuture<HttpResponse<String>> inFlight = HTTP.sendAsync(get(router, "/gate"), HttpResponse.BodyHandlers.ofString());
      await(() -> old.inFlight.get() == 1);
      long start = System.nanoTime();
      assertThat(router.routes().drain(APP, old.endpoint())).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
      assertThat(router.routes().drain(APP, old.endpoint())).as("not routed any more").isFalse();
      old.openGate();
      assertThat(inFlight.get(10, TimeUnit.SECONDS).body()).isEqualTo("first\nsecond\n"); // not cut by the router
    }
  }

  static HttpRequest get(Router router, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path)).header("Host", "live.local.deis")
        .timeout(Duration.ofSeconds(20)).build();
  }

  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
  }
}
