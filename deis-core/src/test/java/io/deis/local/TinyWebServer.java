package io.deis.local;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** The contract suite's web process for the local runtime: {@code /} answers $GREETING, anything else 404. */
public final class TinyWebServer {
  private TinyWebServer() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv("PORT"));
    byte[] greeting = String.valueOf(System.getenv("GREETING")).getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 50);
    server.createContext("/", exchange -> {
      boolean root = exchange.getRequestURI().getPath().equals("/");
      byte[] body = root ? greeting : "not found".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(root ? 200 : 404, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }
}
