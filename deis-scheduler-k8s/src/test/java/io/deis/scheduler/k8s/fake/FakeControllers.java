package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What kube-controller-manager would do for the scheduler's objects, level-triggered: each change
 * in a namespace makes its controllers look at the whole namespace again.
 * <ul>
 *   <li>Deployment controller: keeps {@code spec.replicas} pods of the current template (labelled
 *       with its {@code pod-template-hash}); during a rollout it starts all new pods at once and
 *       retires an old pod only for each new one that is ready (maxUnavailable 0), preferring
 *       unready and then newest pods when it removes any; it writes the Deployment's status.
 *       Unlike the real one it makes no ReplicaSets: pods are owned by the Deployment itself.
 *       Pods that ended ({@code Failed}, {@code Succeeded}: evicted, say) are not active: they are
 *       replaced, not counted, and they linger until someone deletes them. Pods it creates pass the
 *       API server's validation and admission; a refused one sets the Deployment's
 *       {@code ReplicaFailure} condition ({@code FailedCreate}) and is tried again a second later.
 *       Its {@code Progressing} condition says {@code NewReplicaSetAvailable} once rolled out and
 *       {@code ProgressDeadlineExceeded} after {@code progressDeadlineSeconds} without progress.
 *   <li>Garbage collector: deletes pods whose owning Deployment is gone.
 *   <li>Namespace controller: empties a terminating namespace, then removes it, but not before
 *       it has been terminating for a while (tens of seconds on a real cluster; set by tests).
 * </ul>
 */
final class FakeControllers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FakeControllers.class);
  static final String HASH = "pod-template-hash";

  private final Store store;
  private final ApiRules rules;
  private volatile Duration namespaceTermination = Duration.ofMillis(500);
  /** When each terminating namespace (by name) was first seen terminating. */
  private final Map<String, Instant> terminatingSince = new ConcurrentHashMap<>();
  /** Per Deployment uid: the last time its rollout moved, and what it looked like then. */
  private final Map<String, Instant> lastProgress = new HashMap<>();
  private final Map<String, String> lastProgressState = new HashMap<>();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fake-controller-manager");
    t.setDaemon(true);
    return t;
  });
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  /** When the controller first saw each pod (by uid) ready: a pod is available minReadySeconds later. */
  private final Map<String, Instant> readySince = new HashMap<>();

  FakeControllers(Store store, ApiRules rules) {
    this.store = store;
    this.rules = rules;
    store.addListener(e -> {
      if (!e.namespace().isEmpty() || e.resource().equals("namespaces")) {
        enqueue(e.resource().equals("namespaces") ? Store.string(e.object(), "metadata", "name") : e.namespace(), 0);
      }
    });
  }

  private void enqueue(String ns, long delayMillis) {
    Runnable work = () -> {
      queued.remove(ns);
      try {
        reconcile(ns);
      } catch (RuntimeException ex) {
        LOG.error("fake controllers failed on namespace {}", ns, ex);
      }
    };
    if (delayMillis > 0) {
      thread.schedule(() -> enqueue(ns, 0), delayMillis, TimeUnit.MILLISECONDS);
    } else if (queued.add(ns)) {
      thread.execute(work);
    }
  }

  private void reconcile(String ns) {
    JsonObject namespace = store.get("namespaces", "", ns).orElse(null);
    if (namespace != null && Store.string(namespace, "metadata", "deletionTimestamp") != null) {
      terminate(ns);
      return;
    }
    List<JsonObject> deployments = store.list("deployments", ns, o -> true);
    Set<String> uids = deployments.stream().map(d -> Store.string(d, "metadata", "uid")).collect(Collectors.toSet());
    for (JsonObject pod : store.list("pods", ns, o -> true)) {
      String owner = owner(pod);
      if (owner != null && !uids.contains(owner)) {
        markDeleted(pod);
      }
    }
    for (JsonObject deployment : deployments) {
      rollOut(ns, deployment);
    }
  }

  void namespaceTermination(Duration delay) {
    this.namespaceTermination = delay;
  }

  private void terminate(String ns) {
    for (String resource : List.of("deployments", "services", "secrets")) {
      for (JsonObject o : store.list(resource, ns, x -> true)) {
        store.delete(resource, ns, Store.string(o, "metadata", "name"));
      }
    }
    List<JsonObject> pods = store.list("pods", ns, x -> true);
    pods.forEach(this::markDeleted);
    Instant since = terminatingSince.computeIfAbsent(ns, n -> Instant.now());
    long left = Duration.between(Instant.now(), since.plus(namespaceTermination)).toMillis();
    if (pods.isEmpty() && left <= 0) {
      store.delete("namespaces", "", ns);
      terminatingSince.remove(ns);
    } else if (left > 0) {
      enqueue(ns, left);
    }
  }

  private void rollOut(String ns, JsonObject deployment) {
    String name = Store.string(deployment, "metadata", "name");
    String uid = Store.string(deployment, "metadata", "uid");
    JsonObject template = deployment.getAsJsonObject("spec").getAsJsonObject("template");
    String hash = ApiJson.hash(template);
    int want = deployment.getAsJsonObject("spec").has("replicas") ? deployment.getAsJsonObject("spec").get("replicas").getAsInt() : 1;
    // Active pods only: one being deleted or one that ended (evicted, say) is neither counted nor kept.
    List<JsonObject> owned = store.list("pods", ns, p -> uid.equals(owner(p)) && Store.string(p, "metadata", "deletionTimestamp") == null
        && !Set.of("Failed", "Succeeded").contains(String.valueOf(Store.string(p, "status", "phase"))));
    String createFailure = null;
    List<JsonObject> current = new ArrayList<>();
    List<JsonObject> old = new ArrayList<>();
    for (JsonObject pod : owned) {
      (hash.equals(Selectors.labelsOf(pod).get(HASH)) ? current : old).add(pod);
    }
    for (int i = current.size(); i < want; i++) {
      try {
        current.add(createPod(ns, name, uid, hash, template));
      } catch (Store.ApiError refused) {
        createFailure = refused.getMessage();
        enqueue(ns, 1000); // the ReplicaSet controller tries again
        break;
      }
    }
    if (current.size() > want) {
      current.sort(deleteFirst());
      for (JsonObject pod : current.subList(0, current.size() - want)) {
        markDeleted(pod);
      }
      current = new ArrayList<>(current.subList(current.size() - want, current.size()));
    }
    // Available = ready for minReadySeconds, as the real controller counts it: only available new
    // pods let old ones go, so a container that crashes right after starting retires nothing.
    long minReady = deployment.getAsJsonObject("spec").has("minReadySeconds")
        ? deployment.getAsJsonObject("spec").get("minReadySeconds").getAsLong() * 1000 : 0;
    Instant now = Instant.now();
    long ready = 0;
    long wakeUp = Long.MAX_VALUE;
    for (JsonObject pod : current) {
      String podUid = Store.string(pod, "metadata", "uid");
      if (!ready(pod)) {
        readySince.remove(podUid);
        continue;
      }
      long readyFor = Duration.between(readySince.computeIfAbsent(podUid, u -> now), now).toMillis();
      if (readyFor >= minReady) {
        ready++;
      } else {
        wakeUp = Math.min(wakeUp, minReady - readyFor);
      }
    }
    if (wakeUp != Long.MAX_VALUE) {
      enqueue(ns, wakeUp);
    }
    int keepOld = (int) Math.max(0, want - ready);
    if (old.size() > keepOld) {
      old.sort(deleteFirst());
      for (JsonObject pod : old.subList(0, old.size() - keepOld)) {
        markDeleted(pod);
      }
      old = old.subList(old.size() - keepOld, old.size());
    }
    long readyAll = ready + old.stream().filter(FakeControllers::ready).count();
    int replicas = current.size() + old.size();
    int updated = current.size();
    long generation = deployment.getAsJsonObject("metadata").get("generation").getAsLong();
    JsonArray conditions = conditions(ns, deployment, readyAll >= want && old.isEmpty() && updated == want,
        updated + "/" + ready + "/" + old.size() + "/" + generation, createFailure);
    store.update("deployments", ns, name, d -> {
      JsonObject status = new JsonObject();
      status.addProperty("observedGeneration", generation);
      status.addProperty("replicas", replicas);
      status.addProperty("updatedReplicas", updated);
      status.addProperty("readyReplicas", readyAll);
      status.addProperty("availableReplicas", readyAll);
      if (replicas - readyAll > 0) {
        status.addProperty("unavailableReplicas", replicas - readyAll);
      }
      JsonObject available = new JsonObject();
      available.addProperty("type", "Available");
      available.addProperty("status", readyAll >= want ? "True" : "False");
      JsonArray all = new JsonArray();
      all.add(available);
      all.addAll(conditions);
      status.add("conditions", all);
      d.add("status", status);
      return d;
    });
  }

  /**
   * The Deployment's Progressing condition, and ReplicaFailure while pods cannot be created. A
   * rollout that has not moved for {@code progressDeadlineSeconds} is marked ProgressDeadlineExceeded.
   */
  private JsonArray conditions(String ns, JsonObject deployment, boolean complete, String state, String createFailure) {
    String uid = Store.string(deployment, "metadata", "uid");
    Instant now = Instant.now();
    if (!state.equals(lastProgressState.get(uid))) {
      lastProgressState.put(uid, state);
      lastProgress.put(uid, now);
    }
    JsonObject spec = deployment.getAsJsonObject("spec");
    long deadline = spec.has("progressDeadlineSeconds") ? spec.get("progressDeadlineSeconds").getAsLong() : 600;
    Instant moved = lastProgress.get(uid);
    JsonObject progressing = new JsonObject();
    progressing.addProperty("type", "Progressing");
    if (complete) {
      progressing.addProperty("status", "True");
      progressing.addProperty("reason", "NewReplicaSetAvailable");
      progressing.addProperty("message", "ReplicaSet has successfully progressed.");
    } else if (Duration.between(moved, now).toSeconds() >= deadline) {
      progressing.addProperty("status", "False");
      progressing.addProperty("reason", "ProgressDeadlineExceeded");
      progressing.addProperty("message", "ReplicaSet has timed out progressing.");
    } else {
      progressing.addProperty("status", "True");
      progressing.addProperty("reason", "ReplicaSetUpdated");
      progressing.addProperty("message", "ReplicaSet is progressing.");
      enqueue(ns, Duration.between(now, moved.plusSeconds(deadline)).toMillis() + 10);
    }
    JsonArray conditions = new JsonArray();
    conditions.add(progressing);
    if (createFailure != null) {
      JsonObject failure = new JsonObject();
      failure.addProperty("type", "ReplicaFailure");
      failure.addProperty("status", "True");
      failure.addProperty("reason", "FailedCreate");
      failure.addProperty("message", createFailure);
      conditions.add(failure);
    }
    return conditions;
  }

  /** Removal order: unready pods first, then the newest (by creation time, then name). */
  private static Comparator<JsonObject> deleteFirst() {
    return Comparator.comparing((JsonObject p) -> ready(p))
        .thenComparing((JsonObject p) -> Store.string(p, "metadata", "creationTimestamp"), Comparator.reverseOrder())
        .thenComparing((JsonObject p) -> Store.string(p, "metadata", "name"), Comparator.reverseOrder());
  }

  private JsonObject createPod(String ns, String deployment, String uid, String hash, JsonObject template) {
    JsonObject pod = new JsonObject();
    pod.addProperty("apiVersion", "v1");
    pod.addProperty("kind", "Pod");
    JsonObject meta = template.has("metadata") ? template.getAsJsonObject("metadata").deepCopy() : new JsonObject();
    meta.addProperty("name", deployment + "-" + hash + "-" + FakeKubelet.randomSuffix());
    Store.object(meta, "labels").addProperty(HASH, hash);
    JsonObject ownerRef = new JsonObject();
    ownerRef.addProperty("apiVersion", "apps/v1");
    ownerRef.addProperty("kind", "Deployment");
    ownerRef.addProperty("name", deployment);
    ownerRef.addProperty("uid", uid);
    ownerRef.addProperty("controller", true);
    JsonArray owners = new JsonArray();
    owners.add(ownerRef);
    meta.add("ownerReferences", owners);
    pod.add("metadata", meta);
    JsonObject spec = template.getAsJsonObject("spec").deepCopy();
    if (!spec.has("restartPolicy")) {
      spec.addProperty("restartPolicy", "Always");
    }
    pod.add("spec", spec);
    if (!spec.has("terminationGracePeriodSeconds")) {
      spec.addProperty("terminationGracePeriodSeconds", 30);
    }
    rules.validate(new FakeApiServer.Kind("pods", "v1", "Pod", true), pod, null);
    rules.admitPod(ns, pod);
    JsonObject status = new JsonObject();
    status.addProperty("phase", "Pending");
    pod.add("status", status);
    return store.create("pods", ns, pod);
  }

  /** A graceful delete, as the API server does for a bound pod: the kubelet stops it, then removes it. */
  private void markDeleted(JsonObject pod) {
    String ns = Store.string(pod, "metadata", "namespace");
    String name = Store.string(pod, "metadata", "name");
    if (Store.string(pod, "spec", "nodeName") == null) {
      store.delete("pods", ns, name);
      return;
    }
    store.update("pods", ns, name, p -> {
      if (Store.string(p, "metadata", "deletionTimestamp") != null) {
        return null;
      }
      Store.object(p, "metadata").addProperty("deletionTimestamp", Store.now());
      Store.object(p, "metadata").addProperty("deletionGracePeriodSeconds",
          Long.parseLong(java.util.Optional.ofNullable(Store.string(p, "spec", "terminationGracePeriodSeconds")).orElse("30")));
      return p;
    });
  }

  static boolean ready(JsonObject pod) {
    if (!pod.has("status") || !pod.getAsJsonObject("status").has("conditions")) {
      return false;
    }
    for (JsonElement c : pod.getAsJsonObject("status").getAsJsonArray("conditions")) {
      if ("Ready".equals(Store.string(c.getAsJsonObject(), "type"))) {
        return "True".equals(Store.string(c.getAsJsonObject(), "status"));
      }
    }
    return false;
  }

  private static String owner(JsonObject pod) {
    JsonObject meta = pod.getAsJsonObject("metadata");
    if (!meta.has("ownerReferences")) {
      return null;
    }
    for (JsonElement ref : meta.getAsJsonArray("ownerReferences")) {
      if ("Deployment".equals(Store.string(ref.getAsJsonObject(), "kind"))) {
        return Store.string(ref.getAsJsonObject(), "uid");
      }
    }
    return null;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }

  static Map<String, String> labels(JsonObject o) {
    return Selectors.labelsOf(o);
  }
}
