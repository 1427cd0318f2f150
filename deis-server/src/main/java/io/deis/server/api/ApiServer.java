package io.deis.server.api;

import io.deis.controller.Controller;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deis v1 REST API (version 1.7) on Jetty: what the {@code deis} command-line client 1.13
 * and scripts written for the original controller talk to. Every endpoint is one call of the
 * {@link Controller} or of the caller's {@link io.deis.controller.Session}; this class only
 * speaks the protocol (paths, tokens, JSON shapes, status codes) and applies the limits below.
 *
 * <pre>{@code
 * try (Controller deis = Controller.builder().build();
 *      ApiServer api = ApiServer.builder().controller(deis).port(8000).build().start()) {
 *   System.out.println("deis register " + api.url());   // http://127.0.0.1:8000
 * }
 * }</pre>
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  /** The original controller's port, so {@code deis register http://HOST:8000} works as it did. */
  public static final int DEFAULT_PORT = 8000;
  /** The API version the v1 client checks in every response's {@code DEIS_API_VERSION} header. */
  public static final String API_VERSION = "1.7";

  private final Builder settings;
  private final Server jetty;
  private final ServerConnector connector;
  private boolean started;
  private boolean closed;

  private ApiServer(Builder b) {
    this.settings = b;
    QueuedThreadPool threads = new QueuedThreadPool(b.maxThreads, Math.min(8, b.maxThreads));
    threads.setName("deis-api");
    threads.setDaemon(true);
    this.jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(16 * 1024);
    if (b.tls != null) {
      http.addCustomizer(new SecureRequestCustomizer(false)); // SNI host checks off: clients connect by IP, as the deis client does
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(b.tls.keyStore());
      ssl.setKeyStorePassword(b.tls.password());
      this.connector = new ServerConnector(jetty, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    } else {
      this.connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
    }
    connector.setHost(b.host);
    connector.setPort(b.port);
    connector.setIdleTimeout(b.idleTimeout.toMillis());
    jetty.addConnector(connector);
    ApiHandler api = new ApiHandler(b.controller, new Limits(b), Endpoints.all(b.controller));
    jetty.setHandler(b.extraHandler == null ? api : new PrefixHandler(b.extraPath, b.extraHandler, api));
    jetty.setErrorHandler(new JsonErrorHandler());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening.
   *
   * @throws UncheckedIOException when the port cannot be bound (the message names it)
   */
  public synchronized ApiServer start() {
    if (closed) {
      throw new IllegalStateException("API server was closed; build a new one to serve again");
    }
    if (started) {
      throw new IllegalStateException("API server already started on port " + port());
    }
    try {
      jetty.start();
    } catch (Exception e) {
      try {
        jetty.stop();
      } catch (Exception ignored) {
        // the start failure is what the caller needs to see
      }
      throw new UncheckedIOException(new IOException("cannot start the Deis API on " + settings.host + ":" + settings.port
          + ": " + e.getMessage(), e));
    }
    started = true;
    log.info("Deis API {} listening on {}", API_VERSION, url());
    return this;
  }

  /** The port the server listens on: the configured one, or the one chosen for port 0. */
  public int port() {
    if (!started) {
      throw new IllegalStateException("API server is not started");
    }
    return connector.getLocalPort();
  }

  /** The URL to give {@code deis register} and {@code deis login}: {@code http://127.0.0.1:8000}. */
  public URI url() {
    String h = settings.host.equals("0.0.0.0") || settings.host.equals("::") ? "localhost" : settings.host;
    if (h.contains(":")) {
      h = "[" + h + "]";
    }
    return URI.create((settings.tls != null ? "https" : "http") + "://" + h + ":" + port());
  }

  /** Stops listening; requests under way are given a few seconds to finish. */
  @Override
  public synchronized void close() {
    closed = true;
    try {
      jetty.setStopTimeout(5_000);
      jetty.stop();
    } catch (Exception e) {
      log.warn("stopping the Deis API failed: {}", e.toString());
    }
  }

  /** A key store with the server's certificate chain and private key, and its password. */
  record Tls(KeyStore keyStore, String password) {
    @Override
    public String toString() {
      return "Tls[" + keyStore.getType() + "]"; // never the password
    }
  }

  /** Configures an {@link ApiServer}. Every limit has a default; a request over one is refused with a message naming it. */
  public static final class Builder {
    Controller controller;
    String host = "127.0.0.1";
    int port = DEFAULT_PORT;
    String appDomain = "deisapp.local";
    int maxRequestBytes = 1024 * 1024;
    int maxJsonDepth = 32;
    int authAttemptsPerMinute = 30;
    int maxTrackedClients = 10_000;
    int defaultPageSize = 100;
    int maxPageSize = 1000;
    int defaultLogLines = 1000;
    int maxLogLines = 10_000;
    int maxThreads = 200;
    Duration idleTimeout = Duration.ofSeconds(30);
    Tls tls;
    String extraPath;
    Handler extraHandler;

    private Builder() {}

    /** The controller every request is made against. Required. */
    public Builder controller(Controller controller) {
      this.controller = controller;
      return this;
    }

    /** The address to bind; default 127.0.0.1 so nothing is exposed by accident. Use 0.0.0.0 to serve other machines. */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("API host is empty: give an address such as 127.0.0.1 or 0.0.0.0");
      }
      this.host = host.strip();
      return this;
    }

    /** The TCP port; default 8000 (the original controller's), 0 for a free one (read it back with {@link #port()}). */
    public Builder port(int port) {
      this.port = check("API port", port, 0, 65535);
      return this;
    }

    /** The domain apps are served under: an app's {@code url} is {@code <app>.<domain>}. Default {@code deisapp.local}. */
    public Builder appDomain(String domain) {
      if (domain == null || domain.isBlank() || domain.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("app domain '" + domain + "' is invalid: give a DNS name such as deis.example.com");
      }
      this.appDomain = domain.strip();
      return this;
    }

    /** The largest request body accepted, in bytes; default 1 MiB. Larger ones get 413. */
    public Builder maxRequestBytes(int bytes) {
      this.maxRequestBytes = check("maxRequestBytes", bytes, 1, Integer.MAX_VALUE);
      return this;
    }

    /** How deeply JSON objects and arrays may nest in a request; default 32. Deeper ones get 400. */
    public Builder maxJsonDepth(int depth) {
      this.maxJsonDepth = check("maxJsonDepth", depth, 2, 1000);
      return this;
    }

    /** Login and register attempts allowed per client address per minute; default 30. More get 429. */
    public Builder authAttemptsPerMinute(int attempts) {
      this.authAttemptsPerMinute = check("authAttemptsPerMinute", attempts, 1, 1_000_000);
      return this;
    }

    /** How many client addresses the login rate limit remembers at once; default 10,000. When full, unknown addresses wait for a slot. */
    public Builder maxTrackedClients(int clients) {
      this.maxTrackedClients = check("maxTrackedClients", clients, 1, 10_000_000);
      return this;
    }

    /** List pages: the size without {@code ?page_size=} (default 100, as Deis) and the largest one served (default 1000). */
    public Builder pageSizes(int defaultSize, int maxSize) {
      this.maxPageSize = check("maxPageSize", maxSize, 1, 1_000_000);
      this.defaultPageSize = check("defaultPageSize", defaultSize, 1, maxSize);
      return this;
    }

    /** Log lines: how many without {@code ?log_lines=} (default 1000, as Deis) and the most one request may ask for (default 10,000). */
    public Builder logLines(int defaultLines, int maxLines) {
      this.maxLogLines = check("maxLogLines", maxLines, 1, 10_000_000);
      this.defaultLogLines = check("defaultLogLines", defaultLines, 1, maxLines);
      return this;
    }

    /** Request threads; default 200. Deploys block a thread for as long as they take. */
    public Builder maxThreads(int threads) {
      this.maxThreads = check("maxThreads", threads, 4, 10_000);
      return this;
    }

    /**
     * How long a connection may sit without reading or writing; default 30 s. A request whose
     * endpoint is working (a deploy, a run) is not cut off by it.
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idle timeout must be positive, not " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** Serves HTTPS with the certificate and key in {@code keyStore}. Without it the API speaks plain HTTP. */
    public Builder tls(KeyStore keyStore, String password) {
      if (keyStore == null || password == null) {
        throw new IllegalArgumentException("TLS needs a key store and its password");
      }
      this.tls = new Tls(keyStore, password);
      return this;
    }

    /** Serves HTTPS with the certificate and key of a PKCS#12 (or JKS) key store file. */
    public Builder tls(Path keyStoreFile, String password) {
      if (keyStoreFile == null || password == null) {
        throw new IllegalArgumentException("TLS needs a key store file and its password");
      }
      try (InputStream in = Files.newInputStream(keyStoreFile)) {
        KeyStore ks = KeyStore.getInstance(keyStoreFile.toString().endsWith(".jks") ? "JKS" : "PKCS12");
        ks.load(in, password.toCharArray());
        return tls(ks, password);
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot read the TLS key store " + keyStoreFile + ": " + e.getMessage(), e);
      }
    }

    /** For benchmarks in this package: another handler served under {@code path}, beside the API, by the same server. */
    Builder extraHandler(String path, Handler handler) {
      this.extraPath = path;
      this.extraHandler = handler;
      return this;
    }

    public ApiServer build() {
      if (controller == null) {
        throw new IllegalStateException("ApiServer needs a controller: call controller(...)");
      }
      return new ApiServer(this);
    }

    private static int check(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(name + " " + value + " is out of range: use " + min + " to " + max);
      }
      return value;
    }
  }
}
