package io.deis.router;

import io.deis.error.ConflictException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.model.AppName;
import io.deis.model.Domain;
import io.deis.model.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's {@link RouteTable}. Every host a request may name (each app's
 * {@code <app>.<platform domain>} and each custom domain) is a key of one map, so routing a
 * request is one lookup.
 */
final class Routes implements RouteTable {
  private static final Logger log = LoggerFactory.getLogger(Routes.class);

  private final String platformSuffix;
  private final int loops;
  private final long drainWindowMillis;
  private final Certificates certificates;
  private final Consumer<Upstream> closeIdleConnections;
  private final Map<AppName, AppRoute> apps = new ConcurrentHashMap<>();
  private final Map<String, AppRoute> hosts = new ConcurrentHashMap<>();
  private final Map<String, AppName> domains = new ConcurrentHashMap<>();

  Routes(String platformDomain, int loops, long drainWindowMillis, Certificates certificates,
      Consumer<Upstream> closeIdleConnections) {
    this.platformSuffix = "." + platformDomain;
    this.loops = loops;
    this.drainWindowMillis = drainWindowMillis;
    this.certificates = certificates;
    this.closeIdleConnections = closeIdleConnections;
  }

  /**
   * The app that {@code hostHeader} names, or null. The header may carry a port and any case;
   * the common case (lowercase, no port) costs no copy.
   */
  AppRoute lookup(String hostHeader) {
    AppRoute route = hosts.get(hostHeader);
    return route != null ? route : hosts.get(normalize(hostHeader));
  }

  /** Lowercase, without the port and without a trailing dot. */
  static String normalize(String host) {
    String h = host.strip();
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      h = close > 0 ? h.substring(0, close + 1) : h;
    } else {
      int colon = h.indexOf(':');
      if (colon >= 0) {
        h = h.substring(0, colon);
      }
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h.toLowerCase(Locale.ROOT);
  }

  @Override
  public void addApp(AppName app) {
    apps.computeIfAbsent(check(app), a -> {
      AppRoute route = new AppRoute(a);
      hosts.put(a.value() + platformSuffix, route);
      log.debug("routing {}{}", a, platformSuffix);
      return route;
    });
  }

  @Override
  public void removeApp(AppName app) {
    AppRoute route = apps.remove(check(app));
    if (route == null) {
      return;
    }
    hosts.values().removeIf(r -> r == route);
    domains.values().removeIf(app::equals);
    for (Upstream u : route.removeAll()) {
      retire(u);
    }
  }

  @Override
  public List<AppName> apps() {
    return apps.keySet().stream().sorted().toList();
  }

  @Override
  public synchronized void addDomain(AppName app, String domain) {
    String d = checkDomain(domain);
    AppRoute route = route(app);
    if (d.endsWith(platformSuffix) && d.indexOf('.') == d.length() - platformSuffix.length()) {
      throw new ConflictException("domain " + domain + " is an app's own host under the platform domain; pick a name outside "
          + platformSuffix.substring(1));
    }
    AppName owner = domains.get(d);
    if (owner != null && !owner.equals(app)) {
      throw new ConflictException("The domain " + domain + " is already in use by another app");
    }
    domains.put(d, app);
    hosts.put(d, route);
  }

  @Override
  public synchronized void removeDomain(String domain) {
    if (domain == null) {
      throw new InvalidInputException("domain is null: give a host name such as www.example.com");
    }
    String d = normalize(domain);
    if (domains.remove(d) != null) {
      hosts.remove(d);
    }
  }

  @Override
  public List<String> domains(AppName app) {
    check(app);
    return domains.entrySet().stream().filter(e -> e.getValue().equals(app)).map(Map.Entry::getKey).sorted().toList();
  }

  @Override
  public void addUpstream(AppName app, Endpoint endpoint) {
    check(endpoint);
    AppRoute route = route(app);
    if (route.add(new Upstream(app, endpoint, loops))) {
      log.info("{}: routing to {}", app, endpoint);
    }
  }

  @Override
  public boolean drain(AppName app, Endpoint endpoint) {
    check(endpoint);
    AppRoute route = apps.get(check(app));
    Upstream u = route == null ? null : route.remove(endpoint);
    if (u == null) {
      return false;
    }
    retire(u);
    try {
      boolean done = u.awaitDrained(drainWindowMillis);
      if (done) {
        log.info("{}: drained {}", app, endpoint);
      } else {
        log.warn("{}: {} still had {} requests in flight after the {} ms drain window", app, endpoint, u.inFlight(),
            drainWindowMillis);
      }
      return done;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void removeUpstream(AppName app, Endpoint endpoint) {
    check(endpoint);
    AppRoute route = apps.get(check(app));
    Upstream u = route == null ? null : route.remove(endpoint);
    if (u != null) {
      retire(u);
      log.info("{}: no longer routing to {}", app, endpoint);
    }
  }

  @Override
  public List<Endpoint> upstreams(AppName app) {
    AppRoute route = apps.get(check(app));
    return route == null ? List.of() : Arrays.stream(route.upstreams()).map(u -> u.endpoint).toList();
  }

  @Override
  public void redirectToHttps(AppName app, boolean on) {
    route(app).redirectToHttps(on);
  }

  @Override
  public String addCertificate(String certificatePem, String keyPem) {
    return certificates.add(certificatePem, keyPem);
  }

  @Override
  public void removeCertificate(String commonName) {
    certificates.remove(commonName);
  }

  @Override
  public Optional<String> certificateFor(String host) {
    return certificates.commonNameFor(host);
  }

  /** The endpoints of every app, for a router that is closing. */
  List<Upstream> allUpstreams() {
    List<Upstream> all = new ArrayList<>();
    apps.values().forEach(r -> all.addAll(Arrays.asList(r.upstreams())));
    return all;
  }

  private void retire(Upstream u) {
    u.retire();
    closeIdleConnections.accept(u);
  }

  private AppRoute route(AppName app) {
    AppRoute route = apps.get(check(app));
    if (route == null) {
      throw new NotFoundException("app '" + app + "' is not routed: add it first");
    }
    return route;
  }

  private static Endpoint check(Endpoint endpoint) {
    if (endpoint == null) {
      throw new InvalidInputException("endpoint is null: give the host and port of a container, such as 127.0.0.1:5000");
    }
    return endpoint;
  }

  private static AppName check(AppName app) {
    if (app == null) {
      throw new InvalidInputException("app is null: give an app name");
    }
    return app;
  }

  /** A domain as routed: checked by the controller's own rule ({@link Domain#check}), in lowercase. */
  static String checkDomain(String domain) {
    return Domain.check(domain == null ? null : domain.strip()).toLowerCase(Locale.ROOT);
  }
}
