package io.deis.scheduler.k8s;

import io.kubernetes.client.openapi.models.V1Pod;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Why a new pod will not come up, as a wait sees it across events: it cannot be scheduled, it
 * crashed, it cannot start, or its image cannot be pulled even after the kubelet's own retry.
 * One instance per wait: it remembers how many pull failures it saw of each pod.
 */
final class PodTrouble {
  /** Pull failures seen before a pull counts as failed: the first, and the kubelet's retry after its back-off. */
  static final int PULL_TRIES = 2;

  private final Map<String, Integer> pullFailures = new HashMap<>();
  private final Map<String, String> lastWaiting = new HashMap<>();

  /** A reason the pod will not come up, or empty while it still may. Ended pods are for the caller to ignore. */
  Optional<String> of(V1Pod pod) {
    Optional<String> unschedulable = PodStates.unschedulable(pod);
    if (unschedulable.isPresent()) {
      return Optional.of("cannot be scheduled: " + unschedulable.get());
    }
    String name = pod.getMetadata().getName();
    String waiting = PodStates.waiting(pod);
    String before = lastWaiting.put(name, waiting);
    if ("ErrImagePull".equals(waiting) && !"ErrImagePull".equals(before)) {
      pullFailures.merge(name, 1, Integer::sum); // one more failed pull (a watch shows each)
    }
    if (PodStates.PULL_FAILURES.contains(waiting) && pullFailures.getOrDefault(name, 0) >= PULL_TRIES) {
      return Optional.of("cannot pull image " + PodStates.image(pod).orElse("?") + " (" + waiting
          + " after " + pullFailures.get(name) + " tries" + PodStates.waitingMessage(pod).map(m -> ": " + m).orElse("") + ")");
    }
    return PodStates.failure(pod);
  }
}
