package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Release;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.SchedulerListener;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The Deis scheduler on a Docker daemon: apps run as Docker containers named {@code app_v2.web.1},
 * labelled with app, release, type and number, on one user-defined network per app. The state
 * machine, rolling deploys and crash restarts are core's {@link RuntimeScheduler}; this class adds
 * the Docker runtime under it and removes an app's network and images when the app is destroyed.
 *
 * <pre>{@code
 * Scheduler scheduler = DockerScheduler.builder().build();   // DOCKER_HOST, else the default socket
 * Build built = scheduler.imageBuilder().build(build, System.out::println);
 * scheduler.deploy(release, Formation.parse("web=2 worker=1"));
 * }</pre>
 *
 * <p>A new DockerScheduler on the same daemon (a restarted controller) adopts the containers it
 * finds by their labels: those of each app's newest release are kept, older ones removed.
 */
public final class DockerScheduler implements Scheduler {
  /** Deis's default PORT for an app that does not set one. */
  public static final int DEFAULT_PORT = 5000;
  /** The stack image Procfile builds run on unless the builder names another. */
  public static final String DEFAULT_STACK_IMAGE = "heroku/heroku:24";

  private final DockerRuntime runtime;
  private final RuntimeScheduler delegate;

  private DockerScheduler(DockerRuntime runtime, RuntimeScheduler.Options options) {
    this.runtime = runtime;
    this.delegate = new RuntimeScheduler(runtime, options);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ImageBuilder imageBuilder() {
    return delegate.imageBuilder();
  }

  @Override
  public void start(Installation installation) {
    delegate.start(installation);
  }

  @Override
  public void addListener(SchedulerListener listener) {
    delegate.addListener(listener);
  }

  @Override
  public Optional<Duration> reconcile(Release release, Formation formation) {
    return delegate.reconcile(release, formation);
  }

  @Override
  public Set<AppName> apps() {
    return delegate.apps();
  }

  @Override
  public void deploy(Release release, Formation formation) {
    delegate.deploy(release, formation);
  }

  @Override
  public void scale(Release release, Formation formation) {
    delegate.scale(release, formation);
  }

  @Override
  public List<Container> restart(AppName app, ContainerFilter filter) {
    return delegate.restart(app, filter);
  }

  @Override
  public List<Container> containers(AppName app) {
    return delegate.containers(app);
  }

  @Override
  public RunResult run(Release release, String command, Duration timeout) {
    return delegate.run(release, command, timeout);
  }

  @Override
  public List<LogLine> logs(AppName app, int lines) {
    return delegate.logs(app, lines);
  }

  /** Removes the app's containers, then its network and its {@code deis-jvm/<app>} image tags. */
  @Override
  public void destroy(AppName app) {
    delegate.destroy(app);
    runtime.destroyApp(app);
  }

  /** Ends the event stream and closes the Docker client when the builder made it. Containers keep running. */
  @Override
  public void close() {
    delegate.close();
  }

  /** Options of a {@link DockerScheduler}; every one has a default. */
  public static final class Builder {
    private DockerClient client;
    private String dockerHost;
    private String stackImage = DEFAULT_STACK_IMAGE;
    private int defaultPort = DEFAULT_PORT;
    private RuntimeScheduler.Options options = RuntimeScheduler.Options.defaults();
    private Duration pullTimeout = Duration.ofMinutes(2);
    private Duration buildTimeout = Duration.ofMinutes(15);

    private Builder() {}

    /** The Docker client to use, left open by {@link DockerScheduler#close()}; by default one is made from the environment. */
    public Builder dockerClient(DockerClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** The daemon to connect to, such as {@code unix:///var/run/docker.sock} or {@code tcp://host:2375}, instead of DOCKER_HOST. */
    public Builder dockerHost(String uri) {
      if (uri == null || !uri.matches("(unix|tcp|npipe)://.+")) {
        throw new InvalidInputException("Docker host '" + uri + "' is not a unix://, tcp:// or npipe:// address");
      }
      this.dockerHost = uri;
      return this;
    }

    /** The image Procfile builds are copied onto ({@code /app}); its {@code /bin/sh} runs each command. */
    public Builder stackImage(String image) {
      if (image == null || image.isBlank()) {
        throw new InvalidInputException("stack image is empty: name an image such as " + DEFAULT_STACK_IMAGE);
      }
      this.stackImage = image;
      return this;
    }

    /** The PORT containers get when the app's config does not set one; 5000 as on Deis. */
    public Builder defaultPort(int port) {
      if (port < 1 || port > 65535) {
        throw new InvalidInputException("default port " + port + " is not a port number from 1 to 65535");
      }
      this.defaultPort = port;
      return this;
    }

    public Builder options(RuntimeScheduler.Options options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /** How long pulling a missing image may take before its build fails. */
    public Builder pullTimeout(Duration timeout) {
      this.pullTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** How long a {@code docker build} may take before its build fails. */
    public Builder buildTimeout(Duration timeout) {
      this.buildTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Connects (DOCKER_HOST, else the default socket, unless a client was given) and adopts the
     * daemon's existing Deis containers.
     *
     * @throws SchedulerException when no Docker daemon answers
     */
    public DockerScheduler build() {
      boolean owns = client == null;
      DockerClientConfig config = clientConfig(dockerHost);
      DockerClient docker = owns ? newClient(config) : client;
      String where = owns ? config.getDockerHost().toString() : "the given Docker client";
      try {
        docker.pingCmd().exec();
      } catch (RuntimeException e) {
        if (owns) {
          closeQuietly(docker);
        }
        throw new SchedulerException("no Docker daemon answers at " + where + ": start one or set DOCKER_HOST ("
            + rootMessage(e) + ")", e);
      }
      // Container addresses are reachable from the host only where the daemon runs on this Linux host itself;
      // a given client's address is unknown, and an unreachable address is detected on the first check anyway.
      boolean local = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
          && (!owns || "unix".equals(config.getDockerHost().getScheme()));
      DockerRuntime runtime = new DockerRuntime(docker, owns, stackImage, defaultPort, pullTimeout, buildTimeout,
          options.deployTimeout(), local);
      try {
        return new DockerScheduler(runtime, options);
      } catch (RuntimeException e) {
        runtime.close();
        throw e;
      }
    }
  }

  /** The standard configuration (DOCKER_HOST, DOCKER_TLS_VERIFY, ~/.docker), with {@code host} instead of DOCKER_HOST when given. */
  static DockerClientConfig clientConfig(String host) {
    DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder();
    if (host != null) {
      config.withDockerHost(host);
    }
    return config.build();
  }

  /** A client of {@code config} over the zerodep transport. */
  static DockerClient newClient(DockerClientConfig config) {
    ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .connectionTimeout(Duration.ofSeconds(5))
        // No response timeout: the event stream and waits for one-off runs stay open for as long as they need.
        .maxConnections(128)
        .build();
    return DockerClientImpl.getInstance(config, http);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  private static void closeQuietly(DockerClient docker) {
    try {
      docker.close();
    } catch (IOException e) {
      // nothing to release then
    }
  }
}
