package io.deis.scheduler.k8s.fake;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small in-memory Kubernetes API over real HTTP, for the resources the scheduler uses
 * (namespaces, pods, secrets, services, deployments): create, get, list and watch with label and
 * field selectors, replace, JSON merge patch, delete, the status subresource and pod logs.
 * Watches are the API's own: chunked HTTP, one JSON event per line, resumable from a
 * resourceVersion, ended by {@code timeoutSeconds}. Like the real server it keeps a Deployment's
 * {@code metadata.generation} (bumped on spec changes), ignores status on writes to the main
 * resource, gives Services a ClusterIP, and answers errors with a {@code Status} body.
 * Strategic merge and apply patches answer 415; the scheduler does not use them.
 */
public final class FakeApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FakeApiServer.class);
  private static final Gson GSON = new Gson();

  record Kind(String resource, String groupVersion, String kind, boolean namespaced) {
    /** The API group, as RBAC rules name it: "" for the core group. */
    String group() {
      return groupVersion.contains("/") ? groupVersion.substring(0, groupVersion.indexOf('/')) : "";
    }
  }

  private static final Map<String, Kind> KINDS = Map.of(
      "namespaces", new Kind("namespaces", "v1", "Namespace", false),
      "pods", new Kind("pods", "v1", "Pod", true),
      "secrets", new Kind("secrets", "v1", "Secret", true),
      "services", new Kind("services", "v1", "Service", true),
      "deployments", new Kind("deployments", "apps/v1", "Deployment", true));

  /** Where pod logs come from: the fake kubelet. */
  public interface LogSource {
    /** The container's log lines with their RFC 3339 timestamps, or empty when it has not started. */
    Optional<List<String[]>> logs(String namespace, String pod, boolean previous);
  }

  private final Store store;
  private final ApiRules rules;
  private final RequestLog requests = new RequestLog();
  /** "namespace/pod" of pods whose kubelet does not answer log requests, set by tests. */
  private final java.util.Set<String> failingLogs = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-apiserver");
    t.setDaemon(true);
    return t;
  });
  private volatile LogSource logSource = (ns, pod, previous) -> Optional.empty();
  private int nextClusterIp = 1;
  private volatile String lastAuthorization;
  /** The paths of the watch requests being served now, one entry per request. */
  private final java.util.List<String> openWatches = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** How often an idle watch that allows bookmarks gets one; null (the default): never. */
  private volatile Duration bookmarkEvery;

  FakeApiServer(Store store, ApiRules rules) throws IOException {
    this.store = store;
    this.rules = rules;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public RequestLog requests() {
    return requests;
  }

  /** The Authorization header of the latest request (the fake checks no credentials; tests check they were sent). */
  public String lastAuthorization() {
    return lastAuthorization;
  }

  void logSource(LogSource source) {
    this.logSource = source;
  }

  /** A request the server answers with an error, as an overloaded or failing API server would. */
  record Fault(String verb, String path, int code) {}

  private final java.util.List<Fault> faults = new java.util.concurrent.CopyOnWriteArrayList<>();

  void fail(String verb, String pathRegex, int code) {
    faults.add(new Fault(verb, pathRegex, code));
  }

  void heal() {
    faults.clear();
  }

  /** Log requests for the pod fail as when its node's kubelet is unreachable (HTTP 500). */
  void failLogsOf(String namespace, String pod) {
    failingLogs.add(namespace + "/" + pod);
  }

  /**
   * The path of every watch request being served now (one entry each): {@code /api/v1/pods} for a
   * watch of the pods of all namespaces. A watch the client dropped is served until a write to it
   * fails, so a test that waits for one to end sets {@link #bookmarkEvery} too.
   */
  java.util.List<String> openWatches() {
    return java.util.List.copyOf(openWatches);
  }

  void bookmarkEvery(Duration every) {
    this.bookmarkEvery = every;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------

  private record Route(Kind kind, String namespace, String name, String subresource) {}

  private void handle(HttpExchange exchange) {
    try (exchange) {
      Map<String, String> query = ApiJson.query(exchange.getRequestURI().getRawQuery());
      String method = exchange.getRequestMethod();
      lastAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
      String path = exchange.getRequestURI().getPath();
      Route route;
      try {
        route = route(path);
      } catch (Store.ApiError e) {
        requests.record(new RequestLog.Request(method, method.toLowerCase(), path, "", "?", "?", null));
        ApiJson.sendError(exchange, e);
        return;
      }
      String verb = verb(method, route, query);
      // The body is kept so tests can show exactly what the scheduler sent (the golden manifests).
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      // As RBAC sees the request: the verb, the API group and the resource (with its subresource).
      String resource = route.kind().resource() + (route.subresource() == null ? "" : "/" + route.subresource());
      requests.record(new RequestLog.Request(method, verb, path, body, route.kind().group(), resource, route.namespace()));
      try {
        for (Fault fault : faults) {
          if (fault.verb().equals(verb) && path.matches(fault.path())) {
            throw new Store.ApiError(fault.code(), "InternalError", "injected by the test: " + verb + " " + path);
          }
        }
        switch (verb) {
          case "watch" -> watch(exchange, route, query);
          case "list" -> ApiJson.send(exchange, 200, list(route, query));
          case "get" -> get(exchange, route, query);
          case "create" -> ApiJson.send(exchange, 201, create(route, ApiJson.json(body), "All".equals(query.get("dryRun"))));
          case "update" -> ApiJson.send(exchange, 200, replace(route, ApiJson.json(body)));
          case "patch" -> ApiJson.send(exchange, 200, patch(route, exchange, body));
          case "delete" -> ApiJson.send(exchange, 200, delete(route, query));
          default -> throw new Store.ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }
      } catch (Store.ApiError e) {
        ApiJson.sendError(exchange, e);
      } catch (RuntimeException e) {
        LOG.error("fake API server failed on {} {}", method, path, e);
        ApiJson.sendError(exchange, new Store.ApiError(500, "InternalError", e.toString()));
      }
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.toString());
    }
  }

  private static String verb(String method, Route route, Map<String, String> query) {
    boolean collection = route.name() == null;
    return switch (method) {
      case "GET" -> collection ? ("true".equals(query.get("watch")) || "1".equals(query.get("watch")) ? "watch" : "list") : "get";
      case "POST" -> collection ? "create" : "unsupported";
      case "PUT" -> collection ? "unsupported" : "update";
      case "PATCH" -> collection ? "unsupported" : "patch";
      case "DELETE" -> collection ? "unsupported" : "delete";
      default -> "unsupported";
    };
  }

  private static Route route(String path) {
    String[] all = path.replaceAll("^/+|/+$", "").split("/");
    int start;
    String groupVersion;
    if (all.length >= 2 && all[0].equals("api") && all[1].equals("v1")) {
      start = 2;
      groupVersion = "v1";
    } else if (all.length >= 3 && all[0].equals("apis") && all[1].equals("apps") && all[2].equals("v1")) {
      start = 3;
      groupVersion = "apps/v1";
    } else {
      throw new Store.ApiError(404, "NotFound", "the server could not find the requested resource (" + path + ")");
    }
    String[] s = java.util.Arrays.copyOfRange(all, start, all.length);
    Route route;
    if (s.length >= 3 && s[0].equals("namespaces") && KINDS.containsKey(s[2]) && KINDS.get(s[2]).namespaced()) {
      route = new Route(KINDS.get(s[2]), s[1], s.length > 3 ? s[3] : null, s.length > 4 ? s[4] : null);
    } else if (s.length >= 1 && KINDS.containsKey(s[0])) {
      Kind kind = KINDS.get(s[0]);
      route = new Route(kind, null, s.length > 1 ? s[1] : null, s.length > 2 ? s[2] : null);
    } else {
      throw new Store.ApiError(404, "NotFound", "the server could not find the requested resource (" + path + ")");
    }
    if (!route.kind().groupVersion().equals(groupVersion)) {
      throw new Store.ApiError(404, "NotFound", "the server could not find the requested resource (" + path + ")");
    }
    return route;
  }

  private String ns(Route route) {
    return route.kind().namespaced() ? route.namespace() : "";
  }

  // --------------------------------------------------------------------------------------------- reads

  private JsonObject list(Route route, Map<String, String> query) {
    Predicate<JsonObject> filter = Selectors.labels(query.get("labelSelector")).and(Selectors.fields(query.get("fieldSelector")));
    long rv;
    List<JsonObject> items;
    synchronized (store) {
      rv = store.resourceVersion();
      items = store.list(route.kind().resource(), route.kind().namespaced() ? route.namespace() : null, filter);
    }
    JsonObject list = new JsonObject();
    list.addProperty("apiVersion", route.kind().groupVersion());
    list.addProperty("kind", route.kind().kind() + "List");
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", Long.toString(rv));
    list.add("metadata", meta);
    JsonArray array = new JsonArray();
    items.forEach(array::add);
    list.add("items", array);
    return list;
  }

  private void get(HttpExchange exchange, Route route, Map<String, String> query) throws IOException {
    if ("pods".equals(route.kind().resource()) && "log".equals(route.subresource())) {
      podLog(exchange, route, query);
      return;
    }
    ApiJson.send(exchange, 200, existing(route));
  }

  private JsonObject existing(Route route) {
    return store.get(route.kind().resource(), ns(route), route.name())
        .orElseThrow(() -> notFound(route));
  }

  private static Store.ApiError notFound(Route route) {
    return new Store.ApiError(404, "NotFound", route.kind().resource() + " \"" + route.name() + "\" not found");
  }

  private void podLog(HttpExchange exchange, Route route, Map<String, String> query) throws IOException {
    JsonObject pod = existing(route);
    if (failingLogs.contains(route.namespace() + "/" + route.name())) {
      throw new Store.ApiError(500, "InternalError", "Get \"https://" + Store.string(pod, "status", "hostIP")
          + ":10250/containerLogs/" + route.namespace() + "/" + route.name() + "\": dial tcp: connect: connection refused");
    }
    boolean previous = "true".equals(query.get("previous"));
    List<String[]> lines = logSource.logs(route.namespace(), route.name(), previous).orElseThrow(() ->
        new Store.ApiError(400, "BadRequest", "container \"" + Store.string(pod.getAsJsonObject("spec")
            .getAsJsonArray("containers").get(0).getAsJsonObject(), "name") + "\" in pod \"" + route.name()
            + "\" is waiting to start: ContainerCreating"));
    int from = 0;
    if (query.containsKey("tailLines")) {
      from = Math.max(0, lines.size() - Integer.parseInt(query.get("tailLines")));
    }
    boolean timestamps = "true".equals(query.get("timestamps"));
    StringBuilder text = new StringBuilder();
    for (String[] line : lines.subList(from, lines.size())) {
      text.append(timestamps ? line[0] + " " : "").append(line[1]).append('\n');
    }
    byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/plain");
    exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  private void watch(HttpExchange exchange, Route route, Map<String, String> query) throws IOException {
    Predicate<JsonObject> filter = Selectors.labels(query.get("labelSelector")).and(Selectors.fields(query.get("fieldSelector")));
    String rvText = query.getOrDefault("resourceVersion", "0");
    long from = rvText.isEmpty() ? 0 : Long.parseLong(rvText);
    long timeoutMillis = TimeUnit.SECONDS.toMillis(Long.parseLong(query.getOrDefault("timeoutSeconds", "1800")));
    String resource = route.kind().resource();
    String namespace = route.kind().namespaced() ? route.namespace() : null;
    LinkedBlockingQueue<Store.Event> live = new LinkedBlockingQueue<>();
    Consumer<Store.Event> sink = e -> {
      if (e.resource().equals(resource) && (namespace == null || namespace.equals(e.namespace()))) {
        live.add(e);
      }
    };
    List<Store.Event> backlog;
    try {
      backlog = store.watch(resource, namespace, from, sink);
    } catch (Store.ApiError e) {
      // As the real server: a watch from an expired resourceVersion is answered with an ERROR event.
      store.countExpiredWatch();
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, 0);
      JsonObject event = new JsonObject();
      event.addProperty("type", "ERROR");
      event.add("object", ApiJson.status(e));
      exchange.getResponseBody().write((GSON.toJson(event) + "\n").getBytes(StandardCharsets.UTF_8));
      return;
    }
    String opened = exchange.getRequestURI().getPath();
    openWatches.add(opened);
    try {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, 0); // chunked: the stream stays open
      OutputStream out = exchange.getResponseBody();
      out.flush();
      // The resourceVersion this stream has caught up to, for bookmarks: the last event taken, shown or filtered out.
      long seen = from;
      for (Store.Event e : backlog) {
        write(out, e, filter);
        seen = Math.max(seen, e.resourceVersion());
      }
      boolean bookmarks = "true".equals(query.get("allowWatchBookmarks"));
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (true) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          break;
        }
        Duration idle = bookmarkEvery;
        Store.Event e = live.poll(bookmarks && idle != null ? Math.min(left, idle.toMillis()) : left, TimeUnit.MILLISECONDS);
        if (e != null) {
          write(out, e, filter);
          seen = Math.max(seen, e.resourceVersion());
        } else if (bookmarks && idle != null && seen > 0) {
          // As the real server sends now and then: a BOOKMARK. Writing is also how this server
          // notices a client that went away (the write fails), as a real one notices at once.
          writeBookmark(out, route.kind(), seen);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      openWatches.remove(opened);
      store.removeListener(sink);
    }
  }

  private static void writeBookmark(OutputStream out, Kind kind, long resourceVersion) throws IOException {
    JsonObject object = new JsonObject();
    object.addProperty("kind", kind.kind());
    object.addProperty("apiVersion", kind.groupVersion());
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", Long.toString(resourceVersion));
    object.add("metadata", meta);
    JsonObject event = new JsonObject();
    event.addProperty("type", "BOOKMARK");
    event.add("object", object);
    out.write((GSON.toJson(event) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void write(OutputStream out, Store.Event e, Predicate<JsonObject> filter) throws IOException {
    if (!filter.test(e.object())) {
      return;
    }
    JsonObject event = new JsonObject();
    event.addProperty("type", e.type());
    event.add("object", e.object());
    out.write((GSON.toJson(event) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  // --------------------------------------------------------------------------------------------- writes

  /** A create, or with {@code dryRun} its validation and admission only, as the real server's {@code dryRun=All}. */
  private JsonObject create(Route route, JsonObject body, boolean dryRun) {
    Kind kind = route.kind();
    checkKind(kind, body);
    JsonObject meta = Store.object(body, "metadata");
    if (Store.string(body, "metadata", "name") == null) {
      String generate = Store.string(body, "metadata", "generateName");
      if (generate == null) {
        throw new Store.ApiError(422, "Invalid", kind.kind() + " is invalid: metadata.name: Required value: name or generateName is required");
      }
      meta.addProperty("name", generate + FakeKubelet.randomSuffix());
    }
    String name = meta.get("name").getAsString();
    rules.validate(kind, body, null);
    String bodyNs = Store.string(body, "metadata", "namespace");
    if (kind.namespaced()) {
      if (bodyNs != null && !bodyNs.equals(route.namespace())) {
        throw new Store.ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
      }
      JsonObject namespace = store.get("namespaces", "", route.namespace()).orElseThrow(() ->
          new Store.ApiError(404, "NotFound", "namespaces \"" + route.namespace() + "\" not found"));
      if (Store.string(namespace, "metadata", "deletionTimestamp") != null) {
        throw new Store.ApiError(403, "Forbidden", kind.resource() + " \"" + name + "\" is forbidden: unable to create new content in namespace "
            + route.namespace() + " because it is being terminated");
      }
    }
    body.addProperty("apiVersion", kind.groupVersion());
    body.addProperty("kind", kind.kind());
    switch (kind.resource()) {
      case "deployments" -> {
        meta.addProperty("generation", 1);
        body.remove("status");
      }
      case "pods" -> {
        rules.admitPod(route.namespace(), body);
        body.remove("status");
        JsonObject status = Store.object(body, "status");
        status.addProperty("phase", "Pending");
        if (!Store.object(body, "spec").has("restartPolicy")) {
          Store.object(body, "spec").addProperty("restartPolicy", "Always");
        }
        if (!Store.object(body, "spec").has("terminationGracePeriodSeconds")) {
          Store.object(body, "spec").addProperty("terminationGracePeriodSeconds", 30); // the API's default
        }
      }
      case "namespaces" -> Store.object(body, "status").addProperty("phase", "Active");
      case "services" -> {
        synchronized (this) {
          Store.object(body, "spec").addProperty("clusterIP", "10.96." + (nextClusterIp / 250) + "." + (nextClusterIp++ % 250 + 1));
        }
      }
      case "secrets" -> mergeStringData(body);
      default -> { }
    }
    if (dryRun) {
      return body;
    }
    return store.create(kind.resource(), ns(route), body);
  }

  private JsonObject replace(Route route, JsonObject body) {
    checkKind(route.kind(), body);
    String bodyName = Store.string(body, "metadata", "name");
    if (bodyName != null && !bodyName.equals(route.name())) {
      throw new Store.ApiError(400, "BadRequest", "the name of the object (" + bodyName + ") does not match the name on the URL (" + route.name() + ")");
    }
    String expected = Store.string(body, "metadata", "resourceVersion");
    return write(route, current -> {
      if (expected != null && !expected.equals(Store.string(current, "metadata", "resourceVersion"))) {
        throw new Store.ApiError(409, "Conflict", "Operation cannot be fulfilled on " + route.kind().resource() + " \""
            + route.name() + "\": the object has been modified; please apply your changes to the latest version and try again");
      }
      return body;
    });
  }

  private JsonObject patch(Route route, HttpExchange exchange, String body) {
    String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type")).orElse("").split(";")[0].strip();
    if (!type.equals("application/merge-patch+json")) {
      throw new Store.ApiError(415, "UnsupportedMediaType", "the fake API server takes application/merge-patch+json patches only, not " + type);
    }
    JsonElement patch = JsonParser.parseString(body);
    return write(route, current -> ApiJson.mergePatch(current, patch).getAsJsonObject());
  }

  /** Applies a full new object to the main resource or to its status subresource, with the server's rules. */
  private JsonObject write(Route route, java.util.function.UnaryOperator<JsonObject> change) {
    Kind kind = route.kind();
    boolean status = "status".equals(route.subresource());
    return store.update(kind.resource(), ns(route), route.name(), current -> {
      JsonObject next = change.apply(current.deepCopy());
      next.addProperty("apiVersion", kind.groupVersion());
      next.addProperty("kind", kind.kind());
      JsonObject meta = Store.object(next, "metadata");
      JsonObject old = current.getAsJsonObject("metadata");
      for (String fixed : List.of("uid", "creationTimestamp", "namespace", "name", "generation", "deletionTimestamp")) {
        if (old.has(fixed)) {
          meta.add(fixed, old.get(fixed));
        } else {
          meta.remove(fixed);
        }
      }
      if (status) {
        // The status subresource changes status only.
        JsonObject kept = current.deepCopy();
        if (next.has("status")) {
          kept.add("status", next.get("status"));
        }
        return kept;
      }
      if (current.has("status")) {
        next.add("status", current.get("status"));
      } else {
        next.remove("status");
      }
      if (kind.resource().equals("deployments") && !String.valueOf(next.get("spec")).equals(String.valueOf(current.get("spec")))) {
        meta.addProperty("generation", old.get("generation").getAsLong() + 1);
      }
      if (kind.resource().equals("services") && !Store.object(next, "spec").has("clusterIP")) {
        Store.object(next, "spec").add("clusterIP", current.getAsJsonObject("spec").get("clusterIP"));
      }
      if (kind.resource().equals("secrets")) {
        mergeStringData(next);
      }
      rules.validate(kind, next, current);
      return next;
    }).orElseThrow(() -> notFound(route));
  }

  private JsonObject delete(Route route, Map<String, String> query) {
    Kind kind = route.kind();
    JsonObject current = existing(route);
    boolean graceful = switch (kind.resource()) {
      // A namespace terminates: the namespace controller empties it, then removes it.
      case "namespaces" -> true;
      // A running pod is stopped by its kubelet first, unless the caller asked for no grace.
      case "pods" -> !"0".equals(query.get("gracePeriodSeconds")) && Store.string(current, "spec", "nodeName") != null;
      default -> false;
    };
    if (graceful) {
      JsonObject marked = store.update(kind.resource(), ns(route), route.name(), o -> {
        if (Store.string(o, "metadata", "deletionTimestamp") == null) {
          Store.object(o, "metadata").addProperty("deletionTimestamp", Store.now());
          if (kind.resource().equals("pods")) {
            // The kubelet waits this long after SIGTERM before it kills: the request's, else the pod's own.
            String grace = Optional.ofNullable(query.get("gracePeriodSeconds"))
                .orElse(Optional.ofNullable(Store.string(o, "spec", "terminationGracePeriodSeconds")).orElse("30"));
            Store.object(o, "metadata").addProperty("deletionGracePeriodSeconds", Long.parseLong(grace));
          }
          if (kind.resource().equals("namespaces")) {
            Store.object(o, "status").addProperty("phase", "Terminating");
          }
        }
        return o;
      }).orElseThrow(() -> notFound(route));
      return marked;
    }
    store.delete(kind.resource(), ns(route), route.name()).orElseThrow(() -> notFound(route));
    if (kind.resource().equals("pods")) {
      return current;
    }
    JsonObject ok = new JsonObject();
    ok.addProperty("kind", "Status");
    ok.addProperty("apiVersion", "v1");
    ok.add("metadata", new JsonObject());
    ok.addProperty("status", "Success");
    JsonObject details = new JsonObject();
    details.addProperty("name", route.name());
    details.addProperty("kind", kind.resource());
    details.addProperty("uid", Store.string(current, "metadata", "uid"));
    ok.add("details", details);
    return ok;
  }

  private static void checkKind(Kind kind, JsonObject body) {
    String apiVersion = Store.string(body, "apiVersion");
    String k = Store.string(body, "kind");
    if (apiVersion != null && !apiVersion.equals(kind.groupVersion()) || k != null && !k.equals(kind.kind())) {
      throw new Store.ApiError(400, "BadRequest", "the API version in the data (" + apiVersion + ") or kind (" + k
          + ") does not match the expected " + kind.groupVersion() + " " + kind.kind());
    }
  }

  private static void mergeStringData(JsonObject secret) {
    if (secret.has("stringData") && secret.get("stringData").isJsonObject()) {
      JsonObject data = Store.object(secret, "data");
      secret.getAsJsonObject("stringData").entrySet().forEach(e -> data.addProperty(e.getKey(),
          Base64.getEncoder().encodeToString(e.getValue().getAsString().getBytes(StandardCharsets.UTF_8))));
      secret.remove("stringData");
    }
  }
}
