package io.deis.scheduler.k8s;

import io.deis.model.Release;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Secret;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Secret per release ({@code <app>-v<N>-env}) holding its config values. One per release, not one
 * per app, so that old pods keep the environment they started with while a rolling deploy runs,
 * and a failed deploy leaves nothing of its config behind in the serving pods.
 */
final class SecretResource {
  private SecretResource() {}

  static V1Secret manifest(Scope scope, Release release) {
    return secret(Names.secret(release.app(), release.version()), release, scope.release(release.app(), release.version()));
  }

  /** The config of one {@code run}, its own Secret so that nothing a deploy keeps depends on a run's cleanup. */
  static V1Secret forRun(Scope scope, Release release, String runPod) {
    Map<String, String> labels = scope.release(release.app(), release.version());
    labels.put(Scope.RUN, runPod);
    return secret(Names.runSecret(runPod), release, labels);
  }

  private static V1Secret secret(String name, Release release, Map<String, String> labels) {
    Map<String, byte[]> data = new LinkedHashMap<>();
    release.config().values().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return new V1Secret()
        .apiVersion("v1")
        .kind("Secret")
        .metadata(new V1ObjectMeta()
            .name(name)
            .namespace(Names.namespace(release.app()))
            .labels(labels))
        .type("Opaque")
        .data(data);
  }
}
