package io.deis.scheduler.k8s;

import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerFilter;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restart: of a type, a pod-template annotation (as {@code kubectl rollout restart}), so pods roll
 * with no downtime; of one container, its pod is deleted and its Deployment makes another.
 */
final class Restarts {
  private static final Logger LOG = LoggerFactory.getLogger(Restarts.class);

  private final KubeApi api;
  private final Inventory inventory;
  private final Rollouts rollouts;
  private final Signals signals;
  private final Duration deadline;

  Restarts(KubeApi api, Inventory inventory, Rollouts rollouts, Signals signals, Duration deadline) {
    this.api = api;
    this.inventory = inventory;
    this.rollouts = rollouts;
    this.signals = signals;
    this.deadline = deadline;
  }

  List<Container> restart(AppName app, ContainerFilter filter) {
    String ns = Names.namespace(app);
    List<V1Pod> pods = inventory.pods(app);
    Map<ProcessType, List<V1Pod>> byType = inventory.numbered(app, pods);
    Set<String> before = pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    Set<String> targets = new LinkedHashSet<>();
    Map<ProcessType, Integer> counts = new TreeMap<>();
    byType.forEach((type, list) -> {
      for (int i = 0; i < list.size(); i++) {
        V1Pod pod = list.get(i);
        if (filter.matches(PodStates.container(pod, app, type, i + 1, false))) {
          targets.add(pod.getMetadata().getName());
          counts.put(type, list.size());
        }
      }
    });
    if (targets.isEmpty()) {
      return List.of();
    }
    LOG.info("restarting {} of {}: {}", filter, app, targets);
    if (filter.num().isPresent()) {
      signals.retiringBeforeDelete(app, pods.stream().filter(p -> targets.contains(p.getMetadata().getName())).toList());
      for (String pod : targets) {
        api.delete("delete pod " + pod, () -> api.core.deleteNamespacedPod(pod, ns).buildCall(null));
      }
    } else {
      Map<ProcessType, V1Deployment> deployments = inventory.deployments(app);
      String at = OffsetDateTime.now().toString();
      for (ProcessType type : counts.keySet()) {
        V1Deployment deployment = deployments.get(type);
        if (deployment == null) {
          continue; // pods without a Deployment go with it: nothing to roll
        }
        String name = deployment.getMetadata().getName();
        V1Patch patch = new V1Patch("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
            + Names.RESTARTED_AT + "\":\"" + at + "\"}}}}}");
        api.call("restart deployment " + name, () -> PatchUtils.patch(V1Deployment.class,
            () -> api.apps.patchNamespacedDeployment(name, ns, patch).buildCall(null),
            V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, api.client));
      }
    }
    // Done when every target is gone and each type is back to its count of started pods. A pod
    // that crashes on restart is tolerated, as Deis did: it shows as down in the result.
    Progress progress = rollouts.awaitPods(app, Instant.now().plus(deadline), now -> {
      List<String> missing = new ArrayList<>();
      for (V1Pod pod : now) {
        if (targets.contains(pod.getMetadata().getName())) {
          missing.add(pod.getMetadata().getName() + " to stop");
        }
      }
      counts.forEach((type, count) -> {
        long settled = now.stream().filter(p -> PodStates.type(p).map(type::equals).orElse(false)
                && !PodStates.terminating(p) && !targets.contains(p.getMetadata().getName()))
            .filter(p -> PodStates.state(p) == ContainerState.UP || PodStates.failure(p).isPresent()).count();
        if (settled < count) {
          missing.add(settled + " of " + count + " " + type + " pods started");
        }
      });
      return missing.isEmpty() ? Progress.done() : Progress.waiting(String.join(", ", missing));
    });
    if (progress.state() != Progress.State.DONE) {
      throw new SchedulerException("could not restart " + filter + " of " + app + ": still waiting for " + progress.detail());
    }
    inventory.restarted(app, inventory.pods(app).stream().map(p -> p.getMetadata().getName()).filter(n -> !before.contains(n)).toList());
    return inventory.containers(app).stream()
        .filter(c -> !before.contains(c.id()) && counts.containsKey(c.type()))
        .filter(c -> filter.num().isEmpty() || c.num() == filter.num().getAsInt())
        .toList();
  }
}
