package io.deis.server.api;

import io.deis.model.Certificate;
import java.util.List;
import java.util.Optional;

/** {@code /v1/apps/<app>/domains/} and {@code /v1/certs/}: custom domains and their TLS certificates. */
final class DomainEndpoints {
  private DomainEndpoints() {}

  static void addTo(List<Route> routes) {
    routes.add(new Route("GET", "apps/{app}/domains", call -> call.page(call.session().domains(call.app()), Views::domain)));
    routes.add(new Route("POST", "apps/{app}/domains", call -> {
      String domain = call.body().requiredString("domain");
      return Reply.created(Views.domain(call.asField("domain", () -> call.session().addDomain(call.app(), domain))));
    }).accepts("domain"));
    routes.add(new Route("DELETE", "apps/{app}/domains/{domain}", call -> {
      call.session().removeDomain(call.app(), call.param("domain"));
      return Reply.noContent();
    }));

    routes.add(new Route("GET", "certs", call -> {
      List<Certificate> certs = call.session().certificates();
      return call.page(certs, c -> Views.certificate(c, certs.indexOf(c) + 1));
    }));
    routes.add(new Route("POST", "certs", DomainEndpoints::addCertificate).accepts("certificate", "key", "common_name"));
    routes.add(new Route("GET", "certs/{cn}", call -> {
      Certificate cert = call.session().certificate(call.param("cn"));
      return Reply.ok(Views.certificate(cert, call.session().certificates().indexOf(cert) + 1));
    }));
    routes.add(new Route("DELETE", "certs/{cn}", call -> {
      call.session().removeCertificate(call.param("cn"));
      return Reply.noContent();
    }));
  }

  /** The certificate and key are write-only: the answer shows the common name and expiry, never the key. */
  private static Reply addCertificate(Call call) {
    Body body = call.body();
    String certificate = body.requiredString("certificate");
    String key = body.requiredString("key");
    Optional<String> commonName = body.string("common_name");
    Certificate cert = call.session().addCertificate(certificate, key, commonName);
    return Reply.created(Views.certificate(cert, call.session().certificates().indexOf(cert) + 1));
  }
}
