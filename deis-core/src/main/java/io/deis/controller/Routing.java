package io.deis.controller;

import io.deis.error.ConflictException;
import io.deis.error.NotFoundException;
import io.deis.model.App;
import io.deis.model.Certificate;
import io.deis.model.Domain;
import io.deis.model.User;
import java.util.List;
import java.util.Optional;

/**
 * What the router serves, as users change it through {@link Session}: apps' custom domains and
 * the TLS certificates served for them. Callers have authorized the user for the app; this class
 * applies the limits, keeps ownership of certificates, and records each change in the audit trail.
 */
final class Routing {
  private final Controller controller;

  Routing(Controller controller) {
    this.controller = controller;
  }

  /** Adds {@code domain} (already checked) to {@code app}; called holding the app's lock. */
  Domain addDomain(User me, App app, String domain) {
    int has = controller.store.domains(app.name()).size();
    if (has >= controller.limits.domainsPerApp()) {
      throw new ConflictException(app.name() + " has " + has + " domains, the limit (domainsPerApp " + controller.limits.domainsPerApp()
          + "): remove one before adding another");
    }
    Domain added = new Domain(app.name(), domain, me.username(), controller.now());
    controller.store.addDomain(added);
    controller.emit(me.username(), AuditEvent.Kind.DOMAIN_ADDED, Optional.of(app.name()), "domain " + domain + " added");
    return added;
  }

  /** Removes {@code domain} from {@code app}; called holding the app's lock. */
  void removeDomain(User me, App app, String domain) {
    if (!controller.store.removeDomain(app.name(), domain)) {
      throw new NotFoundException("domain '" + domain + "' is not a domain of " + app.name());
    }
    controller.emit(me.username(), AuditEvent.Kind.DOMAIN_REMOVED, Optional.of(app.name()), "domain " + domain + " removed");
  }

  Certificate addCertificate(User me, String certificatePem, String privateKeyPem, Optional<String> commonName) {
    Certificate cert = Certificate.parse(certificatePem, privateKeyPem, commonName, me.username(), controller.now());
    long has = controller.store.certificates().stream().filter(c -> c.owner().equals(me.username())).count();
    if (has >= controller.limits.certificatesPerUser()) {
      throw new ConflictException(me.username() + " has " + has + " certificates, the limit (certificatesPerUser "
          + controller.limits.certificatesPerUser() + "): remove one first");
    }
    controller.store.addCertificate(cert, privateKeyPem.strip());
    controller.emit(me.username(), AuditEvent.Kind.CERTIFICATE_ADDED, Optional.empty(),
        me.username() + " added a certificate for " + cert.commonName());
    return cert;
  }

  /** The certificates {@code me} added; an administrator's are every one. */
  List<Certificate> certificates(User me) {
    return controller.store.certificates().stream().filter(c -> me.admin() || c.owner().equals(me.username())).toList();
  }

  /** One certificate {@code me} may see, by common name. */
  Certificate certificate(User me, String commonName) {
    return controller.store.certificate(commonName).filter(c -> me.admin() || c.owner().equals(me.username()))
        .orElseThrow(() -> new NotFoundException("no certificate for '" + commonName + "'"));
  }

  void removeCertificate(User me, String commonName) {
    Certificate cert = certificate(me, commonName);
    controller.store.removeCertificate(cert.commonName());
    controller.emit(me.username(), AuditEvent.Kind.CERTIFICATE_REMOVED, Optional.empty(),
        me.username() + " removed the certificate for " + cert.commonName());
  }
}
