package io.deis.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.AuthenticationException;
import io.deis.error.DeisException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol around every endpoint, in one place: the version headers, {@code /healthz}, path
 * matching (404, 405), the per-client login rate, token authentication (401), the body's size,
 * depth and fields, and the translation of the SDK's errors into statuses and DRF-style bodies.
 */
final class ApiHandler extends Handler.Abstract {
  /** How much of a request body left unread is read and dropped before the answer (see {@link #drain}). */
  private static final long MAX_DRAINED_BYTES = 8L * 1024 * 1024;
  private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
  private static final String JSON_TYPE = "application/json";
  private static final String TEXT_TYPE = "text/plain; charset=utf-8";

  private final Controller controller;
  private final Limits limits;
  private final List<Route> routes;
  private final ObjectMapper mapper;
  private final RateLimiter authAttempts;

  ApiHandler(Controller controller, Limits limits, List<Route> routes) {
    this.controller = controller;
    this.limits = limits;
    this.routes = List.copyOf(routes);
    this.mapper = mapper(limits.maxJsonDepth());
    this.authAttempts = new RateLimiter(limits.authAttemptsPerMinute(), limits.maxTrackedClients(), System::nanoTime);
  }

  static ObjectMapper mapper(int maxDepth) {
    JsonFactory json = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    return new ObjectMapper(json).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    // A deploy or a run may take minutes with nothing to read or write. Jetty 12 applies the
    // connection's idle timeout only to pending reads and writes, so endpoints at work are not cut
    // off (ApiTransportTest holds it to that).
    Reply reply;
    try {
      reply = dispatch(request);
    } catch (DeisException e) {
      reply = error(e);
    } catch (IllegalArgumentException e) {
      reply = Reply.json(400, detail(e.getMessage()));
    } catch (RuntimeException e) {
      if (e instanceof org.eclipse.jetty.http.HttpException bad) {
        // a request Jetty cannot parse further, such as a query that is not valid UTF-8
        reply = Reply.json(bad.getCode(), detail(bad.getReason()));
      } else {
        log.error("{} {} failed", request.getMethod(), Request.getPathInContext(request), e);
        reply = Reply.json(500, detail("internal server error: the controller's log has the details"));
      }
    }
    drain(request);
    write(request, response, callback, reply);
    return true;
  }

  private Reply dispatch(Request request) {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    if (path.equals("/healthz")) {
      if (!method.equals("GET") && !method.equals("HEAD")) {
        throw new HttpError(405, "Method \"" + method + "\" not allowed.", Map.of("Allow", "GET, HEAD"));
      }
      return new Reply(200, null, "OK", Map.of());
    }
    checkClientVersion(request);
    if (!path.startsWith("/v1/")) {
      throw new HttpError(404, "Not found.");
    }
    boolean trailingSlash = path.endsWith("/") && path.length() > "/v1/".length();
    String rest = path.substring("/v1/".length(), trailingSlash ? path.length() - 1 : path.length());
    String[] segments = rest.isEmpty() ? new String[0] : rest.split("/", -1);
    String lookup = method.equals("HEAD") ? "GET" : method;

    Route route = null;
    Map<String, String> params = null;
    Set<String> allowed = new LinkedHashSet<>();
    for (Route r : routes) {
      Map<String, String> p = r.match(segments, trailingSlash);
      if (p != null) {
        allowed.add(r.method);
        if (route == null && r.method.equals(lookup)) {
          route = r;
          params = p;
        }
      }
    }
    if (route == null) {
      if (allowed.isEmpty()) {
        throw new HttpError(404, "Not found.");
      }
      throw new HttpError(405, "Method \"" + method + "\" not allowed.", Map.of("Allow", String.join(", ", allowed)));
    }

    if (route.rateLimited) {
      long wait = authAttempts.acquire(Request.getRemoteAddr(request));
      if (wait > 0) {
        throw new HttpError(429, "Request was throttled: at most " + limits.authAttemptsPerMinute()
            + " login and register attempts per minute from one address. Expected available in " + wait + " seconds.",
            Map.of("Retry-After", Long.toString(wait)));
      }
    }
    Optional<Session> session = authenticate(request, route);
    Body body = lookup.equals("GET") ? Body.EMPTY : readBody(request);
    if (route.fields != null) {
      body.checkFields(route.fields, route.describe());
    }
    Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    Call call = new Call(controller, limits, mapper, session, params, query, body, request.getHttpURI(), route.describe());
    return route.endpoint.handle(call);
  }

  /** The original refused a {@code DEIS_VERSION} request header naming another major version (the v1 client sends none). */
  private static void checkClientVersion(Request request) {
    String version = request.getHeaders().get("DEIS_VERSION");
    if (version != null && !version.equals("1")) {
      throw new HttpError(405, "error", "Client and server versions do not match. Client version: " + version + " Server version: 1", Map.of());
    }
  }

  private Optional<Session> authenticate(Request request, Route route) {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      if (route.open) {
        return Optional.empty();
      }
      throw new AuthenticationException("Authentication credentials were not provided.");
    }
    String[] parts = header.strip().split("\\s+");
    if (!parts[0].equalsIgnoreCase("token") || parts.length != 2) {
      if (route.open) {
        return Optional.empty();
      }
      throw new AuthenticationException("Invalid token header: use 'Authorization: token <key>', with the token from login.");
    }
    try {
      return Optional.of(controller.authenticate(parts[1]));
    } catch (AuthenticationException e) {
      if (route.open) {
        return Optional.empty(); // a stale token in a client's profile does not stop it from registering or logging in
      }
      throw e;
    }
  }

  private Body readBody(Request request) {
    long length = request.getLength();
    int max = limits.maxRequestBytes();
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    byte[] bytes;
    if (length > max) {
      throw tooLarge(max);
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes(max + 1);
    } catch (IOException e) {
      throw new HttpError(400, "the request body could not be read: " + e.getMessage());
    }
    if (bytes.length > max) {
      throw tooLarge(max);
    }
    if (bytes.length > 0 && type != null && !type.toLowerCase(java.util.Locale.ROOT).startsWith(JSON_TYPE)) {
      throw new HttpError(415, "Unsupported media type \"" + type + "\" in request: send " + JSON_TYPE);
    }
    return Body.parse(bytes, mapper, limits.maxJsonDepth());
  }

  /**
   * Reads and drops what is left of the request's body (one refused before it was read, or one an
   * endpoint had no use for), up to {@link #MAX_DRAINED_BYTES}, before answering. A server that
   * answers and closes while the client is still sending makes the client's TCP stack reset the
   * connection, and the client never reads the answer; one that answers before the body has
   * arrived cannot keep the connection, and a client may already have pooled it. Past the bound
   * the connection is closed after the answer, so the work stays bounded.
   */
  private static void drain(Request request) {
    byte[] buffer = new byte[16 * 1024];
    long drained = 0;
    try (InputStream in = Content.Source.asInputStream(request)) {
      int n;
      while (drained < MAX_DRAINED_BYTES && (n = in.read(buffer)) >= 0) {
        drained += n;
      }
    } catch (IOException | RuntimeException e) {
      log.debug("{} {}: the rest of the request body could not be read ({}); the connection closes after the answer",
          request.getMethod(), Request.getPathInContext(request), e.toString());
    }
  }

  private static HttpError tooLarge(int max) {
    return new HttpError(413, "the request body is larger than this server's limit of " + max + " bytes");
  }

  private Reply error(DeisException e) {
    if (e instanceof FieldError f) {
      var body = Views.object();
      body.set(f.field(), Views.array().add(f.getMessage()));
      return Reply.json(400, body);
    }
    Reply reply = Reply.json(e.httpStatus(), detail(e.getMessage()));
    if (e instanceof HttpError h) {
      reply = Reply.json(e.httpStatus(), Views.object().put(h.bodyKey(), e.getMessage()));
      for (var header : h.headers().entrySet()) {
        reply = reply.withHeader(header.getKey(), header.getValue());
      }
    }
    if (e.httpStatus() == 401) {
      reply = reply.withHeader("WWW-Authenticate", "Token");
    }
    if (e.httpStatus() >= 500) {
      log.warn("answered {}: {}", e.httpStatus(), e.getMessage());
    }
    return reply;
  }

  static com.fasterxml.jackson.databind.node.ObjectNode detail(String message) {
    return Views.object().put("detail", message == null ? "" : message);
  }

  private void write(Request request, Response response, Callback callback, Reply reply) {
    response.setStatus(reply.status());
    var headers = response.getHeaders();
    headers.put("DEIS_API_VERSION", ApiServer.API_VERSION);
    headers.put("X_DEIS_API_VERSION", ApiServer.API_VERSION);
    reply.headers().forEach(headers::put);
    byte[] bytes;
    if (reply.json() != null) {
      headers.put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
      try {
        bytes = mapper.writeValueAsBytes(reply.json());
      } catch (IOException e) {
        throw new IllegalStateException("cannot write a JSON reply", e);
      }
    } else if (reply.text() != null) {
      headers.put(HttpHeader.CONTENT_TYPE, TEXT_TYPE);
      bytes = reply.text().getBytes(StandardCharsets.UTF_8);
    } else {
      bytes = new byte[0];
    }
    if (reply.status() == 204) {
      response.write(true, null, callback);
      return;
    }
    if (request.getMethod().equals("HEAD")) {
      headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
      response.write(true, null, callback);
      return;
    }
    headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /** Every route's description, for the README and for tests that check each one is served. */
  List<String> describeRoutes() {
    List<String> all = new ArrayList<>();
    routes.forEach(r -> all.add(r.describe()));
    return all;
  }
}
