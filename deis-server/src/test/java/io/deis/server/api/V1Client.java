package io.deis.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends requests the way the Deis v1 client 1.13.4 does (client/controller/client/http.go):
 * {@code Content-Type: application/json} on every request, even a GET or an empty body, its
 * User-Agent, and {@code Authorization: token <key>} when it has a token. A real HTTP client
 * (the JDK's), over a real socket.
 */
public final class V1Client {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();

  private final URI base;
  private final Optional<String> token;
  private final HttpClient http;

  public V1Client(URI base) {
    this(base, Optional.empty(), HTTP);
  }

  private V1Client(URI base, Optional<String> token, HttpClient http) {
    this.base = base;
    this.token = token;
    this.http = http;
  }

  public V1Client withToken(String key) {
    return new V1Client(base, Optional.of(key), http);
  }

  public String token() {
    return token.orElseThrow(() -> new IllegalStateException("this client has no token"));
  }

  public V1Client anonymous() {
    return new V1Client(base, Optional.empty(), http);
  }

  public V1Client using(HttpClient other) {
    return new V1Client(base, token, other);
  }

  public Response get(String path) {
    return send("GET", path, "");
  }

  public Response post(String path, String body) {
    return send("POST", path, body);
  }

  public Response delete(String path) {
    return send("DELETE", path, "");
  }

  public Response delete(String path, String body) {
    return send("DELETE", path, body);
  }

  public Response send(String method, String path, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofMinutes(3)) // a guard against a hung server, not a timing assertion
        .header("Content-Type", "application/json")
        .header("User-Agent", "Deis Client v1.13.4")
        .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    token.ifPresent(t -> request.header("Authorization", "token " + t));
    return send(request.build());
  }

  public Response send(HttpRequest request) {
    try {
      return new Response(http.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Registers and logs in as the client does, returning a client that carries the new token. */
  public V1Client registerAndLogin(String username, String password) {
    Response r = post("/v1/auth/register/", "{\"username\":\"" + username + "\",\"password\":\"" + password
        + "\",\"email\":\"" + username + "@example.com\"}");
    if (r.status() != 201) {
      throw new AssertionError("register " + username + ": " + r);
    }
    return login(username, password);
  }

  public V1Client login(String username, String password) {
    Response r = anonymous().post("/v1/auth/login/", "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
    if (r.status() != 200) {
      throw new AssertionError("login " + username + ": " + r);
    }
    return withToken(r.json().get("token").textValue());
  }

  public record Response(HttpResponse<String> raw) {
    public int status() {
      return raw.statusCode();
    }

    public String body() {
      return raw.body();
    }

    public JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + this, e);
      }
    }

    public Optional<String> header(String name) {
      return raw.headers().firstValue(name);
    }

    @Override
    public String toString() {
      return raw.request().method() + " " + raw.uri() + " -> " + raw.statusCode() + " " + raw.body();
    }
  }
}
