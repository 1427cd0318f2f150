package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.ProcessType;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.deis.scheduler.Labels;
import java.util.List;
import java.util.Optional;

/**
 * The glossary's Service: a ClusterIP (a virtual IP) that load-balances the app's routable pods,
 * port 80 to the containers' PORT. A selector cannot say "web or cmd", so, as Deis Workflow did,
 * it selects the one routable type the release has: web when the build declares it, else cmd.
 */
final class ServiceResource {
  private ServiceResource() {}

  static V1Service manifest(Scope scope, AppName app, ProcessType routable) {
    return new V1Service()
        .apiVersion("v1")
        .kind("Service")
        .metadata(new V1ObjectMeta().name(Names.service(app)).namespace(Names.namespace(app)).labels(scope.app(app)))
        .spec(new V1ServiceSpec()
            .type("ClusterIP")
            .selector(scope.selector(app, routable))
            .ports(List.of(new V1ServicePort()
                .name("http")
                .protocol("TCP")
                .port(Names.SERVICE_PORT)
                .targetPort(new IntOrString(Names.PORT)))));
  }

  /** The type a Service made by {@link #manifest} selects. */
  static Optional<String> selectedType(V1Service service) {
    return Optional.ofNullable(service.getSpec())
        .map(V1ServiceSpec::getSelector)
        .map(s -> s.get(Labels.TYPE));
  }
}
