package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;

/** One namespace per app, as Deis Workflow did: destroying the app is deleting the namespace. */
final class NamespaceResource {
  private NamespaceResource() {}

  static V1Namespace manifest(Scope scope, AppName app) {
    return new V1Namespace()
        .apiVersion("v1")
        .kind("Namespace")
        .metadata(new V1ObjectMeta().name(Names.namespace(app)).labels(scope.app(app)));
  }
}
