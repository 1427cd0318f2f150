package io.deis.router;

import static io.deis.router.RoutingTest.HTTP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.model.AppName;
import io.deis.model.Endpoint;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP done properly: streaming, keep-alive, forwarding headers, limits, timeouts, retries and bad input. */
class HttpBehaviourTest {
  static final AppName APP = AppName.of("web");
  static final String HOST = "web.local.deis";

  Router router;
  TestUpstream upstream;

  @BeforeEach
  void start() throws IOException {
    upstream = new TestUpstream("web-1");
    router = newRouter(Router.builder());
  }

  Router newRouter(Router.Builder builder) {
    Router r = builder.port(0).ioThreads(1).build().start();
    r.routes().addApp(APP);
    r.routes().addUpstream(APP, upstream.endpoint());
    return r;
  }

  @AfterEach
  void stop() {
    router.close();
    upstream.close();
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path)).header("Host", HOST)
        .timeout(Duration.ofSeconds(20));
  }

  @Test
  void forwardingHeadersTellTheAppWhoAskedAndARequestIdIsKeptOrMade() throws Exception {
    String plain = HTTP.send(request("/headers").build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(plain).contains("x-forwarded-for: 127.0.0.1\n", "x-forwarded-proto: http\n",
        "x-forwarded-port: " + router.port() + "\n", "host: " + HOST + "\n");
    assertThat(plain).containsPattern("x-request-id: [0-9a-f]{32}\n");

    HttpResponse<String> given = HTTP.send(request("/headers").header("X-Forwarded-For", "203.0.113.7")
        .header("X-Request-Id", "abc-123").header("X-Forwarded-Proto", "https").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(given.body()).contains("x-forwarded-for: 203.0.113.7, 127.0.0.1\n", "x-request-id: abc-123\n",
        "x-forwarded-proto: http\n");
    assertThat(given.headers().firstValue("x-request-id")).hasValue("abc-123");

    String insane = HTTP.send(request("/headers").header("X-Request-Id", "no spaces <allowed>").build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(insane).containsPattern("x-request-id: [0-9a-f]{32}\n");
  }

  @Test
  void hopByHopHeadersStayOnTheirHop() throws Exception {
    try (RawHttp raw = new RawHttp(router.port())) {
      raw.send("GET /headers HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\n"
          + "Keep-Alive: timeout=5\r\nTE: trailers\r\nX-Kept: yes\r\n\r\n");
      String response = raw.readUntil("x-kept", 1);
      assertThat(response).startsWith("HTTP/1.1 200 OK").contains("x-kept: yes").doesNotContain("x-secret-hop")
          .doesNotContain("keep-alive: timeout").doesNotContain("\nte: ");
    }
  }

  @Test
  void requestBodiesStreamToTheAppBeforeTheyEnd() throws Exception {
    // The app reads the first KiB and says so; the client has sent only half of its body by then.
    try (RawHttp raw = new RawHttp(router.port())) {
      raw.send("POST /first-piece HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 8192\r\nConnection: close\r\n\r\n");
      raw.send(new byte[4096]);
      assertThat(upstream.firstPieceArrived.await(10, TimeUnit.SECONDS)).as("the app saw the body's start").isTrue();
      raw.send(new byte[4096]);
      upstream.releaseBody.countDown();
      assertThat(raw.readToEnd()).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\n8192");
    }
  }

  @Test
  void responseBodiesStreamToTheClientBeforeTheyEnd() throws Exception {
    HttpResponse<InputStream> response = HTTP.send(request("/gate").build(), HttpResponse.BodyHandlers.ofInputStream());
    InputStream in = response.body();
    assertThat(new String(in.readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("first\n"); // while the app still holds the rest
    upstream.openGate();
    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("second\n");
  }

  @Test
  void largeBodiesPassThroughIntactBothWays() throws Exception {
    router.close();
    router = newRouter(Router.builder().maxRequestBodyBytes(64L << 20));
    byte[] data = new byte[16 << 20];
    new Random(42).nextBytes(data);
    // /collect, not /echo: java.net.http reads no byte of the response before it has sent its whole body, so an app
    // that echoes while it reads needs the socket buffers along the way to hold all 16 MiB, and hangs when they do
    // not (as it does without any router in between). The echo while the body streams has its own test below.
    HttpResponse<byte[]> r = HTTP.send(request("/collect").POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Arrays.equals(r.body(), data)).as("16 MiB sent back byte for byte").isTrue();
  }

  @Test
  void anEchoWhileTheRequestStillStreamsFlowsBothWaysAtOnce() throws Exception {
    // The app sends each piece back as it reads it, so the response streams while the request still does, and a client
    // that writes and reads at once keeps both going. Small client buffers make both connections of the router turn
    // unwritable and writable again many times; three rounds on one connection reuse the pooled upstream connection.
    router.close();
    router = newRouter(Router.builder().maxRequestBodyBytes(64L << 20));
    byte[] data = new byte[8 << 20];
    new Random(43).nextBytes(data);
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(16 * 1024);
      socket.setSendBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), router.port()));
      socket.setSoTimeout(20_000); // a hang guard: no byte for 20 s fails the test
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      for (int round = 0; round < 3; round++) {
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
          try {
            out.write(("POST /echo HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: " + data.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            for (int off = 0; off < data.length; off += 64 * 1024) {
              out.write(data, off, Math.min(64 * 1024, data.length - off));
            }
            out.flush();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        StringBuilder head = new StringBuilder();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
          head.append(line).append('\n');
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("transfer-encoding: chunked");
        assertThat(Arrays.equals(readChunked(in), data)).as("round %d: 8 MiB echoed byte for byte", round).isTrue();
        sent.get(20, TimeUnit.SECONDS);
      }
    }
    assertThat(upstream.peers).as("one upstream connection, reused").hasSize(1);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("the connection closed after: " + line);
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16); size > 0;
        size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) {
      byte[] chunk = in.readNBytes(size);
      if (chunk.length < size) {
        throw new EOFException("the connection closed inside a chunk");
      }
      body.write(chunk);
      readLine(in); // the CRLF after the chunk
    }
    while (!readLine(in).isEmpty()) {
      // trailers
    }
    return body.toByteArray();
  }

  @Test
  void bodiesOverTheLimitGet413() throws Exception {
    router.close();
    router = newRouter(Router.builder().maxRequestBodyBytes(1000));
    HttpResponse<String> declared = HTTP.send(request("/echo").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1001])).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(declared.body()).isEqualTo("413 Request Entity Too Large: request bodies are limited to 1000 bytes\n");
    assertThat(upstream.requests.get()).isZero();

    try (RawHttp raw = new RawHttp(router.port())) { // chunked: found out only while streaming
      raw.send("POST /echo HTTP/1.1\r\nHost: " + HOST + "\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "258\r\n" + "x".repeat(600) + "\r\n" + "258\r\n" + "x".repeat(600) + "\r\n0\r\n\r\n");
      assertThat(raw.readToEnd()).startsWith("HTTP/1.1 413 ");
    }
    HttpResponse<String> within = HTTP.send(request("/echo").POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(within.body()).hasSize(1000);
  }

  @Test
  void malformedRequestsGet400AndTheRouterKeepsServing() throws Exception {
    String[] bad = {
        "GARBAGE\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: nope\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: " + HOST + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nboom\r\n",
        "GET / HTTP/1.1\r\nBad Header Name: x\r\nHost: " + HOST + "\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nHost: other.local.deis\r\n\r\n",
        "\u0000\u0001\u0002\u0003\r\n\r\n",
    };
    for (String request : bad) {
      try (RawHttp raw = new RawHttp(router.port())) {
        String response = raw.send(request).readToEnd();
        assertThat(response).as("answer to %s", request.replace("\r\n", "\\r\\n")).startsWith("HTTP/1.1 400 Bad Request")
            .contains("connection: close");
      }
    }
    try (RawHttp raw = new RawHttp(router.port())) {
      assertThat(raw.send("CONNECT " + HOST + ":443 HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n").readToEnd())
          .startsWith("HTTP/1.1 405 ");
    }
    try (RawHttp raw = new RawHttp(router.port())) {
      assertThat(raw.send("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n").readToEnd())
          .startsWith("HTTP/1.1 414 ");
    }
    try (RawHttp raw = new RawHttp(router.port())) {
      assertThat(raw.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + "b".repeat(20000) + "\r\n\r\n").readToEnd())
          .startsWith("HTTP/1.1 431 ");
    }
    assertThat(HTTP.send(request("/").build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("web-1");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
    try (RawHttp raw = new RawHttp(router.port())) {
      String one = "GET /status/201 HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";
      String two = "GET /slow?ms=200 HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";
      String three = "GET /status/202 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n";
      String all = raw.send(one + two + three).readToEnd();
      assertThat(all).containsSubsequence("HTTP/1.1 201 Created", "HTTP/1.1 200 OK", "web-1", "HTTP/1.1 202 Accepted");
    }
  }

  @Test
  void anAnswerBeforeTheBodyEndsKeepsTheClientConnectionUsable() throws Exception {
    try (RawHttp raw = new RawHttp(router.port())) {
      raw.send("POST /early HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 20000\r\n\r\n" + "x".repeat(5000));
      assertThat(raw.readUntil("early", 1)).startsWith("HTTP/1.1 200 OK").doesNotContain("connection: close");
      raw.send("y".repeat(15000)); // the rest of the body, read and dropped by the router
      raw.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
      assertThat(raw.readToEnd()).startsWith("HTTP/1.1 200 OK").endsWith("web-1");
    }
  }

  @Test
  void anAnswerWhileTheBodyIsHeldBackStillLetsTheRestOfTheBodyIn() throws Exception {
    // The app answers only once the client's writes have stalled: by then the upstream connection is unwritable and the
    // router has stopped reading the client. Answering must restart that reading, or the rest of the body (read and
    // dropped) never arrives and the connection hangs until the idle timeout. The app is a raw socket that keeps its
    // connection open after answering: the JDK's server would close it with the body unread, and the reset that sends
    // can cut the answer short.
    CountDownLatch answer = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    try (ServerSocket app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread appThread = new Thread(() -> serveEarlyAnswers(app, answer, done), "early-app");
      appThread.setDaemon(true);
      appThread.start();
      router.close();
      router = Router.builder().port(0).ioThreads(1).maxRequestBodyBytes(64L << 20).build().start();
      router.routes().addApp(APP);
      router.routes().addUpstream(APP, new Endpoint("127.0.0.1", app.getLocalPort()));
      long size = 48L << 20; // more than the socket buffers between the client and the app can hold
      try (RawHttp raw = new RawHttp(router.port())) {
        OutputStream out = raw.socket.getOutputStream();
        AtomicLong written = new AtomicLong();
        CompletableFuture<Void> body = CompletableFuture.runAsync(() -> {
          try {
            out.write(("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: " + size + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            byte[] piece = new byte[64 * 1024];
            for (long left = size; left > 0; left -= piece.length) {
              out.write(piece, 0, (int) Math.min(piece.length, left));
              written.addAndGet(Math.min(piece.length, left));
            }
            out.flush();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        // Wait for the client's writes to stall (no progress for 300 ms): every buffer in between is full.
        long last = -1;
        int still = 0;
        while (still < 3 && !body.isDone()) {
          Thread.sleep(100);
          long now = written.get();
          still = now > 0 && now == last ? still + 1 : 0;
          last = now;
        }
        assertThat(body.isDone()).as("the app read nothing, so the body cannot all have been taken").isFalse();
        answer.countDown();
        assertThat(raw.readUntil("early", 1)).startsWith("HTTP/1.1 200 OK").doesNotContain("connection: close");
        body.get(20, TimeUnit.SECONDS); // the router reads and drops the rest; a hang here is the bug
        raw.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
        assertThat(raw.readToEnd()).startsWith("HTTP/1.1 200 OK").endsWith("second");
      } finally {
        done.countDown();
      }
    }
  }

  /** Answers a POST with "early" once {@code answer} opens, reading none of its body; a GET with "second". */
  private static void serveEarlyAnswers(ServerSocket app, CountDownLatch answer, CountDownLatch done) {
    while (!app.isClosed()) {
      Socket s;
      try {
        s = app.accept();
      } catch (IOException e) {
        return;
      }
      Thread t = new Thread(() -> {
        try (s) {
          InputStream in = s.getInputStream();
          StringBuilder head = new StringBuilder();
          while (head.indexOf("\r\n\r\n") < 0) {
            int c = in.read();
            if (c < 0) {
              return;
            }
            head.append((char) c);
          }
          boolean post = head.toString().startsWith("POST");
          if (post) {
            answer.await(30, TimeUnit.SECONDS);
          }
          String text = post ? "early" : "second";
          s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + text.length() + "\r\n\r\n" + text)
              .getBytes(StandardCharsets.ISO_8859_1));
          s.getOutputStream().flush();
          done.await(30, TimeUnit.SECONDS); // open until the test ends: no reset while the router still reads
        } catch (IOException | InterruptedException e) {
          // the router dropped the connection, or the test ended
        }
      }, "early-app-connection");
      t.setDaemon(true);
      t.start();
    }
  }

  @Test
  void http10KeepAliveHeadAndBodilessStatusesAreFramedRight() throws Exception {
    try (RawHttp raw = new RawHttp(router.port())) {
      String r = raw.send("GET /echo HTTP/1.0\r\nHost: " + HOST + "\r\n\r\n").readToEnd(); // chunked upstream, 1.0 client
      assertThat(r).startsWith("HTTP/1.1 200 OK").doesNotContainIgnoringCase("transfer-encoding").contains("connection: close");
    }
    try (RawHttp raw = new RawHttp(router.port())) {
      raw.send("HEAD / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\nGET /status/204 HTTP/1.1\r\nHost: " + HOST
          + "\r\n\r\nGET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
      String all = raw.readToEnd();
      assertThat(all).containsSubsequence("HTTP/1.1 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.1 200 OK", "web-1");
      assertThat(all.split("web-1", -1)).hasSize(2); // HEAD carried no body
    }
  }

  @Test
  void expectContinueIsPassedThrough() throws Exception {
    HttpResponse<String> r = HTTP.send(request("/echo").expectContinue(true).POST(HttpRequest.BodyPublishers.ofString("hello"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello");
  }

  @Test
  void aConnectFailureIsRetriedOnceElsewhereForIdempotentMethodsOnly() throws Exception {
    Endpoint dead = deadEndpoint();
    router.routes().addUpstream(APP, dead); // round robin: every other request picks the dead one first
    for (int i = 0; i < 6; i++) {
      assertThat(HTTP.send(request("/").build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("web-1");
    }
    int posts502 = 0;
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = HTTP.send(request("/").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 502) {
        posts502++;
        assertThat(r.body()).isEqualTo("502 Bad Gateway: app 'web' did not answer\n");
      } else {
        assertThat(r.body()).isEqualTo("web-1");
      }
    }
    assertThat(posts502).isEqualTo(3);
  }

  @Test
  void anAppThatDoesNotAnswerGets504AfterTheIdleTimeout() throws Exception {
    router.close();
    router = newRouter(Router.builder().idleTimeout(Duration.ofMillis(300)));
    HttpResponse<String> r = HTTP.send(request("/slow?ms=3000").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("504 Gateway Timeout: app 'web' did not answer within 300 ms\n");
  }

  @Test
  void aResponseThatOutlivesTheRequestTimeoutIsCut() throws Exception {
    router.close();
    router = newRouter(Router.builder().requestTimeout(Duration.ofMillis(500)));
    // 10 lines 100 ms apart: never idle, but over the whole-request limit. The status is out, so the connection closes.
    assertThatThrownBy(() -> HTTP.send(request("/trickle?ms=100&n=10").build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    assertThat(HTTP.send(request("/").build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("web-1");
  }

  @Test
  void anIdleClientConnectionIsClosed() throws Exception {
    router.close();
    router = newRouter(Router.builder().idleTimeout(Duration.ofMillis(300)));
    try (RawHttp raw = new RawHttp(router.port())) {
      long start = System.nanoTime();
      raw.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
      String all = raw.readToEnd(); // the answer, then the close once the connection idles
      assertThat(all).startsWith("HTTP/1.1 200 OK").endsWith("web-1");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
    try (RawHttp raw = new RawHttp(router.port())) { // a request that never ends gets 408
      assertThat(raw.send("POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 10\r\n\r\nabc").readToEnd())
          .startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void aConnectThatHangsTimesOut() throws Exception {
    router.close();
    router = newRouter(Router.builder().connectTimeout(Duration.ofMillis(300)));
    // A listening socket that never accepts, its backlog filled: further connects get no answer.
    try (ServerSocket deaf = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      java.util.List<java.net.Socket> fillers = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          java.net.Socket s = new java.net.Socket();
          try {
            s.connect(deaf.getLocalSocketAddress(), 200);
            fillers.add(s);
          } catch (IOException e) {
            s.close();
            break;
          }
        }
        router.routes().removeUpstream(APP, upstream.endpoint());
        router.routes().addUpstream(APP, new Endpoint("127.0.0.1", deaf.getLocalPort()));
        long start = System.nanoTime();
        HttpResponse<String> r = HTTP.send(request("/").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      } finally {
        for (java.net.Socket s : fillers) {
          s.close();
        }
      }
    }
  }

  @Test
  void everyLimitIsRefusedOutOfRangeNamingTheOption() {
    assertThatThrownBy(() -> Router.builder().maxRequestBodyBytes(-1)).hasMessage(
        "router maxRequestBodyBytes -1 is out of range: use 0 to 1099511627776 bytes");
    assertThatThrownBy(() -> Router.builder().ioThreads(0)).hasMessage("router ioThreads 0 is out of range: use 1 to 256");
    assertThatThrownBy(() -> Router.builder().port(70000)).hasMessageContaining("router port 70000 is out of range");
    assertThatThrownBy(() -> Router.builder().idleTimeout(Duration.ZERO)).hasMessage(
        "router idleTimeout PT0S is out of range: use 1 ms to 1h");
    assertThatThrownBy(() -> Router.builder().connectTimeout(null)).hasMessageContaining("router connectTimeout null");
    assertThatThrownBy(() -> Router.builder().maxHeaderSize(10)).hasMessageContaining("router maxHeaderSize 10");
    assertThatThrownBy(() -> Router.builder().platformDomain("bad_domain")).hasMessageContaining("Hostname does not look valid");
    assertThatThrownBy(() -> Router.builder().balancing(null)).hasMessageContaining("ROUND_ROBIN");
    assertThatThrownBy(() -> router.routes().addUpstream(AppName.of("ghost"), upstream.endpoint()))
        .hasMessage("app 'ghost' is not routed: add it first");
    assertThatThrownBy(() -> router.routes().addDomain(APP, "*.example.com"))
        .hasMessage("domain '*.example.com' is a wildcard: Adding a wildcard subdomain is currently not supported.");
    assertThatThrownBy(() -> router.routes().addDomain(null, "x.example.com")).hasMessageContaining("app is null");
    assertThatThrownBy(() -> router.routes().addApp(null)).isInstanceOf(io.deis.error.InvalidInputException.class);
    assertThatThrownBy(() -> router.routes().addUpstream(APP, null)).hasMessageContaining("endpoint is null");
    assertThatThrownBy(() -> router.routes().drain(APP, null)).hasMessageContaining("endpoint is null");
    assertThatThrownBy(() -> router.routes().addDomain(APP, null)).isInstanceOf(io.deis.error.InvalidInputException.class);
    assertThatThrownBy(() -> Router.builder().controller(null)).hasMessageContaining("controller is null");
  }

  private static Endpoint deadEndpoint() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return new Endpoint("127.0.0.1", s.getLocalPort()); // closed again: connects are refused
    }
  }
}
