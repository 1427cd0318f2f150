package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
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
 * What the scheduler and the kubelet of one node would do, for the fake cluster: it schedules new
 * pods onto its node when they fit its capacity (else they stay {@code Pending}, unschedulable),
 * "pulls" their image, gives each its own IP, and really runs the container's command as a local
 * process ({@link ContainerProcess}) with the pod's environment (its Secrets through
 * {@code envFrom}, its {@code env}, the downward API's {@code status.podIP}) in a fresh empty
 * working directory per start. So pods crash, exit and log because their commands do.
 *
 * <p>As a kubelet: a deleted pod gets SIGTERM on its main process (if that process handles it,
 * as PID 1 must) and SIGKILL after its grace period; readiness follows the probe's
 * {@code successThreshold} and {@code failureThreshold}; {@code activeDeadlineSeconds} fails a pod
 * that runs too long; an evicted pod ends {@code Failed} and stays; its clock may differ from the
 * controller's ({@link #clockSkew}).
 *
 * <p>Where it differs from a real kubelet, on purpose:
 * <ul>
 *   <li>There are no images: the process runs on this machine, and the image is only reported.
 *       An image whose registry host ends in {@code .invalid} cannot be pulled: ErrImagePull, then
 *       ImagePullBackOff, again and again. A container without a command runs {@code sleep}.
 *   <li>Pods share this machine's network. Each gets its own loopback address (127.x.y.z, one
 *       nobody listens on) as its pod IP, so processes that bind {@code $POD_IP} never clash.
 *   <li>Back-offs (crash and image pull) are 0.5 s doubling to 4 s (the real ones start at 10 s).
 * </ul>
 */
final class FakeKubelet implements FakeApiServer.LogSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FakeKubelet.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String NODE = "fake-node-1";
  /** What the node can give pods: a pod asking for more (its requests, else its limits) is unschedulable. */
  static final long NODE_MEMORY_BYTES = 16L << 30;
  static final long NODE_MILLICPU = 8000;

  private final Store store;
  private final Path root;
  final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fake-kubelet");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, PodRun> running = new ConcurrentHashMap<>();
  private final KubeletStatus status;
  private final Prober prober;
  private int nextIp = RANDOM.nextInt(254 * 62500);

  FakeKubelet(Store store) {
    this.store = store;
    this.status = new KubeletStatus(store);
    this.prober = new Prober(store, status);
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

  /** The node's clock runs this far ahead of the controller's (negative: behind). */
  void clockSkew(Duration skew) {
    status.skew = skew;
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
      PodRun r = running.remove(key);
      if (r != null) {
        r.stopping = true;
        r.cancelTimers();
        Optional.ofNullable(r.process).ifPresent(ContainerProcess::killAll);
      }
      return;
    }
    JsonObject pod = found.get();
    PodRun r = running.get(key);
    if (Store.string(pod, "metadata", "deletionTimestamp") != null) {
      if (r == null || r.process == null || !r.process.isAlive()) {
        if (r != null) {
          r.stopping = true;
          r.cancelTimers();
        }
        running.remove(key);
        store.delete("pods", ns, name);
      } else if (!r.stopping) {
        long grace = Long.parseLong(Optional.ofNullable(Store.string(pod, "metadata", "deletionGracePeriodSeconds")).orElse("30"));
        stop(r, grace, () -> {
          running.remove(key);
          store.delete("pods", ns, name);
        });
      }
      return;
    }
    if (Store.string(pod, "spec", "nodeName") != null || KubeletStatus.ended(pod)) {
      return; // bound already (or ended): its run takes care of it
    }
    Optional<String> unfit = unfit(pod);
    if (unfit.isPresent()) {
      status.unschedulable(ns, name, unfit.get());
      return;
    }
    bind(ns, name);
    PodRun run = new PodRun(key, ns, name);
    running.put(key, run);
    Long deadline = Optional.ofNullable(Store.string(pod, "spec", "activeDeadlineSeconds")).map(Long::parseLong).orElse(null);
    if (deadline != null) {
      run.deadline = thread.schedule(() -> deadlineExceeded(run), deadline, TimeUnit.SECONDS);
    }
    pull(run);
  }

  /** Why the pod does not fit this node, as the scheduler says it, or empty when it fits. */
  private static Optional<String> unfit(JsonObject pod) {
    long memory = 0;
    long cpu = 0;
    for (JsonElement c : pod.getAsJsonObject("spec").getAsJsonArray("containers")) {
      JsonObject resources = c.getAsJsonObject().has("resources") ? c.getAsJsonObject().getAsJsonObject("resources") : new JsonObject();
      // The API server defaults each request to its limit when only the limit is set.
      memory += Quantities.bytes(Optional.ofNullable(Store.string(resources, "requests", "memory"))
          .orElse(Store.string(resources, "limits", "memory")));
      cpu += Quantities.millicpu(Optional.ofNullable(Store.string(resources, "requests", "cpu"))
          .orElse(Store.string(resources, "limits", "cpu")));
    }
    List<String> short_ = new ArrayList<>();
    if (memory > NODE_MEMORY_BYTES) {
      short_.add("1 Insufficient memory");
    }
    if (cpu > NODE_MILLICPU) {
      short_.add("1 Insufficient cpu");
    }
    return short_.isEmpty() ? Optional.empty() : Optional.of("0/1 nodes are available: " + String.join(", ", short_)
        + ". preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
  }

  private void bind(String ns, String name) {
    status.bound(ns, name, NODE, freeIp());
  }

  /**
   * The next loopback address whose port 5000 nobody listens on. Other fake clusters (other test
   * JVMs on this machine) hand out addresses too: this one starts at a random one, and skips any
   * that is taken.
   */
  private String freeIp() {
    while (true) {
      int n = nextIp++;
      String ip = "127." + (1 + (n / 62500) % 254) + "." + ((n / 250) % 250) + "." + (n % 250 + 1);
      try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
        probe.bind(new java.net.InetSocketAddress(ip, 5000));
        return ip;
      } catch (IOException taken) {
        LOG.debug("pod IP {} is taken on this machine: {}", ip, taken.toString());
      }
    }
  }

  /** The image pull: instant, unless the registry cannot exist; then the kubelet's retry loop, for ever. */
  private void pull(PodRun r) {
    Optional<JsonObject> found = store.get("pods", r.ns, r.name);
    if (found.isEmpty() || r.stopping) {
      return;
    }
    String image = Store.string(found.get().getAsJsonObject("spec").getAsJsonArray("containers").get(0).getAsJsonObject(), "image");
    String host = image.contains("/") ? image.substring(0, image.indexOf('/')) : "docker.io";
    if (!host.endsWith(".invalid")) {
      start(r);
      return;
    }
    r.pullFailures++;
    status.waiting(r.ns, r.name, r.restarts, "ErrImagePull", "failed to pull and unpack image \"" + image
        + "\": failed to resolve reference \"" + image + "\": dial tcp: lookup " + host + ": no such host");
    long backoff = Math.min(4000, 500L << Math.min(3, r.pullFailures - 1));
    r.pull = thread.schedule(() -> {
      if (!r.stopping) {
        status.waiting(r.ns, r.name, r.restarts, "ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
        r.pull = thread.schedule(() -> pull(r), backoff, TimeUnit.MILLISECONDS);
      }
    }, 300, TimeUnit.MILLISECONDS);
  }

  private void start(PodRun r) {
    Optional<JsonObject> found = store.get("pods", r.ns, r.name);
    if (found.isEmpty() || r.stopping || running.get(r.key) != r) {
      return;
    }
    JsonObject pod = found.get();
    JsonObject container = pod.getAsJsonObject("spec").getAsJsonArray("containers").get(0).getAsJsonObject();
    Map<String, String> env = new LinkedHashMap<>();
    for (String inherited : List.of("PATH", "LANG", "HOME", "TMPDIR")) {
      Optional.ofNullable(System.getenv(inherited)).ifPresent(v -> env.put(inherited, v));
    }
    env.put("HOSTNAME", r.name);
    try {
      env.putAll(environment(r.ns, pod, container));
    } catch (IllegalStateException configError) {
      status.waiting(r.ns, r.name, r.restarts, "CreateContainerConfigError", configError.getMessage());
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
      command.addAll(List.of("sleep", "100000")); // the image's default command, which the fake cannot know
    }
    ContainerProcess process;
    try {
      Path dir = Files.createTempDirectory(root, r.name + "-");
      synchronized (r) {
        if (!r.log.isEmpty()) {
          r.previousLog = new ArrayList<>(r.log);
          r.log.clear();
        }
      }
      process = ContainerProcess.start(command, dir, env);
    } catch (IOException e) {
      status.waiting(r.ns, r.name, r.restarts, "RunContainerError", e.getMessage());
      return;
    }
    r.process = process;
    r.startedAt = status.nodeStamp();
    Thread reader = new Thread(() -> read(r, process), "fake-container-log " + r.name);
    reader.setDaemon(true);
    r.reader = reader;
    reader.start();
    process.process().onExit().thenAccept(p -> thread.execute(() -> exited(r, process)));
    JsonObject readinessProbe = container.has("readinessProbe") ? container.getAsJsonObject("readinessProbe") : null;
    status.running(r.ns, r.name, r.restarts, r.startedAt, readinessProbe == null);
    if (readinessProbe != null) {
      r.probe = prober.probe(r.ns, r.name, process, readinessProbe);
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

  private void read(PodRun r, ContainerProcess process) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.process().getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (r) {
          r.log.add(new String[] {status.nodeNow().toString(), line});
        }
      }
    } catch (IOException e) {
      LOG.debug("log of {} ended: {}", r.key, e.toString());
    }
  }

  private void exited(PodRun r, ContainerProcess process) {
    process.killAll(); // the main process ended: nothing else of the container outlives it
    if (r.process != process || r.stopping) {
      return; // stopped on purpose: the pod is being deleted
    }
    if (r.probe != null) {
      r.probe.cancel(false);
    }
    int code = process.process().exitValue();
    try {
      // Everything the process wrote is in its log before anyone is told it ended.
      r.reader.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Optional<JsonObject> found = store.get("pods", r.ns, r.name);
    if (found.isEmpty()) {
      return;
    }
    JsonObject terminated = status.terminated(code, code == 0 ? "Completed" : "Error", r.startedAt, r.name + "/" + r.restarts);
    String policy = Store.string(found.get(), "spec", "restartPolicy");
    if ("Never".equals(policy) || "OnFailure".equals(policy) && code == 0) {
      r.cancelTimers();
      status.ended(r.ns, r.name, r.restarts, code == 0 ? "Succeeded" : "Failed", null, null, terminated);
      return;
    }
    // restartPolicy Always: the container is restarted after a back-off, and the pod shows why.
    r.restarts++;
    long backoff = Math.min(4000, 500L << Math.min(3, r.restarts - 1));
    status.crashed(r.ns, r.name, r.restarts, terminated, "back-off " + backoff + "ms restarting failed container");
    thread.schedule(() -> start(r), backoff, TimeUnit.MILLISECONDS);
  }

  /** Deletion: SIGTERM as PID 1 gets it, SIGKILL for the whole container after {@code graceSeconds}. Then {@code after}. */
  private void stop(PodRun r, long graceSeconds, Runnable after) {
    r.stopping = true;
    r.cancelTimers();
    ContainerProcess process = r.process;
    if (process == null || !process.isAlive()) {
      thread.execute(after);
      return;
    }
    process.terminate();
    process.process().onExit().orTimeout(Math.max(1, graceSeconds * 1000), TimeUnit.MILLISECONDS).whenComplete((p, timeout) -> {
      process.killAll();
      thread.execute(after);
    });
  }

  /** {@code activeDeadlineSeconds} passed: the kubelet kills the pod's containers and fails it. */
  private void deadlineExceeded(PodRun r) {
    if (r.stopping || running.get(r.key) != r) {
      return;
    }
    Optional<JsonObject> found = store.get("pods", r.ns, r.name);
    if (found.isEmpty() || KubeletStatus.ended(found.get())) {
      return;
    }
    end(r, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
  }

  /** Evicts a pod, as a node under memory pressure does: its containers are killed, it ends Failed and stays. */
  void evict(String ns, String name) {
    PodRun r = running.get(ns + "/" + name);
    if (r == null) {
      throw new IllegalStateException("pod " + ns + "/" + name + " does not run on this node");
    }
    submitAndWait(() -> end(r, "Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi."));
  }

  private void end(PodRun r, String reason, String message) {
    r.stopping = true;
    r.cancelTimers();
    ContainerProcess process = r.process;
    if (process != null) {
      process.killAll();
    }
    JsonObject terminated = status.terminated(137, "Error", r.startedAt == null ? status.nodeStamp() : r.startedAt, r.name + "/" + r.restarts);
    status.ended(r.ns, r.name, r.restarts, "Failed", reason, message, terminated);
  }

  private void submitAndWait(Runnable work) {
    try {
      thread.submit(work).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the fake kubelet did not do it: " + e, e);
    }
  }

  // --------------------------------------------------------------------------------------------- logs

  @Override
  public Optional<List<String[]>> logs(String namespace, String pod, boolean previous) {
    PodRun r = running.get(namespace + "/" + pod);
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
    prober.close();
    for (PodRun r : running.values()) {
      r.stopping = true;
      Optional.ofNullable(r.process).ifPresent(ContainerProcess::killAll);
    }
    running.clear();
    // The containers' scratch directories: ephemeral, like the containers.
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not remove {}: {}", root, e.toString());
    }
  }

  /** One pod's container as this kubelet runs it, across its restarts. */
  private static final class PodRun {
    final String key;
    final String ns;
    final String name;
    volatile ContainerProcess process;
    volatile boolean stopping;
    volatile String startedAt;
    volatile Thread reader;
    final List<String[]> log = new ArrayList<>();
    List<String[]> previousLog;
    int restarts;
    int pullFailures;
    volatile ScheduledFuture<?> probe;
    volatile ScheduledFuture<?> deadline;
    volatile ScheduledFuture<?> pull;

    PodRun(String key, String ns, String name) {
      this.key = key;
      this.ns = ns;
      this.name = name;
    }

    void cancelTimers() {
      for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {probe, deadline, pull}) {
        if (f != null) {
          f.cancel(false);
        }
      }
    }
  }
}
