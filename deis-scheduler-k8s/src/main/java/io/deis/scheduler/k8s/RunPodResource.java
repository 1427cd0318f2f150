package io.deis.scheduler.k8s;

import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.Optional;

/** A one-off pod for {@code run}: the release's image and environment, restartPolicy Never. */
final class RunPodResource {
  private RunPodResource() {}

  static V1Pod manifest(Release release, String name, String command) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta()
            .name(name)
            .namespace(Names.namespace(release.app()))
            .labels(Names.pod(release.app(), ProcessType.RUN, release.version())))
        .spec(PodSpecs.spec(release, ProcessType.RUN, Optional.of(command), "Never"));
  }
}
