package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The fake API server's etcd: objects as JSON, one global resourceVersion, and an event log so
 * that a watch can resume from any recent resourceVersion, as the real API server's watch cache
 * does. Every method is synchronized, so a listing and its resourceVersion are consistent and a
 * watch never misses an event between its backlog and its live stream.
 */
public final class Store {
  /** How many events a watch can resume across; older resourceVersions get 410 Gone, as from a real server. */
  private static final int EVENT_LOG_SIZE = 200_000;

  public record Event(long resourceVersion, String resource, String namespace, String type, JsonObject object) {}

  /** Thrown to the HTTP layer with the status code and reason a real API server answers. */
  public static final class ApiError extends RuntimeException {
    final int code;
    final String reason;

    ApiError(int code, String reason, String message) {
      super(message);
      this.code = code;
      this.reason = reason;
    }
  }

  private final TreeMap<String, JsonObject> objects = new TreeMap<>();
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
  private long resourceVersion = 1000;
  private long expiredWatches;

  private static String key(String resource, String namespace, String name) {
    return resource + "/" + namespace + "/" + name;
  }

  /** Told of every change, inside the store's lock: listeners only queue work, never block. */
  public void addListener(Consumer<Event> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<Event> listener) {
    listeners.remove(listener);
  }

  /**
   * Forgets the event log, as an API server's watch cache does after a while (or a restart): a
   * watch resumed from any earlier resourceVersion is answered 410 Gone and must list again.
   */
  public synchronized void compactHistory() {
    events.clear();
    events.addLast(new Event(resourceVersion, "", "", "COMPACTED", new JsonObject()));
  }

  synchronized void countExpiredWatch() {
    expiredWatches++;
  }

  /** How many watches were answered 410 Gone because their resourceVersion was too old. */
  public synchronized long expiredWatches() {
    return expiredWatches;
  }

  public synchronized long resourceVersion() {
    return resourceVersion;
  }

  public synchronized Optional<JsonObject> get(String resource, String namespace, String name) {
    return Optional.ofNullable(objects.get(key(resource, namespace, name))).map(JsonObject::deepCopy);
  }

  /** Objects of {@code resource} in {@code namespace} (every namespace when null) that match. */
  public synchronized List<JsonObject> list(String resource, String namespace, Predicate<JsonObject> filter) {
    List<JsonObject> found = new ArrayList<>();
    String prefix = resource + "/" + (namespace == null ? "" : namespace + "/");
    for (Map.Entry<String, JsonObject> e : objects.tailMap(prefix).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      if (filter.test(e.getValue())) {
        found.add(e.getValue().deepCopy());
      }
    }
    return found;
  }

  public synchronized JsonObject create(String resource, String namespace, JsonObject object) {
    JsonObject meta = object.getAsJsonObject("metadata");
    String name = meta.get("name").getAsString();
    String key = key(resource, namespace, name);
    if (objects.containsKey(key)) {
      throw new ApiError(409, "AlreadyExists", resource + " \"" + name + "\" already exists");
    }
    meta.addProperty("uid", UUID.randomUUID().toString());
    meta.addProperty("creationTimestamp", now());
    meta.addProperty("resourceVersion", Long.toString(++resourceVersion));
    if (!namespace.isEmpty()) {
      meta.addProperty("namespace", namespace);
    }
    objects.put(key, object.deepCopy());
    emit(resource, namespace, "ADDED", object);
    return object.deepCopy();
  }

  /** Changes an object in place: {@code change} gets a copy and returns the new object, or null to leave it. */
  public synchronized Optional<JsonObject> update(String resource, String namespace, String name, UnaryOperator<JsonObject> change) {
    String key = key(resource, namespace, name);
    JsonObject current = objects.get(key);
    if (current == null) {
      return Optional.empty();
    }
    JsonObject next = change.apply(current.deepCopy());
    if (next == null || next.equals(current)) {
      return Optional.of(current.deepCopy());
    }
    next.getAsJsonObject("metadata").addProperty("resourceVersion", Long.toString(++resourceVersion));
    objects.put(key, next.deepCopy());
    emit(resource, namespace, "MODIFIED", next);
    return Optional.of(next.deepCopy());
  }

  public synchronized Optional<JsonObject> delete(String resource, String namespace, String name) {
    JsonObject removed = objects.remove(key(resource, namespace, name));
    if (removed == null) {
      return Optional.empty();
    }
    removed.getAsJsonObject("metadata").addProperty("resourceVersion", Long.toString(++resourceVersion));
    emit(resource, namespace, "DELETED", removed);
    return Optional.of(removed.deepCopy());
  }

  /**
   * Registers {@code sink} for live events of {@code resource} and returns the events it must see
   * first: every current object as ADDED when {@code from} is 0, else the logged events after {@code from}.
   */
  public synchronized List<Event> watch(String resource, String namespace, long from, Consumer<Event> sink) {
    List<Event> backlog = new ArrayList<>();
    if (from == 0) {
      for (JsonObject o : list(resource, namespace, x -> true)) {
        backlog.add(new Event(resourceVersion, resource, namespace, "ADDED", o));
      }
    } else {
      if (!events.isEmpty() && from < events.peekFirst().resourceVersion() - 1
          || !events.isEmpty() && events.peekFirst().type().equals("COMPACTED") && from < events.peekFirst().resourceVersion()) {
        throw new ApiError(410, "Expired", "too old resource version: " + from + " (" + (events.peekFirst().resourceVersion() - 1) + ")");
      }
      for (Event e : events) {
        if (e.resourceVersion() > from && e.resource().equals(resource) && (namespace == null || namespace.equals(e.namespace()))) {
          backlog.add(e);
        }
      }
    }
    listeners.add(sink);
    return backlog;
  }

  private void emit(String resource, String namespace, String type, JsonObject object) {
    Event event = new Event(resourceVersion, resource, namespace, type, object.deepCopy());
    events.addLast(event);
    if (events.size() > EVENT_LOG_SIZE) {
      events.removeFirst();
    }
    for (Consumer<Event> listener : listeners) {
      listener.accept(event);
    }
  }

  /** Kubernetes' time format: RFC 3339 with whole seconds. */
  public static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String string(JsonObject o, String... path) {
    JsonElement e = o;
    for (String p : path) {
      if (e == null || !e.isJsonObject()) {
        return null;
      }
      e = e.getAsJsonObject().get(p);
    }
    return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? null : e.getAsString();
  }

  static JsonObject object(JsonObject o, String... path) {
    JsonObject current = o;
    for (String p : path) {
      if (!current.has(p) || !current.get(p).isJsonObject()) {
        current.add(p, new JsonObject());
      }
      current = current.getAsJsonObject(p);
    }
    return current;
  }
}
