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

  static V1Secret manifest(Release release) {
    Map<String, byte[]> data = new LinkedHashMap<>();
    release.config().values().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return new V1Secret()
        .apiVersion("v1")
        .kind("Secret")
        .metadata(new V1ObjectMeta()
            .name(Names.secret(release.app(), release.version()))
            .namespace(Names.namespace(release.app()))
            .labels(Names.release(release.app(), release.version())))
        .type("Opaque")
        .data(data);
  }
}
