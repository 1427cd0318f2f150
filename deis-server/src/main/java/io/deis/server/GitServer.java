package io.deis.server;

import io.deis.controller.AuditEvent;
import io.deis.controller.Controller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deis builder's front door: an SSH server (Apache MINA SSHD) that serves {@code git push} and
 * {@code git clone} of {@code ssh://git@HOST:PORT/APP.git} with JGit. A push to master (or main)
 * builds the pushed commit, releases it and deploys it through the {@link Controller}, streaming
 * progress to the pusher's terminal; a push that cannot be built or deployed is rejected.
 *
 * <pre>{@code
 * try (Controller deis = Controller.builder().build();
 *      GitServer git = GitServer.builder().controller(deis).dataDirectory(dir).build().start()) {
 *   System.out.println("git remote add deis " + git.remoteUrl("myapp"));
 * }
 * }</pre>
 *
 * <p>Only public-key authentication against the keys registered in the controller is accepted;
 * the key's owner is the pusher, whatever SSH user name the client gives. Shells, other commands,
 * forwarding and subsystems are refused.
 */
public final class GitServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GitServer.class);
  /** Deis's builder listened on 2222, so remotes copied from Deis docs keep working. */
  public static final int DEFAULT_PORT = 2222;
  /** Channels (commands) one SSH connection may run at once: git opens one. */
  static final int MAX_CHANNELS_PER_SESSION = 4;
  /** Key authentication requests per connection: enough for a client that offers a few keys. */
  static final int MAX_AUTH_REQUESTS = 10;

  private final Controller controller;
  private final String host;
  private final int requestedPort;
  private final Path dataDirectory;
  private final Repositories repositories;
  private final ExecutorService workers;
  /** Ends pushes whose pack takes longer than {@link Builder#maxReceiveTime} to arrive. */
  private final ScheduledExecutorService watchdog;
  private final PushLimits pushLimits;
  private final SessionsPerUser sessions;
  private final Duration idleTimeout;
  private final Duration authTimeout;
  /** Kept so that close() can unregister the very object start() registered. */
  private final Consumer<AuditEvent> auditListener = this::onAuditEvent;
  // volatile: audit events arrive on the controller's threads, not under this object's lock
  private volatile SshServer sshd;
  private boolean closed;

  private GitServer(Builder b) {
    this.controller = b.controller;
    this.host = b.host;
    this.requestedPort = b.port;
    this.dataDirectory = b.dataDirectory.toAbsolutePath().normalize();
    this.repositories = new Repositories(dataDirectory.resolve("repos"));
    this.pushLimits = new PushLimits(b.maxPushBytes, b.maxReceiveTime);
    this.sessions = new SessionsPerUser(b.maxSessionsPerUser);
    this.idleTimeout = b.idleTimeout;
    this.authTimeout = b.authTimeout;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "deis-git-watchdog");
      t.setDaemon(true);
      return t;
    });
    AtomicInteger threads = new AtomicInteger();
    // git commands block for the whole push (receive, build, deploy); SSHD's I/O threads must not.
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "deis-git-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening. Bare repositories are created for the apps that exist now and for each app
   * created later, and removed when apps are destroyed.
   *
   * @throws UncheckedIOException when the port cannot be bound or the data directory is not writable
   */
  public synchronized GitServer start() {
    if (sshd != null) {
      throw new IllegalStateException("git server already started on port " + port());
    }
    if (closed) {
      throw new IllegalStateException("git server was closed; build a new one to serve again");
    }
    try {
      Files.createDirectories(dataDirectory);
      repositories.createRoot();
      controller.addListener(auditListener);
      controller.appNames().forEach(repositories::create); // apps made before the server started
      SshServer server = SshServer.setUpDefaultServer();
      server.setHost(host);
      server.setPort(requestedPort);
      server.setKeyPairProvider(hostKeys(dataDirectory.resolve("ssh_host_key")));
      // Public keys only: no password or keyboard-interactive authenticator is installed at all.
      server.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
      server.setPasswordAuthenticator(null);
      server.setKeyboardInteractiveAuthenticator(null);
      server.setGSSAuthenticator(null);
      server.setHostBasedAuthenticator(null);
      server.setPublickeyAuthenticator(new KeyAuthenticator(controller, sessions));
      server.addSessionListener(sessions);
      CoreModuleProperties.AUTH_TIMEOUT.set(server, authTimeout);
      CoreModuleProperties.IDLE_TIMEOUT.set(server, idleTimeout);
      CoreModuleProperties.MAX_AUTH_REQUESTS.set(server, MAX_AUTH_REQUESTS);
      CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(server, MAX_CHANNELS_PER_SESSION);
      server.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
      server.setAgentFactory(null);
      server.setSubsystemFactories(List.of());
      server.setShellFactory(channel -> new RefusalCommand(
          "Deis does not provide shell access: push your app with 'git push deis master'", 1));
      server.setCommandFactory(new GitCommandFactory(controller, repositories, workers, pushLimits, watchdog));
      server.start();
      sshd = server;
      log.info("git server listening on {}:{}, repositories in {}", host, port(), repositories.root());
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the git server on " + host + ":" + requestedPort + ": " + e.getMessage(), e);
    }
  }

  /** The port the server listens on: the configured one, or the one chosen for port 0. */
  public int port() {
    if (sshd == null) {
      throw new IllegalStateException("git server is not started");
    }
    return sshd.getPort();
  }

  /** The address the server is bound to. */
  public String host() {
    return host;
  }

  /** The git remote of an app, as {@code git remote add deis <url>} wants it. */
  public String remoteUrl(String app) {
    String h = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
    if (h.contains(":")) {
      h = "[" + h + "]";
    }
    return "ssh://git@" + h + ":" + port() + "/" + app + ".git";
  }

  /** Where an app's bare repository lives (it may not exist yet). */
  public Path repository(String app) {
    return repositories.pathOf(io.deis.model.AppName.of(app));
  }

  /** Stops listening and ends running git commands; repositories stay on disk. */
  @Override
  public synchronized void close() {
    closed = true;
    controller.removeListener(auditListener);
    if (sshd != null) {
      try {
        sshd.stop(true);
      } catch (IOException e) {
        log.warn("stopping the SSH server failed: {}", e.toString());
      }
      sshd = null;
    }
    workers.shutdownNow();
    watchdog.shutdownNow();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onAuditEvent(AuditEvent event) {
    if (sshd == null || event.app().isEmpty()) {
      return;
    }
    if (event.kind() == AuditEvent.Kind.APP_CREATED) {
      repositories.recreate(event.app().get());
    } else if (event.kind() == AuditEvent.Kind.APP_DESTROYED) {
      repositories.delete(event.app().get());
    }
  }

  /** The host key is generated once and kept, so clients' known_hosts entries stay valid across restarts. */
  private static SimpleGeneratorHostKeyProvider hostKeys(Path file) throws IOException {
    SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(file);
    keys.setAlgorithm("EC");
    keys.setKeySize(256);
    keys.loadKeys(null); // generate (or read) now, so a broken key file fails start() rather than the first client
    if (Files.exists(file)) {
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        log.debug("cannot restrict permissions of {} on this file system", file);
      }
    }
    return keys;
  }

  /** Configures a {@link GitServer}. */
  public static final class Builder {
    private Controller controller;
    private String host = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private Path dataDirectory;
    private long maxPushBytes = 1L << 30;
    private Duration maxReceiveTime = Duration.ofMinutes(10);
    private Duration idleTimeout = Duration.ofMinutes(10);
    private Duration authTimeout = Duration.ofSeconds(30);
    private int maxSessionsPerUser = 10;

    private Builder() {}

    /** The largest pack one push may send; a larger one is refused as it arrives. Default 1 GiB; 1 KiB to 64 GiB. */
    public Builder maxPushBytes(long bytes) {
      if (bytes < 1024 || bytes > (64L << 30)) {
        throw new IllegalArgumentException("maxPushBytes " + bytes + " is out of range: use 1024 to " + (64L << 30));
      }
      this.maxPushBytes = bytes;
      return this;
    }

    /**
     * How long a push may take to send its pack; the connection is closed after that and nothing
     * is changed. The build and deploy that follow have their own timeouts. Default 10 minutes; 1 s to 24 hours.
     */
    public Builder maxReceiveTime(Duration time) {
      this.maxReceiveTime = between("maxReceiveTime", time, Duration.ofSeconds(1), Duration.ofHours(24));
      return this;
    }

    /**
     * How long a connection may stay silent before it is closed (SSHD's idle timeout). It must
     * outlast the quiet parts of a deploy (waiting for containers), so the default is 10 minutes; 1 s to 24 hours.
     */
    public Builder idleTimeout(Duration time) {
      this.idleTimeout = between("idleTimeout", time, Duration.ofSeconds(1), Duration.ofHours(24));
      return this;
    }

    /** How long a client may take to authenticate after connecting. Default 30 s; 1 s to 10 minutes. */
    public Builder authTimeout(Duration time) {
      this.authTimeout = between("authTimeout", time, Duration.ofSeconds(1), Duration.ofMinutes(10));
      return this;
    }

    /** SSH connections one user may have open at once (pushes, clones). Default 10; 1 to 1,000. */
    public Builder maxSessionsPerUser(int sessions) {
      if (sessions < 1 || sessions > 1000) {
        throw new IllegalArgumentException("maxSessionsPerUser " + sessions + " is out of range: use 1 to 1000");
      }
      this.maxSessionsPerUser = sessions;
      return this;
    }

    private static Duration between(String option, Duration value, Duration min, Duration max) {
      if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(option + " " + value + " is out of range: use " + min + " to " + max);
      }
      return value;
    }

    /** The controller that authenticates keys, authorizes apps and deploys pushes. Required. */
    public Builder controller(Controller controller) {
      this.controller = controller;
      return this;
    }

    /** The TCP port; default 2222, 0 for a free one (read it back with {@link GitServer#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("git server port " + port + " is out of range: use 0 to 65535 (0 picks a free port)");
      }
      this.port = port;
      return this;
    }

    /** The address to bind; default 127.0.0.1 so nothing is exposed by accident. Use 0.0.0.0 to serve other machines. */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("git server host is empty: give an address such as 127.0.0.1 or 0.0.0.0");
      }
      this.host = host.strip();
      return this;
    }

    /** Where the bare repositories ({@code repos/APP.git}) and the host key ({@code ssh_host_key}) live. Required. */
    public Builder dataDirectory(Path dataDirectory) {
      this.dataDirectory = dataDirectory;
      return this;
    }

    public GitServer build() {
      if (controller == null) {
        throw new IllegalStateException("GitServer needs a controller: call controller(...)");
      }
      if (dataDirectory == null) {
        throw new IllegalStateException("GitServer needs a data directory for repositories and its host key: call dataDirectory(...)");
      }
      return new GitServer(this);
    }
  }
}
