package io.deis.scheduler.k8s;

import io.deis.model.ContainerState;
import io.deis.model.HealthCheck;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.scheduler.Readiness;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentCondition;
import io.kubernetes.client.openapi.models.V1DeploymentStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Judges a rollout of a release to some types, as {@code kubectl rollout status} does, from each
 * Deployment's status and conditions: the new spec observed, every replica updated, no old replica
 * left, every updated replica available; a {@code ReplicaFailure} (pods the cluster refuses to
 * create) or an exceeded progress deadline fails it. Its pods fail it fast when one cannot be
 * scheduled, crashes, cannot start or cannot pull its image, or fails its health check. Pods that
 * ended (evicted, say) are leftovers and count for nothing. Deis adds one promise on top: the old
 * pods are gone, not only terminating, when a rollout is done.
 *
 * <p>Health verdicts are durations on the controller's clock: from when this rollout first saw the
 * pod running to now, never a node's timestamp against the controller's time.
 */
final class Rollout {
  /** How many failed probes of a health check fail a deploy: the core's rule, Deis's four tries. */
  static final int HEALTH_CHECK_TRIES = Readiness.FAILURE_THRESHOLD;

  private final Release release;
  private final Map<ProcessType, Integer> counts;
  private final Map<ProcessType, String> deployments;
  private final Map<ProcessType, Long> generations;
  private final PodTrouble trouble = new PodTrouble();
  /** Pod name and restart count -> when this rollout first saw that run of it running. */
  private final Map<String, Instant> runningSince = new HashMap<>();

  /**
   * @param deployments the Deployment of each type being rolled out, by name
   * @param generations the generation each Deployment had after this rollout's write
   */
  Rollout(Release release, Map<ProcessType, Integer> counts, Map<ProcessType, String> deployments, Map<ProcessType, Long> generations) {
    this.release = release;
    this.counts = counts;
    this.deployments = deployments;
    this.generations = generations;
  }

  Progress judge(Collection<V1Deployment> all, Collection<V1Pod> pods) {
    Instant now = Instant.now();
    Instant recheckAt = null;
    List<String> missing = new ArrayList<>();
    Map<String, V1Deployment> byName = new HashMap<>();
    all.forEach(d -> byName.put(d.getMetadata().getName(), d));
    for (Map.Entry<ProcessType, Integer> entry : counts.entrySet()) {
      ProcessType type = entry.getKey();
      String name = deployments.get(type);
      V1Deployment deployment = byName.get(name);
      if (deployment == null) {
        missing.add("deployment " + name + " to exist");
        continue;
      }
      // Conditions speak of the spec the controller last observed: a stale one from an earlier rollout says nothing.
      Optional<String> failed = observed(deployment, type) ? failedCondition(deployment) : Optional.empty();
      if (failed.isPresent()) {
        return Progress.failed(failed.get());
      }
      List<V1Pod> fresh = new ArrayList<>();
      long oldLeft = 0;
      for (V1Pod pod : pods) {
        if (!PodStates.type(pod).map(type::equals).orElse(false) || PodStates.ended(pod)) {
          continue;
        }
        if (PodStates.release(pod) == release.version() && !PodStates.terminating(pod)) {
          fresh.add(pod);
        } else {
          oldLeft++;
        }
      }
      fresh.sort(Comparator.comparing((V1Pod p) -> p.getMetadata().getCreationTimestamp(),
          Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(p -> p.getMetadata().getName()));
      Optional<HealthCheck> check = type.receivesTraffic() ? release.config().healthCheck() : Optional.empty();
      for (int i = 0; i < fresh.size(); i++) {
        V1Pod pod = fresh.get(i);
        // Named as ps would name it among the new release's containers: worker.1 is the first new worker.
        String container = type + "." + (i + 1);
        String described = container + " (pod " + pod.getMetadata().getName() + ")";
        Optional<String> why = trouble.of(pod);
        if (why.isPresent()) {
          return Progress.failed(described + " " + why.get(), pod.getMetadata().getName(), container);
        }
        if (check.isPresent() && PodStates.running(pod) && PodStates.state(pod) != ContainerState.UP) {
          Instant since = runningSince.computeIfAbsent(pod.getMetadata().getName() + "#" + PodStates.restarts(pod), k -> now);
          Instant judged = since.plus(healthCheckBudget(check.get()));
          if (!now.isBefore(judged)) {
            return Progress.failed(described + " failed its health check GET " + check.get().path() + " on port " + Names.PORT
                + ": app containers failed to respond to health check (not ready " + HEALTH_CHECK_TRIES
                + " probes after it started)", pod.getMetadata().getName(), container);
          }
          recheckAt = recheckAt == null || judged.isBefore(recheckAt) ? judged : recheckAt;
        }
      }
      statusWaitsFor(deployment, type).ifPresent(missing::add);
      if (oldLeft > 0 && missing.isEmpty()) {
        missing.add(oldLeft + " old " + type + " pods to stop");
      }
    }
    return missing.isEmpty() ? Progress.done() : Progress.waiting(String.join(", ", missing), Optional.ofNullable(recheckAt));
  }

  private boolean observed(V1Deployment deployment, ProcessType type) {
    V1DeploymentStatus status = deployment.getStatus();
    long observed = status == null || status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    long wanted = Math.max(generations.getOrDefault(type, 0L), Optional.ofNullable(deployment.getMetadata().getGeneration()).orElse(0L));
    return observed >= wanted;
  }

  /** What {@code kubectl rollout status} would still wait for, or empty when the Deployment is rolled out. */
  private Optional<String> statusWaitsFor(V1Deployment deployment, ProcessType type) {
    V1DeploymentStatus status = deployment.getStatus();
    if (status == null || !observed(deployment, type)) {
      return Optional.of("the " + type + " deployment's new spec to be observed");
    }
    int replicas = DeploymentResource.replicas(deployment);
    int updated = Optional.ofNullable(status.getUpdatedReplicas()).orElse(0);
    int current = Optional.ofNullable(status.getReplicas()).orElse(0);
    int available = Optional.ofNullable(status.getAvailableReplicas()).orElse(0);
    if (updated < replicas) {
      return Optional.of(updated + " of " + replicas + " " + type + " pods of v" + release.version() + " ready");
    }
    if (current > updated) {
      return Optional.of((current - updated) + " old " + type + " pods to stop");
    }
    if (available < updated) {
      return Optional.of(available + " of " + replicas + " " + type + " pods of v" + release.version() + " ready");
    }
    return Optional.empty();
  }

  /** A Deployment condition that ends the rollout: pods the cluster will not create, or no progress by the deadline. */
  static Optional<String> failedCondition(V1Deployment deployment) {
    List<V1DeploymentCondition> conditions = Optional.ofNullable(deployment.getStatus())
        .map(V1DeploymentStatus::getConditions).orElse(List.of());
    for (V1DeploymentCondition c : conditions) {
      if ("ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus())) {
        return Optional.of("deployment " + deployment.getMetadata().getName() + " cannot create pods ("
            + Optional.ofNullable(c.getReason()).orElse("ReplicaFailure") + "): " + c.getMessage());
      }
      if ("Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())) {
        return Optional.of("deployment " + deployment.getMetadata().getName() + " exceeded its progress deadline");
      }
    }
    return Optional.empty();
  }

  /**
   * How long a pod may run unready before its health check counts as failed: the initial delay,
   * then four probes, each a period plus its timeout.
   */
  static Duration healthCheckBudget(HealthCheck check) {
    Duration perTry = Readiness.PERIOD.plus(Duration.ofSeconds(Math.max(1, check.timeout().toSeconds())));
    return check.initialDelay().plus(perTry.multipliedBy(HEALTH_CHECK_TRIES));
  }
}
