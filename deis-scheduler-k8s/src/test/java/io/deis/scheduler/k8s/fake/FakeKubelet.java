package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the kubelet of one node would do, for the fake cluster: it binds new pods to its node,
 * gives each pod its own IP, and really runs the container's command as a local process
 * ({@code /bin/sh -c ...} as the pod spec says) with the pod's environment (its Secrets through
 * {@code envFrom}, its {@code env}, the downward API's {@code status.podIP}) in a fresh empty
 * working directory per start. So pods crash, exit and log because their commands do.
 *
 * <p>Where it differs from a real kubelet, on purpose:
 * <ul>
 *   <li>There are no images: the process runs on this machine, and the image is only reported.
 *       A container without a command (an image's default) runs {@code sleep} as a stand-in.
 *   <li>Pods share this machine's network. Each gets its own loopback address (127.1.x.y) as
 *       its pod IP, so processes that bind {@code $POD_IP} never clash; a process that binds
 *       0.0.0.0 to {@code $PORT} (5000 for all) would clash with a second one.
 *   <li>Restart back-off is 0.5 s doubling to 4 s (the real one starts at 10 s), to keep tests short.
 *   <li>Readiness probes are real HTTP GETs and TCP connects to the pod IP, at the pod's period.
 * </ul>
 */
final class FakeKubelet implements FakeApiServer.LogSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FakeKubelet.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String NODE = "fake-node-1";

  private final Store store;
  private final Path root;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fake-kubelet");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "fake-kubelet-probe");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private int nextIp = 1;

  /** One pod's container as this kubelet runs it. */
  private static final class Running {
    final String key;
    volatile Process process;
    volatile boolean stopping;
    volatile String startedAt;
    volatile Thread reader;
    final List<String[]> log = new ArrayList<>();
    List<String[]> previousLog;
    int restarts;
    ScheduledFuture<?> probe;

    Running(String key) {
      this.key = key;
    }
  }

  FakeKubelet(Store store) {
    this.store = store;
    try {
      this.root = Files.createTempDirectory("fake-kubelet");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    store.addListener(e -> {
      if (e.resource().equals("pods")) {
        String name = Store.string(e.object(), "metadata", "name");
        thread.execute(() -> sync(e.namespace(), name, e.type()));
      }
    });
  }

  static String randomSuffix() {
    String chars = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(chars.charAt(RANDOM.nextInt(chars.length())));
    }
    return s.toString();
  }

  // --------------------------------------------------------------------------------------------- pod lifecycle

  private void sync(String ns, String name, String eventType) {
    String key = ns + "/" + name;
    Optional<JsonObject> found = store.get("pods", ns, name);
    if (found.isEmpty() || "DELETED".equals(eventType)) {
      Running r = running.remove(key);
      if (r != null) {
        stop(r, null);
      }
      return;
    }
    JsonObject pod = found.get();
    if (Store.string(pod, "metadata", "deletionTimestamp") != null) {
      Running r = running.get(key);
      if (r == null || r.process == null || !r.process.isAlive()) {
        running.remove(key);
        store.delete("pods", ns, name);
      } else if (!r.stopping) {
        stop(r, () -> {
          running.remove(key);
          store.delete("pods", ns, name);
        });
      }
      return;
    }
    if (Store.string(pod, "spec", "nodeName") == null) {
      bind(ns, name);
      Running r = new Running(key);
      running.put(key, r);
      start(ns, name, r);
    }
  }

  private void bind(String ns, String name) {
    int n = nextIp++;
    String ip = "127.1." + (n / 250) + "." + (n % 250 + 1);
    store.update("pods", ns, name, pod -> {
      Store.object(pod, "spec").addProperty("nodeName", NODE);
      JsonObject status = Store.object(pod, "status");
      status.addProperty("phase", "Pending");
      status.addProperty("podIP", ip);
      status.addProperty("hostIP", "127.0.0.1");
      status.addProperty("startTime", Store.now());
      status.add("conditions", conditions(false));
      JsonObject waiting = new JsonObject();
      waiting.addProperty("reason", "ContainerCreating");
      status.add("containerStatuses", containerStatuses(pod, false, 0, state("waiting", waiting), null));
      return pod;
    });
  }

  private void start(String ns, String name, Running r) {
    Optional<JsonObject> found = store.get("pods", ns, name);
    if (found.isEmpty() || r.stopping || running.get(r.key) != r) {
      return;
    }
    JsonObject pod = found.get();
    JsonObject container = pod.getAsJsonObject("spec").getAsJsonArray("containers").get(0).getAsJsonObject();
    Map<String, String> env = new LinkedHashMap<>();
    for (String inherited : List.of("PATH", "LANG", "HOME", "TMPDIR")) {
      Optional.ofNullable(System.getenv(inherited)).ifPresent(v -> env.put(inherited, v));
    }
    env.put("HOSTNAME", name);
    try {
      env.putAll(environment(ns, pod, container));
    } catch (IllegalStateException configError) {
      JsonObject waiting = new JsonObject();
      waiting.addProperty("reason", "CreateContainerConfigError");
      waiting.addProperty("message", configError.getMessage());
      store.update("pods", ns, name, p -> {
        Store.object(p, "status").add("containerStatuses", containerStatuses(p, false, r.restarts, state("waiting", waiting), null));
        return p;
      });
      return;
    }
    List<String> command = new ArrayList<>();
    if (container.has("command")) {
      container.getAsJsonArray("command").forEach(c -> command.add(c.getAsString()));
    }
    if (container.has("args")) {
      container.getAsJsonArray("args").forEach(c -> command.add(c.getAsString()));
    }
    if (command.isEmpty()) {
      command.addAll(List.of("/bin/sh", "-c", "exec sleep 100000")); // the image's default command, which the fake cannot know
    }
    try {
      Path dir = Files.createTempDirectory(root, name + "-");
      ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
      builder.environment().clear();
      builder.environment().putAll(env);
      synchronized (r) {
        if (!r.log.isEmpty()) {
          r.previousLog = new ArrayList<>(r.log);
          r.log.clear();
        }
      }
      Process process = builder.start();
      r.process = process;
      r.startedAt = Store.now();
      Thread reader = new Thread(() -> read(r, process), "fake-container-log " + name);
      reader.setDaemon(true);
      r.reader = reader;
      reader.start();
      process.onExit().thenAccept(p -> thread.execute(() -> exited(ns, name, r, p)));
    } catch (IOException e) {
      JsonObject waiting = new JsonObject();
      waiting.addProperty("reason", "RunContainerError");
      waiting.addProperty("message", e.getMessage());
      store.update("pods", ns, name, p -> {
        Store.object(p, "status").add("containerStatuses", containerStatuses(p, false, r.restarts, state("waiting", waiting), null));
        return p;
      });
      return;
    }
    JsonObject readinessProbe = container.has("readinessProbe") ? container.getAsJsonObject("readinessProbe") : null;
    boolean ready = readinessProbe == null;
    JsonObject runningState = new JsonObject();
    runningState.addProperty("startedAt", r.startedAt);
    store.update("pods", ns, name, p -> {
      JsonObject status = Store.object(p, "status");
      JsonObject last = lastState(p);
      status.addProperty("phase", "Running");
      status.add("conditions", conditions(ready));
      status.add("containerStatuses", containerStatuses(p, ready, r.restarts, state("running", runningState), last));
      return p;
    });
    if (readinessProbe != null) {
      probe(ns, name, r, readinessProbe);
    }
  }

  private Map<String, String> environment(String ns, JsonObject pod, JsonObject container) {
    Map<String, String> env = new LinkedHashMap<>();
    if (container.has("envFrom")) {
      for (JsonElement source : container.getAsJsonArray("envFrom")) {
        String secret = Store.string(source.getAsJsonObject(), "secretRef", "name");
        if (secret == null) {
          continue;
        }
        JsonObject s = store.get("secrets", ns, secret)
            .orElseThrow(() -> new IllegalStateException("secret \"" + secret + "\" not found"));
        if (s.has("data")) {
          s.getAsJsonObject("data").entrySet().forEach(e -> env.put(e.getKey(),
              new String(Base64.getDecoder().decode(e.getValue().getAsString()), StandardCharsets.UTF_8)));
        }
      }
    }
    if (container.has("env")) {
      for (JsonElement e : container.getAsJsonArray("env")) {
        JsonObject var = e.getAsJsonObject();
        String value = Store.string(var, "value");
        String field = Store.string(var, "valueFrom", "fieldRef", "fieldPath");
        if (field != null) {
          value = switch (field) {
            case "status.podIP" -> Store.string(pod, "status", "podIP");
            case "metadata.name" -> Store.string(pod, "metadata", "name");
            case "metadata.namespace" -> Store.string(pod, "metadata", "namespace");
            default -> throw new IllegalStateException("the fake kubelet does not resolve fieldRef " + field);
          };
        }
        env.put(var.get("name").getAsString(), value == null ? "" : value);
      }
    }
    return env;
  }

  private static void read(Running r, Process process) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (r) {
          r.log.add(new String[] {Instant.now().toString(), line});
        }
      }
    } catch (IOException e) {
      LOG.debug("log of {} ended: {}", r.key, e.toString());
    }
  }

  private void exited(String ns, String name, Running r, Process process) {
    if (r.process != process || r.stopping) {
      return; // stopped on purpose: the pod is being deleted
    }
    if (r.probe != null) {
      r.probe.cancel(false);
    }
    int code = process.exitValue();
    try {
      // Everything the process wrote is in its log before anyone is told it ended.
      r.reader.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Optional<JsonObject> found = store.get("pods", ns, name);
    if (found.isEmpty()) {
      return;
    }
    JsonObject terminated = new JsonObject();
    terminated.addProperty("exitCode", code);
    terminated.addProperty("reason", code == 0 ? "Completed" : "Error");
    terminated.addProperty("startedAt", r.startedAt);
    terminated.addProperty("finishedAt", Store.now());
    terminated.addProperty("containerID", "fake://" + name + "/" + r.restarts);
    boolean never = "Never".equals(Store.string(found.get(), "spec", "restartPolicy"));
    if (never || "OnFailure".equals(Store.string(found.get(), "spec", "restartPolicy")) && code == 0) {
      store.update("pods", ns, name, p -> {
        JsonObject status = Store.object(p, "status");
        status.addProperty("phase", code == 0 ? "Succeeded" : "Failed");
        status.add("conditions", conditions(false));
        status.add("containerStatuses", containerStatuses(p, false, r.restarts, state("terminated", terminated), lastState(p)));
        return p;
      });
      return;
    }
    // restartPolicy Always: the container is restarted after a back-off, and the pod shows why.
    r.restarts++;
    long backoff = Math.min(4000, 500L << Math.min(3, r.restarts - 1));
    JsonObject waiting = new JsonObject();
    waiting.addProperty("reason", "CrashLoopBackOff");
    waiting.addProperty("message", "back-off " + backoff + "ms restarting failed container");
    store.update("pods", ns, name, p -> {
      JsonObject status = Store.object(p, "status");
      status.add("conditions", conditions(false));
      JsonObject last = new JsonObject();
      last.add("terminated", terminated);
      status.add("containerStatuses", containerStatuses(p, false, r.restarts, state("waiting", waiting), last));
      return p;
    });
    thread.schedule(() -> start(ns, name, r), backoff, TimeUnit.MILLISECONDS);
  }

  private void probe(String ns, String name, Running r, JsonObject probe) {
    boolean tcp = probe.has("tcpSocket");
    String path = Optional.ofNullable(Store.string(probe, "httpGet", "path")).orElse("/");
    String port = Optional.ofNullable(Store.string(probe, tcp ? "tcpSocket" : "httpGet", "port")).orElse("80");
    long period = Long.parseLong(Optional.ofNullable(Store.string(probe, "periodSeconds")).orElse("10"));
    long delay = Long.parseLong(Optional.ofNullable(Store.string(probe, "initialDelaySeconds")).orElse("0"));
    long timeout = Long.parseLong(Optional.ofNullable(Store.string(probe, "timeoutSeconds")).orElse("1"));
    Process process = r.process;
    r.probe = probes.scheduleWithFixedDelay(() -> {
      if (r.process != process || !process.isAlive()) {
        return;
      }
      String ip = store.get("pods", ns, name).map(p -> Store.string(p, "status", "podIP")).orElse(null);
      boolean ok;
      try {
        if (tcp) {
          try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(ip, Integer.parseInt(port)), (int) timeout * 1000);
          }
          ok = true;
        } else {
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + path))
            .timeout(Duration.ofSeconds(timeout)).build(), HttpResponse.BodyHandlers.discarding());
        ok = response.statusCode() >= 200 && response.statusCode() < 400;
        }
      } catch (IOException e) {
        ok = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      boolean ready = ok;
      store.update("pods", ns, name, p -> {
        if (r.process != process || Store.string(p, "status", "phase") == null) {
          return null;
        }
        JsonObject status = Store.object(p, "status");
        JsonObject cs = status.getAsJsonArray("containerStatuses").get(0).getAsJsonObject();
        if (!cs.getAsJsonObject("state").has("running")) {
          return null;
        }
        cs.addProperty("ready", ready);
        status.add("conditions", conditions(ready));
        return p;
      });
    }, delay * 1000, period * 1000, TimeUnit.MILLISECONDS);
  }

  /** SIGTERM to the process and its children; SIGKILL if they are still there after 2 s. Then {@code after}. */
  private void stop(Running r, Runnable after) {
    r.stopping = true;
    if (r.probe != null) {
      r.probe.cancel(false);
    }
    Process process = r.process;
    if (process == null || !process.isAlive()) {
      if (after != null) {
        thread.execute(after);
      }
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    process.onExit().orTimeout(2, TimeUnit.SECONDS).whenComplete((p, timeout) -> {
      if (timeout != null) {
        tree.forEach(ProcessHandle::destroyForcibly);
      }
      if (after != null) {
        thread.execute(after);
      }
    });
  }

  // --------------------------------------------------------------------------------------------- status pieces

  private static JsonArray conditions(boolean ready) {
    JsonArray conditions = new JsonArray();
    for (String[] c : new String[][] {{"PodScheduled", "True"}, {"Initialized", "True"},
        {"ContainersReady", ready ? "True" : "False"}, {"Ready", ready ? "True" : "False"}}) {
      JsonObject condition = new JsonObject();
      condition.addProperty("type", c[0]);
      condition.addProperty("status", c[1]);
      condition.addProperty("lastTransitionTime", Store.now());
      conditions.add(condition);
    }
    return conditions;
  }

  private static JsonObject state(String kind, JsonObject detail) {
    JsonObject state = new JsonObject();
    state.add(kind, detail);
    return state;
  }

  private static JsonObject lastState(JsonObject pod) {
    try {
      return pod.getAsJsonObject("status").getAsJsonArray("containerStatuses").get(0).getAsJsonObject().getAsJsonObject("lastState");
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static JsonArray containerStatuses(JsonObject pod, boolean ready, int restarts, JsonObject state, JsonObject lastState) {
    JsonObject container = pod.getAsJsonObject("spec").getAsJsonArray("containers").get(0).getAsJsonObject();
    JsonObject status = new JsonObject();
    status.addProperty("name", container.get("name").getAsString());
    status.addProperty("image", Store.string(container, "image"));
    status.addProperty("imageID", "fake://" + Store.string(container, "image"));
    status.addProperty("ready", ready);
    status.addProperty("started", state.has("running"));
    status.addProperty("restartCount", restarts);
    status.add("state", state);
    status.add("lastState", lastState == null ? new JsonObject() : lastState);
    JsonArray statuses = new JsonArray();
    statuses.add(status);
    return statuses;
  }

  // --------------------------------------------------------------------------------------------- logs

  @Override
  public Optional<List<String[]>> logs(String namespace, String pod, boolean previous) {
    Running r = running.get(namespace + "/" + pod);
    if (r == null || r.process == null) {
      return Optional.empty();
    }
    synchronized (r) {
      if (previous) {
        return Optional.ofNullable(r.previousLog).map(ArrayList::new);
      }
      return Optional.of(new ArrayList<>(r.log));
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    probes.shutdownNow();
    for (Running r : running.values()) {
      r.stopping = true;
      Process p = r.process;
      if (p != null) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    running.clear();
    // The containers' scratch directories: ephemeral, like the containers.
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not remove {}: {}", root, e.toString());
    }
  }
}
