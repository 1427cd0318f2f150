package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Endpoint;
import io.deis.model.ProcessType;
import io.deis.model.StateChange;
import io.deis.scheduler.Labels;
import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads Deis's container states from pods. A pod that does not exist yet for a wanted replica is
 * {@code initialized} (made by the caller); scheduled but not running and ready is {@code created};
 * running and ready is {@code up}; failed, crash-looping, terminated or being deleted is
 * {@code down}; a deleted pod is {@code destroyed}.
 */
final class PodStates {
  /**
   * Waiting reasons after which a container will not start without a new spec: a deploy fails at
   * once. Image pulls are not among them: the kubelet retries a pull, and {@link PodTrouble} waits
   * for its retry before it calls a pull failed.
   */
  private static final Set<String> HOPELESS = Set.of("CrashLoopBackOff", "RunContainerError", "InvalidImageName",
      "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError");
  static final Set<String> PULL_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff");
  private static final Set<String> CRASHED = Set.of("CrashLoopBackOff", "RunContainerError");

  private PodStates() {}

  static ContainerState state(V1Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null || terminated(pod).isPresent()
        || phase(pod).equals("Failed") || phase(pod).equals("Succeeded") || CRASHED.contains(waitingReason(pod))) {
      return ContainerState.DOWN;
    }
    if (running(pod) && ready(pod)) {
      return ContainerState.UP;
    }
    if (restarts(pod) > 0) {
      return ContainerState.DOWN; // it ran, ended, and is not up again yet
    }
    return scheduled(pod) ? ContainerState.CREATED : ContainerState.INITIALIZED;
  }

  /**
   * A pod that ended for good (Failed or Succeeded): evicted, shut down with its node, or past its
   * deadline. Its Deployment has replaced it; it is no container of the app, only a leftover.
   */
  static boolean ended(V1Pod pod) {
    return phase(pod).equals("Failed") || phase(pod).equals("Succeeded");
  }

  static boolean terminating(V1Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  /** The scheduler's reason when no node can take the pod (PodScheduled False, Unschedulable). */
  static Optional<String> unschedulable(V1Pod pod) {
    return conditions(pod).stream()
        .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()))
        .map(c -> c.getMessage() == null ? "Unschedulable" : c.getMessage()).findFirst();
  }

  static String waiting(V1Pod pod) {
    return waitingReason(pod);
  }

  static Optional<String> waitingMessage(V1Pod pod) {
    return containerStatus(pod).map(V1ContainerStatus::getState).map(V1ContainerState::getWaiting)
        .map(w -> w.getMessage());
  }

  /** The Secret the pod's container reads its environment from. */
  static Optional<String> secret(V1Pod pod) {
    return Optional.ofNullable(pod.getSpec()).map(s -> s.getContainers()).filter(c -> !c.isEmpty())
        .map(c -> c.get(0).getEnvFrom()).filter(e -> e != null && !e.isEmpty())
        .map(e -> e.get(0).getSecretRef()).map(r -> r.getName());
  }

  static Optional<String> image(V1Pod pod) {
    return Optional.ofNullable(pod.getSpec()).map(s -> s.getContainers()).filter(c -> !c.isEmpty())
        .map(c -> c.get(0).getImage());
  }

  /** The state of a pod a watch reported DELETED: gone, with all its filesystem. */
  static ContainerState deleted() {
    return ContainerState.DESTROYED;
  }

  static boolean ready(V1Pod pod) {
    return conditions(pod).stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static boolean running(V1Pod pod) {
    return containerStatus(pod).map(V1ContainerStatus::getState).map(V1ContainerState::getRunning).isPresent();
  }

  /** When the container's current run started, while it runs. */
  static Optional<Instant> runningSince(V1Pod pod) {
    return containerStatus(pod).map(V1ContainerStatus::getState).map(V1ContainerState::getRunning)
        .flatMap(r -> instant(r.getStartedAt()));
  }

  static boolean scheduled(V1Pod pod) {
    return pod.getSpec() != null && pod.getSpec().getNodeName() != null
        || conditions(pod).stream().anyMatch(c -> "PodScheduled".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Why a new pod will not come up, or empty while it still may: the deploy's fail-fast check. */
  static Optional<String> failure(V1Pod pod) {
    Optional<V1ContainerStateTerminated> ended = terminated(pod);
    if (ended.isPresent() || "Failed".equals(phase(pod))) {
      return Optional.of(ended.map(t -> "exited with exit code " + t.getExitCode()
          + (t.getReason() == null ? "" : " (" + t.getReason() + ")")).orElse("failed"));
    }
    String waiting = waitingReason(pod);
    if (HOPELESS.contains(waiting)) {
      return Optional.of(exitCode(pod).stream().mapToObj(c -> "crashed with exit code " + c + " (" + waiting + ")")
          .findFirst().orElse("cannot start (" + waiting + waitingMessage(pod).map(m -> ": " + m).orElse("") + ")"));
    }
    int restarts = restarts(pod);
    if (restarts > 0) {
      return Optional.of(exitCode(pod).stream().mapToObj(c -> "crashed with exit code " + c).findFirst().orElse("crashed")
          + " and was restarted " + restarts + " time(s)");
    }
    return Optional.empty();
  }

  /** How the container's last run ended: its current terminated state, else the one before. */
  static OptionalInt exitCode(V1Pod pod) {
    Optional<V1ContainerStateTerminated> ended = terminated(pod)
        .or(() -> containerStatus(pod).map(V1ContainerStatus::getLastState).map(V1ContainerState::getTerminated));
    return ended.map(t -> OptionalInt.of(t.getExitCode())).orElse(OptionalInt.empty());
  }

  static int restarts(V1Pod pod) {
    return containerStatus(pod).map(V1ContainerStatus::getRestartCount).orElse(0);
  }

  static Optional<ProcessType> type(V1Pod pod) {
    return label(pod, Labels.TYPE).map(ProcessType::of);
  }

  static int release(V1Pod pod) {
    return label(pod, Labels.RELEASE).map(Integer::parseInt).orElse(0);
  }

  static Optional<String> label(V1Pod pod, String key) {
    return Optional.ofNullable(pod.getMetadata().getLabels()).map(l -> l.get(key));
  }

  /**
   * The pod as a Deis container {@code <type>.<num>}, with a history that explains its state: its
   * creation, its start ({@code restart} when a restart made it), and its last crash and the
   * restart after it, from what the kubelet reports.
   */
  static Container container(V1Pod pod, AppName app, ProcessType type, int num, boolean restartedByUser) {
    ContainerState state = state(pod);
    Instant created = instant(pod.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH);
    List<StateChange> history = new ArrayList<>();
    if (state != ContainerState.INITIALIZED) {
      history.add(new StateChange(ContainerState.INITIALIZED, ContainerState.CREATED, created, "create", OptionalInt.empty()));
    }
    String startCause = restartedByUser ? "restart" : "start";
    Optional<V1ContainerStateTerminated> previous = containerStatus(pod).map(V1ContainerStatus::getLastState)
        .map(V1ContainerState::getTerminated);
    Optional<V1ContainerStateTerminated> current = terminated(pod);
    Instant running = containerStatus(pod).map(V1ContainerStatus::getState).map(V1ContainerState::getRunning)
        .flatMap(r -> instant(r.getStartedAt())).orElse(created);
    if (restarts(pod) > 0 && previous.isPresent()) {
      V1ContainerStateTerminated last = previous.get();
      history.add(new StateChange(ContainerState.CREATED, ContainerState.UP, instant(last.getStartedAt()).orElse(created),
          startCause, OptionalInt.empty()));
      history.add(new StateChange(ContainerState.UP, ContainerState.DOWN, instant(last.getFinishedAt()).orElse(created),
          last.getExitCode() == 0 ? "exited" : "crashed", OptionalInt.of(last.getExitCode())));
      if (state == ContainerState.UP || current.isPresent()) {
        history.add(new StateChange(ContainerState.DOWN, ContainerState.UP, running, "restarted after crash", OptionalInt.empty()));
      }
    } else if (state == ContainerState.UP || state == ContainerState.DOWN) {
      Instant started = current.flatMap(t -> instant(t.getStartedAt())).orElse(running);
      history.add(new StateChange(ContainerState.CREATED, ContainerState.UP, started, startCause, OptionalInt.empty()));
    }
    if (state == ContainerState.DOWN && (current.isPresent() || pod.getMetadata().getDeletionTimestamp() != null)) {
      OptionalInt code = current.map(t -> OptionalInt.of(t.getExitCode())).orElse(OptionalInt.empty());
      String cause = pod.getMetadata().getDeletionTimestamp() != null ? "stop"
          : code.isPresent() && code.getAsInt() == 0 ? "exited" : "crashed";
      Instant at = current.flatMap(t -> instant(t.getFinishedAt()))
          .or(() -> instant(pod.getMetadata().getDeletionTimestamp())).orElse(running);
      history.add(new StateChange(ContainerState.UP, ContainerState.DOWN, at, cause, code));
    }
    Optional<Endpoint> endpoint = Optional.empty();
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    if (state == ContainerState.UP && type.receivesTraffic() && ip != null) {
      endpoint = Optional.of(new Endpoint(ip, Names.PORT));
    }
    return new Container(pod.getMetadata().getName(), app, type, num, release(pod), state, history, restarts(pod), endpoint);
  }

  private static Optional<V1ContainerStateTerminated> terminated(V1Pod pod) {
    return containerStatus(pod).map(V1ContainerStatus::getState).map(V1ContainerState::getTerminated);
  }

  private static Optional<V1ContainerStateTerminated> terminatedAny(V1Pod pod) {
    return terminated(pod)
        .or(() -> containerStatus(pod).map(V1ContainerStatus::getLastState).map(V1ContainerState::getTerminated));
  }

  private static String waitingReason(V1Pod pod) {
    return containerStatus(pod).map(V1ContainerStatus::getState).map(V1ContainerState::getWaiting)
        .map(w -> w.getReason() == null ? "" : w.getReason()).orElse("");
  }

  private static String phase(V1Pod pod) {
    return Optional.ofNullable(pod.getStatus()).map(V1PodStatus::getPhase).orElse("");
  }

  private static List<V1PodCondition> conditions(V1Pod pod) {
    return Optional.ofNullable(pod.getStatus()).map(V1PodStatus::getConditions).orElse(List.of());
  }

  private static Optional<V1ContainerStatus> containerStatus(V1Pod pod) {
    return Optional.ofNullable(pod.getStatus()).map(V1PodStatus::getContainerStatuses)
        .filter(l -> !l.isEmpty()).map(l -> l.get(0));
  }

  private static Optional<Instant> instant(OffsetDateTime time) {
    return Optional.ofNullable(time).map(OffsetDateTime::toInstant);
  }
}
