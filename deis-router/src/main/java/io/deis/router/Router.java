package io.deis.router;

import io.deis.controller.Controller;
import io.deis.error.InvalidInputException;
import java.time.Duration;
import java.util.Locale;

/**
 * The Deis router: HTTP traffic for every app, by host name. A request for
 * {@code <app>.<platform domain>} (or one of the app's custom domains) goes to one of the app's
 * up {@code web} or {@code cmd} containers; bodies stream through in both directions, WebSockets
 * upgrade, and keep-alive connections to the containers are pooled.
 *
 * <pre>{@code
 * try (Router router = Router.builder().port(8080).platformDomain("local.deis").build().start()) {
 *   router.routes().addApp(AppName.of("myapp"));
 *   router.routes().addUpstream(AppName.of("myapp"), new Endpoint("127.0.0.1", 5000));
 *   // curl -H 'Host: myapp.local.deis' http://127.0.0.1:8080/
 * }
 * }</pre>
 *
 * <p>Beside a {@link Controller}, {@code Router.builder().controller(deis)} routes every app of it
 * and follows its deploys: a new container takes traffic once it is ready, and an old one is
 * drained before it is stopped, so a deploy, scale or rollback loses no request.
 *
 * <p>Every limit is a builder option with a default; a value out of range is refused with a
 * message that names the option and its range.
 */
public final class Router implements AutoCloseable {
  private final Options options;
  private final Proxy proxy;
  private final ControllerFeed feed;
  private boolean started;
  private boolean closed;

  private Router(Options options, Certificates certificates, Controller controller) {
    this.options = options;
    this.proxy = new Proxy(options, certificates);
    this.feed = controller == null ? null : new ControllerFeed(controller, proxy.routes, certificates);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening.
   *
   * @throws java.io.UncheckedIOException when a port cannot be bound
   */
  public synchronized Router start() {
    if (closed) {
      throw new IllegalStateException("router was closed; build a new one to serve again");
    }
    if (started) {
      throw new IllegalStateException("router already started on port " + port());
    }
    try {
      if (feed != null) {
        feed.start();
      }
      proxy.start();
    } catch (RuntimeException e) {
      if (feed != null) {
        feed.close();
      }
      proxy.close();
      closed = true;
      throw e;
    }
    started = true;
    return this;
  }

  /** The routes: apps, their domains, their upstreams and certificates. Usable before {@link #start()}. */
  public RouteTable routes() {
    return proxy.routes;
  }

  /** The HTTP port: the configured one, or the one chosen for port 0. */
  public synchronized int port() {
    checkStarted();
    return proxy.port();
  }

  /** The HTTPS port, when {@link Builder#httpsPort} enabled it. */
  public synchronized int httpsPort() {
    checkStarted();
    if (!options.https()) {
      throw new IllegalStateException("the router serves no HTTPS: set Router.builder().httpsPort(...)");
    }
    return proxy.httpsPort();
  }

  /** The platform domain: app {@code myapp} answers at {@code myapp.<this>}. */
  public String platformDomain() {
    return options.platformDomain();
  }

  /** Client connections open now. */
  public int openConnections() {
    return proxy.openConnections();
  }

  /** Stops listening and closes every connection; requests under way are cut. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (feed != null) {
      feed.close();
    }
    proxy.close();
  }

  private void checkStarted() {
    if (!started || closed) {
      throw new IllegalStateException("router is not running: call start()");
    }
  }

  /** Configures a {@link Router}. Every setting has a default; each limit is checked when it is set. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private int httpsPort = -1;
    private String platformDomain = "local.deis";
    private Balancing balancing = Balancing.ROUND_ROBIN;
    private int ioThreads = Runtime.getRuntime().availableProcessors();
    private boolean nativeTransport = true;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration requestTimeout = Duration.ofMinutes(10);
    private Duration drainWindow = Duration.ofSeconds(10);
    private long maxRequestBodyBytes = 1024 * 1024;
    private int maxInitialLineLength = 8192;
    private int maxHeaderSize = 16384;
    private int maxConnections = 10_000;
    private int maxIdleConnectionsPerUpstream = 32;
    private boolean accessLog = true;
    private String platformCertificatePem;
    private String platformKeyPem;
    private Controller controller;

    private Builder() {}

    /**
     * Follows this controller: its apps, the web and cmd containers of their current releases once
     * they are ready, their domains and the certificates, kept up to date from the controller's and
     * the scheduler's events. A retiring container is drained before the scheduler stops it. Without
     * a controller, the embedding program fills {@link Router#routes()} itself.
     */
    public Builder controller(Controller controller) {
      if (controller == null) {
        throw new InvalidInputException("controller is null: give the Controller whose apps to route");
      }
      this.controller = controller;
      return this;
    }

    /** The address to bind; default 127.0.0.1, so nothing is exposed by accident. Use 0.0.0.0 to serve other machines. */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new InvalidInputException("router host is empty: give an address such as 127.0.0.1 or 0.0.0.0");
      }
      this.host = host.strip();
      return this;
    }

    /** The HTTP port; default 8080, 0 for a free one (read it back with {@link Router#port()}). */
    public Builder port(int port) {
      this.port = checkPort("port", port);
      return this;
    }

    /** Serves HTTPS on this port too (0 for a free one), with the certificates of {@link RouteTable#addCertificate}. Default: no HTTPS. */
    public Builder httpsPort(int port) {
      this.httpsPort = checkPort("httpsPort", port);
      return this;
    }

    /** App {@code myapp} answers at {@code myapp.<domain>}. Default {@code local.deis}. */
    public Builder platformDomain(String domain) {
      this.platformDomain = Routes.checkDomain(domain);
      return this;
    }

    /**
     * The certificate served for {@code *.<platform domain>} and for any host no other
     * certificate names: PEM certificate chain and PEM PKCS#8 key. Default: none.
     */
    public Builder platformCertificate(String certificatePem, String keyPem) {
      Certificates.parse(certificatePem, keyPem); // refuse a bad pair now, not at start
      this.platformCertificatePem = certificatePem;
      this.platformKeyPem = keyPem;
      return this;
    }

    /** How an app's requests are spread over its containers. Default round robin. */
    public Builder balancing(Balancing balancing) {
      if (balancing == null) {
        throw new InvalidInputException("balancing is null: use ROUND_ROBIN or LEAST_IN_FLIGHT");
      }
      this.balancing = balancing;
      return this;
    }

    /** Event-loop threads, 1 to 256; default one per processor. Each serves its connections from start to end. */
    public Builder ioThreads(int threads) {
      this.ioThreads = (int) checkRange("ioThreads", threads, 1, 256, "");
      return this;
    }

    /** Use Linux epoll when it is available (default true); false forces Java NIO. */
    public Builder nativeTransport(boolean on) {
      this.nativeTransport = on;
      return this;
    }

    /** How long connecting to a container may take, 1 ms to 1 min; default 5 s. A failed connect is retried once elsewhere for idempotent methods. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = checkDuration("connectTimeout", timeout, Duration.ofMinutes(1));
      return this;
    }

    /** How long a connection may go without a byte read on either side (client or upstream), 1 ms to 1 h; default 60 s. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = checkDuration("idleTimeout", timeout, Duration.ofHours(1));
      return this;
    }

    /** How long one request may take from its head to the end of its response, 1 ms to 24 h; default 10 min. WebSockets are exempt once upgraded. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = checkDuration("requestTimeout", timeout, Duration.ofHours(24));
      return this;
    }

    /** How long a retiring container's in-flight requests may take to finish before it is stopped anyway, 0 to 10 min; default 10 s. */
    public Builder drainWindow(Duration window) {
      if (window != null && window.isZero()) {
        this.drainWindow = window;
        return this;
      }
      this.drainWindow = checkDuration("drainWindow", window, Duration.ofMinutes(10));
      return this;
    }

    /** The largest request body, 0 to 1 TiB; default 1 MiB (Deis's router's default). Larger ones get 413. */
    public Builder maxRequestBodyBytes(long bytes) {
      this.maxRequestBodyBytes = checkRange("maxRequestBodyBytes", bytes, 0, 1L << 40, " bytes");
      return this;
    }

    /** The longest request line, 256 to 65536 bytes; default 8192. Longer ones get 414. */
    public Builder maxInitialLineLength(int bytes) {
      this.maxInitialLineLength = (int) checkRange("maxInitialLineLength", bytes, 256, 65536, " bytes");
      return this;
    }

    /** The largest header block of a request or response, 1024 to 1048576 bytes; default 16384. Larger requests get 431. */
    public Builder maxHeaderSize(int bytes) {
      this.maxHeaderSize = (int) checkRange("maxHeaderSize", bytes, 1024, 1 << 20, " bytes");
      return this;
    }

    /** Client connections open at once, 1 to 1,000,000; default 10,000. Beyond it new connections are closed. */
    public Builder maxConnections(int connections) {
      this.maxConnections = (int) checkRange("maxConnections", connections, 1, 1_000_000, "");
      return this;
    }

    /** Idle keep-alive connections kept per container and event loop, 0 to 1024; default 32. */
    public Builder maxIdleConnectionsPerUpstream(int connections) {
      this.maxIdleConnectionsPerUpstream = (int) checkRange("maxIdleConnectionsPerUpstream", connections, 0, 1024, "");
      return this;
    }

    /** One line per request on the SLF4J logger {@code io.deis.router.access} (default true). */
    public Builder accessLog(boolean on) {
      this.accessLog = on;
      return this;
    }

    public Router build() {
      Options options = new Options(host, port, httpsPort, platformDomain, balancing, ioThreads, nativeTransport,
          connectTimeout.toMillis(), idleTimeout.toMillis(), requestTimeout.toMillis(), drainWindow.toMillis(),
          maxRequestBodyBytes, maxInitialLineLength, maxHeaderSize, maxConnections, maxIdleConnectionsPerUpstream, accessLog);
      Certificates certificates = new Certificates();
      if (platformCertificatePem != null) {
        certificates.platform(platformCertificatePem, platformKeyPem);
      }
      return new Router(options, certificates, controller);
    }

    private static int checkPort(String option, int port) {
      return (int) checkRange(option, port, 0, 65535, " (0 picks a free port)");
    }

    private static long checkRange(String option, long value, long min, long max, String unit) {
      if (value < min || value > max) {
        throw new InvalidInputException("router " + option + " " + value + " is out of range: use " + min + " to " + max + unit);
      }
      return value;
    }

    private static Duration checkDuration(String option, Duration d, Duration max) {
      if (d == null || d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
        throw new InvalidInputException("router " + option + " " + d + " is out of range: use 1 ms to "
            + max.toString().substring(2).toLowerCase(Locale.ROOT));
      }
      return d;
    }
  }
}
