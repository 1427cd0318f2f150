package io.deis.router;

import io.deis.controller.AuditEvent;
import io.deis.controller.Controller;
import io.deis.error.DeisException;
import io.deis.model.AppName;
import io.deis.model.Certificate;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Domain;
import io.deis.model.Endpoint;
import io.deis.scheduler.SchedulerListener;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a router's {@link RouteTable} in step with a controller, from its events alone: apps
 * from the audit events, containers from the scheduler's (a container takes traffic once it is
 * ready, is drained when it is retiring and leaves the table when it goes down), domains and
 * certificates re-read when an event says they changed. Nothing is polled.
 */
final class ControllerFeed implements SchedulerListener, Consumer<AuditEvent> {
  private static final Logger log = LoggerFactory.getLogger(ControllerFeed.class);

  private final Controller controller;
  private final Routes routes;
  private final Certificates certificates;
  /** The endpoint each routed container was added with: a container that went down no longer says where it was. */
  private final Map<String, Routed> routed = new ConcurrentHashMap<>();
  private final Set<String> servedCertificates = ConcurrentHashMap.newKeySet();
  private volatile boolean open;

  private record Routed(AppName app, Endpoint endpoint) {}

  ControllerFeed(Controller controller, Routes routes, Certificates certificates) {
    this.controller = controller;
    this.routes = routes;
    this.certificates = certificates;
  }

  /** Listens first, then reads what exists: an event that races the read is applied twice, which changes nothing. */
  void start() {
    open = true;
    controller.addSchedulerListener(this);
    controller.addListener(this);
    for (AppName app : controller.appNames()) {
      routes.addApp(app);
      syncDomains(app);
      for (Container c : controller.containers(app)) {
        if (c.state() == ContainerState.UP) {
          ready(c); // up before the router started: its deploy found it ready, or the scheduler adopted it running
        }
      }
    }
    syncCertificates();
    log.info("router following the controller: {} apps, {} domains, {} certificates", routes.apps().size(),
        controller.domains().size(), servedCertificates.size());
  }

  /** Stops following: both listeners are removed (one still being called when this returns ignores what it is told). */
  void close() {
    open = false;
    controller.removeSchedulerListener(this);
    controller.removeListener(this);
  }

  // ---------------------------------------------------------------- the scheduler's events

  @Override
  public void ready(Container c) {
    if (!open || !c.type().receivesTraffic() || c.endpoint().isEmpty()) {
      return;
    }
    Endpoint endpoint = c.endpoint().get();
    routes.addApp(c.app());
    routed.put(c.id(), new Routed(c.app(), endpoint));
    routes.addUpstream(c.app(), endpoint);
  }

  @Override
  public void retiring(Container c) {
    Routed r = routed.get(c.id());
    if (open && r != null) {
      routes.drain(r.app, r.endpoint); // blocks the scheduler's stop for at most the drain window
    }
  }

  @Override
  public void changed(Container c) {
    if (c.state() == ContainerState.UP) {
      return; // traffic waits for ready()
    }
    Routed r = routed.remove(c.id());
    if (open && r != null) {
      routes.removeUpstream(r.app, r.endpoint);
    }
  }

  // ---------------------------------------------------------------- the controller's events

  @Override
  public void accept(AuditEvent event) {
    if (!open) {
      return;
    }
    try {
      switch (event.kind()) {
        case APP_CREATED -> event.app().ifPresent(routes::addApp);
        case APP_DESTROYED -> event.app().ifPresent(this::forget);
        case DOMAIN_ADDED, DOMAIN_REMOVED -> event.app().ifPresent(this::syncDomains);
        case CERTIFICATE_ADDED, CERTIFICATE_REMOVED -> syncCertificates();
        default -> { }
      }
    } catch (DeisException e) {
      log.warn("router could not apply '{}': {}", event.message(), e.getMessage());
    }
  }

  private void forget(AppName app) {
    routed.values().removeIf(r -> r.app.equals(app));
    routes.removeApp(app);
  }

  private void syncDomains(AppName app) {
    routes.addApp(app);
    Set<String> wanted = controller.domains().stream().filter(d -> d.app().equals(app)).map(Domain::key)
        .collect(Collectors.toSet());
    for (String have : routes.domains(app)) {
      if (!wanted.contains(have)) {
        routes.removeDomain(have);
      }
    }
    for (String domain : wanted) {
      try {
        routes.addDomain(app, domain);
      } catch (DeisException e) {
        log.warn("{}: domain {} is not routed: {}", app, domain, e.getMessage());
      }
    }
  }

  private synchronized void syncCertificates() {
    List<Certificate> all = controller.certificates();
    Set<String> wanted = new HashSet<>();
    for (Certificate cert : all) {
      wanted.add(cert.key());
      if (servedCertificates.contains(cert.key())) {
        continue;
      }
      controller.certificateKey(cert.commonName()).ifPresentOrElse(key -> {
        try {
          certificates.add(cert.commonName(), cert.certificatePem(), key);
          servedCertificates.add(cert.key());
        } catch (DeisException e) {
          log.warn("certificate {} is not served: {}", cert.commonName(), e.getMessage());
        }
      }, () -> log.warn("certificate {} has no key in the store: not served", cert.commonName()));
    }
    for (String served : Set.copyOf(servedCertificates)) {
      if (!wanted.contains(served)) {
        certificates.remove(served);
        servedCertificates.remove(served);
      }
    }
  }
}
