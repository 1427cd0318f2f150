package io.deis.scheduler.k8s;

import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1DeploymentStrategy;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1RollingUpdateDeployment;
import io.deis.scheduler.Labels;
import java.time.Duration;
import java.util.Optional;

/**
 * One Deployment per process type, {@code <app>-<type>}, replicas = the formation's count.
 * Rolling updates with maxUnavailable 0: the old pods keep serving until new ones are ready;
 * maxSurge 100% starts all new pods at once, so a deploy takes one pod start, not N.
 */
final class DeploymentResource {
  static final int MIN_READY_SECONDS = 1;

  private DeploymentResource() {}

  /**
   * @param name the Deployment's name ({@link Names#deployment(io.deis.model.AppName, ProcessType, java.util.Collection)})
   * @param deadline the deploy deadline, also the cluster's progress deadline
   * @param stopGrace the pods' termination grace period
   */
  static V1Deployment manifest(Scope scope, Release release, ProcessType type, String name, int replicas, Duration deadline,
      Duration stopGrace, Duration drain) {
    return new V1Deployment()
        .apiVersion("apps/v1")
        .kind("Deployment")
        .metadata(new V1ObjectMeta()
            .name(name)
            .namespace(Names.namespace(release.app()))
            .labels(scope.pod(release.app(), type, release.version())))
        .spec(new V1DeploymentSpec()
            .replicas(replicas)
            .selector(new V1LabelSelector().matchLabels(scope.selector(release.app(), type)))
            .strategy(new V1DeploymentStrategy()
                .type("RollingUpdate")
                .rollingUpdate(new V1RollingUpdateDeployment()
                    .maxUnavailable(new IntOrString(0))
                    .maxSurge(new IntOrString("100%"))))
            // A new pod counts as available only after a second of being ready: without this, a
            // container that crashes right after it starts would let the rollout retire old pods.
            .minReadySeconds(MIN_READY_SECONDS)
            // The cluster marks the rollout failed at the same deadline the scheduler waits for; the
            // API server wants it above minReadySeconds.
            .progressDeadlineSeconds((int) Math.max(MIN_READY_SECONDS + 1, deadline.toSeconds()))
            // Rollback is the scheduler's (it puts back the previous template), so keep little history.
            .revisionHistoryLimit(2)
            .template(new V1PodTemplateSpec()
                .metadata(new V1ObjectMeta().labels(scope.pod(release.app(), type, release.version())))
                .spec(PodSpecs.spec(release, type, release.build().orElseThrow().command(type),
                    Names.secret(release.app(), release.version()), "Always", stopGrace, drain))));
  }

  static int replicas(V1Deployment deployment) {
    return Optional.ofNullable(deployment.getSpec()).map(V1DeploymentSpec::getReplicas).orElse(1);
  }

  /** The release a Deployment runs, from its label; -1 when it has none. */
  static int release(V1Deployment deployment) {
    return Optional.ofNullable(deployment.getMetadata()).map(V1ObjectMeta::getLabels)
        .map(l -> l.get(Labels.RELEASE)).map(Integer::parseInt).orElse(-1);
  }

  static Optional<ProcessType> type(V1Deployment deployment) {
    return Optional.ofNullable(deployment.getMetadata()).map(V1ObjectMeta::getLabels)
        .map(l -> l.get(Labels.TYPE)).map(ProcessType::of);
  }

  /** The Secret a Deployment's pods read their environment from. */
  static Optional<String> secret(V1Deployment deployment) {
    try {
      return Optional.ofNullable(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)
          .getEnvFrom().get(0).getSecretRef().getName());
    } catch (NullPointerException | IndexOutOfBoundsException e) {
      return Optional.empty(); // not one of ours in the expected shape: nothing to clean up
    }
  }

  /** {@code deployment} as it can be written back with a PUT: spec and labels, none of the server's fields. */
  static V1Deployment forReplace(V1Deployment deployment) {
    V1ObjectMeta meta = deployment.getMetadata();
    // client-java fills a read pod spec's overhead with an empty map; sent back, the RuntimeClass
    // admission plugin would refuse every pod the restored Deployment makes.
    Optional.ofNullable(deployment.getSpec()).map(V1DeploymentSpec::getTemplate).map(V1PodTemplateSpec::getSpec)
        .ifPresent(spec -> spec.setOverhead(null));
    return new V1Deployment()
        .apiVersion("apps/v1")
        .kind("Deployment")
        .metadata(new V1ObjectMeta().name(meta.getName()).namespace(meta.getNamespace())
            .labels(meta.getLabels()).annotations(meta.getAnnotations()))
        .spec(deployment.getSpec());
  }
}
