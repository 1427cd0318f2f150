package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** What the tests deploy: small apps committed with the real git client, and a GET of their answer. */
final class Apps {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Apps() {}

  /** A name no other run on this machine uses. */
  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A Procfile app that needs only a JDK: answers $GREETING on $PORT. */
  static Path procfileApp(Path dir) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("Procfile"), "web: java Hello.java\n");
    Files.writeString(dir.resolve("Hello.java"), """
        import com.sun.net.httpserver.HttpServer;
        import java.net.InetSocketAddress;
        import java.nio.charset.StandardCharsets;

        public class Hello {
          public static void main(String[] args) throws Exception {
            byte[] body = System.getenv().getOrDefault("GREETING", "hello").getBytes(StandardCharsets.UTF_8);
            HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(System.getenv("PORT"))), 50);
            server.createContext("/", exchange -> {
              exchange.sendResponseHeaders(200, body.length);
              exchange.getResponseBody().write(body);
              exchange.close();
            });
            server.start();
            System.out.println("hello is listening");
          }
        }
        """);
    return commit(dir);
  }

  /**
   * A Dockerfile app built {@code FROM scratch} with this machine's static busybox (nothing to pull):
   * busybox httpd answers $GREETING on $PORT.
   */
  static Path dockerfileApp(Path dir, Path busybox) throws Exception {
    Files.createDirectories(dir);
    Files.copy(busybox, dir.resolve("busybox"));
    Files.writeString(dir.resolve("Dockerfile"), """
        FROM scratch
        COPY busybox /bin/busybox
        RUN ["/bin/busybox", "--install", "-s", "/bin"]
        CMD mkdir -p /tmp/www && echo -n "$GREETING" > /tmp/www/index.html && echo "hello is listening" && exec httpd -f -p "$PORT" -h /tmp/www
        """);
    return commit(dir);
  }

  private static Path commit(Path dir) throws Exception {
    git(dir, "init", "-q");
    git(dir, "add", "-A");
    git(dir, "-c", "user.name=Consumer", "-c", "user.email=consumer@example.com", "commit", "-q", "-m", "app");
    return dir;
  }

  private static void git(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
    command.addAll(List.of(args));
    Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!git.waitFor(60, TimeUnit.SECONDS) || git.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }

  static String get(String url) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), "status of GET " + url);
    return response.body().strip();
  }
}
