package io.deis.scheduler.k8s;

import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.Optional;

/**
 * A one-off pod for {@code run}: the release's image and environment (from the run's own Secret),
 * restartPolicy Never, labelled as the app's {@code run} type, and with {@code activeDeadlineSeconds}
 * set to the run's timeout: if the controller dies while it waits, the kubelet still ends the pod,
 * and the scheduler's sweep removes it and its Secret.
 */
final class RunPodResource {
  private RunPodResource() {}

  static V1Pod manifest(Scope scope, Release release, String name, String command, Duration timeout, Duration stopGrace) {
    V1Pod pod = new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta()
            .name(name)
            .namespace(Names.namespace(release.app()))
            .labels(scope.pod(release.app(), ProcessType.RUN, release.version())))
        .spec(PodSpecs.spec(release, ProcessType.RUN, Optional.of(command), Names.runSecret(name), "Never", stopGrace, Duration.ZERO));
    pod.getSpec().activeDeadlineSeconds((long) Math.max(1, Math.ceil(timeout.toMillis() / 1000.0)));
    return pod;
  }
}
