package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The pod status the fake kubelet (and scheduler) writes, in the shapes a real one does: phase,
 * conditions, the container's state and last state. Times are the node's own clock, which a test
 * may set apart from the controller's.
 */
final class KubeletStatus {
  private final Store store;
  volatile Duration skew = Duration.ZERO;

  KubeletStatus(Store store) {
    this.store = store;
  }

  Instant nodeNow() {
    return Instant.now().plus(skew);
  }

  /** RFC 3339 with whole seconds, as the API has it. */
  String nodeStamp() {
    return nodeNow().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static boolean ended(JsonObject pod) {
    String phase = Store.string(pod, "status", "phase");
    return "Failed".equals(phase) || "Succeeded".equals(phase);
  }

  /** The scheduler found no node: Pending, PodScheduled False (written once, not on every event). */
  void unschedulable(String ns, String name, String message) {
    store.update("pods", ns, name, p -> {
      JsonObject status = Store.object(p, "status");
      if (status.has("conditions") && status.get("conditions").toString().contains("Unschedulable")) {
        return null;
      }
      status.addProperty("phase", "Pending");
      JsonArray conditions = new JsonArray();
      JsonObject scheduled = condition("PodScheduled", false);
      scheduled.addProperty("reason", "Unschedulable");
      scheduled.addProperty("message", message);
      conditions.add(scheduled);
      status.add("conditions", conditions);
      return p;
    });
  }

  void bound(String ns, String name, String node, String ip) {
    store.update("pods", ns, name, pod -> {
      Store.object(pod, "spec").addProperty("nodeName", node);
      JsonObject status = Store.object(pod, "status");
      status.addProperty("phase", "Pending");
      status.addProperty("podIP", ip);
      status.addProperty("hostIP", "127.0.0.1");
      status.addProperty("startTime", nodeStamp());
      status.add("conditions", conditions(false));
      status.add("containerStatuses", containerStatuses(pod, false, 0, state("waiting", reason("ContainerCreating", null)), null));
      return pod;
    });
  }

  void waiting(String ns, String name, int restarts, String reason, String message) {
    store.update("pods", ns, name, p -> {
      Store.object(p, "status").add("containerStatuses",
          containerStatuses(p, false, restarts, state("waiting", reason(reason, message)), lastState(p)));
      return p;
    });
  }

  void running(String ns, String name, int restarts, String startedAt, boolean ready) {
    JsonObject runningState = new JsonObject();
    runningState.addProperty("startedAt", startedAt);
    store.update("pods", ns, name, p -> {
      JsonObject status = Store.object(p, "status");
      status.addProperty("phase", "Running");
      status.add("conditions", conditions(ready));
      status.add("containerStatuses", containerStatuses(p, ready, restarts, state("running", runningState), lastState(p)));
      return p;
    });
  }

  void crashed(String ns, String name, int restarts, JsonObject terminated, String backoffMessage) {
    store.update("pods", ns, name, p -> {
      JsonObject status = Store.object(p, "status");
      status.add("conditions", conditions(false));
      JsonObject last = new JsonObject();
      last.add("terminated", terminated);
      status.add("containerStatuses", containerStatuses(p, false, restarts,
          state("waiting", reason("CrashLoopBackOff", backoffMessage)), last));
      return p;
    });
  }

  /** The pod ended for good: Succeeded or Failed, with the pod-level reason when the kubelet ended it. */
  void ended(String ns, String name, int restarts, String phase, String reason, String message, JsonObject terminated) {
    store.update("pods", ns, name, p -> {
      JsonObject status = Store.object(p, "status");
      status.addProperty("phase", phase);
      if (reason != null) {
        status.addProperty("reason", reason);
        status.addProperty("message", message);
      }
      status.add("conditions", conditions(false));
      status.add("containerStatuses", containerStatuses(p, false, restarts, state("terminated", terminated), lastState(p)));
      return p;
    });
  }

  /** Sets the container's readiness, as a probe decided, while {@code stillRunning} says the same run goes on. */
  void ready(String ns, String name, boolean ready, java.util.function.BooleanSupplier stillRunning) {
    store.update("pods", ns, name, p -> {
      if (!stillRunning.getAsBoolean() || Store.string(p, "status", "phase") == null) {
        return null;
      }
      JsonObject status = Store.object(p, "status");
      JsonObject cs = status.getAsJsonArray("containerStatuses").get(0).getAsJsonObject();
      if (!cs.getAsJsonObject("state").has("running") || cs.get("ready").getAsBoolean() == ready) {
        return null;
      }
      cs.addProperty("ready", ready);
      status.add("conditions", conditions(ready));
      return p;
    });
  }

  JsonObject terminated(int code, String reason, String startedAt, String id) {
    JsonObject terminated = new JsonObject();
    terminated.addProperty("exitCode", code);
    terminated.addProperty("reason", reason);
    terminated.addProperty("startedAt", startedAt);
    terminated.addProperty("finishedAt", nodeStamp());
    terminated.addProperty("containerID", "fake://" + id);
    return terminated;
  }

  private JsonArray conditions(boolean ready) {
    JsonArray conditions = new JsonArray();
    conditions.add(condition("PodScheduled", true));
    conditions.add(condition("Initialized", true));
    conditions.add(condition("ContainersReady", ready));
    conditions.add(condition("Ready", ready));
    return conditions;
  }

  private JsonObject condition(String type, boolean status) {
    JsonObject condition = new JsonObject();
    condition.addProperty("type", type);
    condition.addProperty("status", status ? "True" : "False");
    condition.addProperty("lastTransitionTime", nodeStamp());
    return condition;
  }

  private static JsonObject reason(String reason, String message) {
    JsonObject detail = new JsonObject();
    detail.addProperty("reason", reason);
    if (message != null) {
      detail.addProperty("message", message);
    }
    return detail;
  }

  private static JsonObject state(String kind, JsonObject detail) {
    JsonObject state = new JsonObject();
    state.add(kind, detail);
    return state;
  }

  private static JsonObject lastState(JsonObject pod) {
    try {
      JsonElement statuses = pod.getAsJsonObject("status").get("containerStatuses");
      return statuses.getAsJsonArray().get(0).getAsJsonObject().getAsJsonObject("lastState");
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
}
