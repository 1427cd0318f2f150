package io.deis.router;

import io.deis.model.AppName;
import io.deis.model.Endpoint;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link Router} routes: apps by host name, and the upstream endpoints (up containers)
 * that take each app's traffic. A router that follows a controller fills it from the
 * controller's events; an embedding program without a controller fills it itself.
 *
 * <p>Thread-safe. Every change applies to the next request; requests already under way finish
 * on the upstream they started on.
 */
public interface RouteTable {

  /**
   * Makes an app reachable at {@code <app>.<platform domain>}. Until it has an upstream, its
   * hosts answer 503. Adding a known app changes nothing.
   */
  void addApp(AppName app);

  /** Forgets an app with its domains and upstreams: its hosts answer 404 from now on. */
  void removeApp(AppName app);

  /** The apps known, sorted. */
  List<AppName> apps();

  /**
   * Routes a custom domain ({@code www.example.com}) to a known app.
   *
   * @throws io.deis.error.InvalidInputException for a malformed domain
   * @throws io.deis.error.NotFoundException for an unknown app
   * @throws io.deis.error.ConflictException when another app has the domain
   */
  void addDomain(AppName app, String domain);

  /** Stops routing a custom domain; does nothing for one not routed. */
  void removeDomain(String domain);

  /** The custom domains of an app, sorted. */
  List<String> domains(AppName app);

  /**
   * Sends a share of the app's requests to {@code endpoint} from now on. Call it only once the
   * container is up and ready: a router does not probe. Adding an endpoint twice changes nothing.
   *
   * @throws io.deis.error.NotFoundException for an unknown app
   */
  void addUpstream(AppName app, Endpoint endpoint);

  /**
   * Stops sending new requests to {@code endpoint}, then blocks until the requests it is serving
   * have finished or the router's drain window has passed, and removes it. Call it before the
   * container is stopped: that is how a deploy or scale-down loses no request.
   *
   * @return true when every in-flight request finished within the window, false when the window
   *     ran out (those requests fail when the container stops) or the endpoint was not routed
   */
  boolean drain(AppName app, Endpoint endpoint);

  /** Removes {@code endpoint} at once; its in-flight requests fail when it stops. Nothing for an unknown one. */
  void removeUpstream(AppName app, Endpoint endpoint);

  /** The endpoints taking new requests for the app, in the order they were added. */
  List<Endpoint> upstreams(AppName app);

  /**
   * With {@code on}, the app's plain HTTP requests are redirected to HTTPS (301 for GET and HEAD,
   * 308 otherwise) instead of proxied. Needs the router's HTTPS port.
   */
  void redirectToHttps(AppName app, boolean on);

  /**
   * Serves TLS with this certificate for every name it holds (its subject CN and DNS subject
   * alternative names, wildcards included), picked by SNI. A later certificate for the same name
   * replaces the earlier one.
   *
   * @param certificatePem the certificate chain, PEM ({@code -----BEGIN CERTIFICATE-----}), leaf first
   * @param keyPem the private key, PEM PKCS#8 ({@code -----BEGIN PRIVATE KEY-----})
   * @return the certificate's common name, the handle for {@link #removeCertificate}
   * @throws io.deis.error.InvalidInputException when either is not such a PEM, or they do not match
   */
  String addCertificate(String certificatePem, String keyPem);

  /** Stops serving the certificate of this common name; does nothing for an unknown one. */
  void removeCertificate(String commonName);

  /** The common name of the certificate served for {@code host}, if any (the platform certificate included). */
  Optional<String> certificateFor(String host);
}
