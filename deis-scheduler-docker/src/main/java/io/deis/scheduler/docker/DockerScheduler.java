package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
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
import io.deis.scheduler.ContainerRuntime;
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
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The Deis scheduler on a Docker daemon: apps run as Docker containers named
 * {@code deis-jvm-<installation>-app_v2.web.1}, labelled with installation, app, release, type and
 * number, on one user-defined network per app, with a pids limit, {@code no-new-privileges}, a
 * reduced capability set and a default memory limit. The state machine, rolling deploys and
 * reconciliation are core's {@link RuntimeScheduler}; this class adds the Docker runtime under it
 * and removes an app's network and images when the app is destroyed.
 *
 * <pre>{@code
 * Scheduler scheduler = DockerScheduler.builder().build();   // DOCKER_HOST, else the default socket
 * Build built = scheduler.imageBuilder().build(build, System.out::println);
 * scheduler.deploy(release, Formation.parse("web=2 worker=1"));
 * }</pre>
 *
 * <p>A scheduler sees only its installation's Docker objects: a new one started for the same
 * installation (a restarted controller on the same store) adopts them as they are, and the
 * controller's reconcile keeps those of each app's current release; another installation on the
 * same daemon is never listed, adopted or removed.
 */
public final class DockerScheduler implements Scheduler {
  /** The default of {@link Builder#outputLimit}: 1 MiB. */
  public static final int DEFAULT_OUTPUT_LIMIT = 1 << 20;
  /** The default of {@link Builder#logLinesLimit}. */
  public static final int DEFAULT_LOG_LINES_LIMIT = 10_000;
  /** The stack image Procfile builds run on unless the builder names another. */
  public static final String DEFAULT_STACK_IMAGE = "heroku/heroku:24";

  private final DockerRuntime runtime;
  private final RuntimeScheduler delegate;

  private DockerScheduler(DockerRuntime runtime, UnaryOperator<ContainerRuntime> wrapper, RuntimeScheduler.Options options) {
    this.runtime = runtime;
    this.delegate = new RuntimeScheduler(wrapper.apply(runtime), options);
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
  public void removeListener(SchedulerListener listener) {
    delegate.removeListener(listener);
  }

  @Override
  public Optional<Duration> reconcile(Release release, Formation formation) {
    return delegate.reconcile(release, formation);
  }

  /** The apps this installation has containers, a network or image tags of. */
  @Override
  public Set<AppName> apps() {
    Set<AppName> apps = new TreeSet<>(delegate.apps());
    apps.addAll(runtime.appsWithResources());
    return apps;
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
    private RuntimeScheduler.Options options = RuntimeScheduler.Options.defaults();
    private Duration pullTimeout = Duration.ofMinutes(2);
    private Duration buildTimeout = Duration.ofMinutes(15);
    private long pidsLimit = ContainerIsolation.DEFAULT_PIDS_LIMIT;
    private Set<Capability> capabilities = ContainerIsolation.DEFAULT_CAPABILITIES;
    private boolean noNewPrivileges = true;
    private long defaultMemoryBytes = ContainerIsolation.DEFAULT_MEMORY_BYTES;
    private boolean allowRemoteAdd;
    private int outputLimit = DEFAULT_OUTPUT_LIMIT;
    private int logLinesLimit = DEFAULT_LOG_LINES_LIMIT;
    private UnaryOperator<ContainerRuntime> runtimeWrapper = UnaryOperator.identity();

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

    public Builder options(RuntimeScheduler.Options options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /** How long pulling a missing image may take before its build fails; default 2 minutes, 1 second to 1 hour. */
    public Builder pullTimeout(Duration timeout) {
      this.pullTimeout = between("pullTimeout", timeout, Duration.ofSeconds(1), Duration.ofHours(1));
      return this;
    }

    /** How long a {@code docker build} may take before its build fails; default 15 minutes, 1 second to 6 hours. */
    public Builder buildTimeout(Duration timeout) {
      this.buildTimeout = between("buildTimeout", timeout, Duration.ofSeconds(1), Duration.ofHours(6));
      return this;
    }

    /**
     * The most processes (threads included) one container may have, so that a fork bomb stays in
     * its container; default {@value ContainerIsolation#DEFAULT_PIDS_LIMIT}, 16 to 4,194,304.
     */
    public Builder pidsLimit(long limit) {
      this.pidsLimit = between("pidsLimit", limit, 16, 4_194_304);
      return this;
    }

    /**
     * The Linux capabilities containers keep; all others are dropped. Names as Docker spells them
     * ({@code NET_BIND_SERVICE}, with or without {@code CAP_}). Default: CHOWN, DAC_OVERRIDE,
     * FOWNER, FSETID, KILL, NET_BIND_SERVICE, SETGID, SETUID (Docker's own default set without
     * NET_RAW, MKNOD, AUDIT_WRITE, SETFCAP, SETPCAP and SYS_CHROOT).
     */
    public Builder capabilities(Set<String> names) {
      if (names == null) {
        throw new InvalidInputException("capabilities are null: name a set such as " + sorted(ContainerIsolation.DEFAULT_CAPABILITIES)
            + ", or an empty set for none");
      }
      Set<Capability> chosen = EnumSet.noneOf(Capability.class);
      for (String name : names) {
        String bare = name == null ? "" : name.strip().toUpperCase(Locale.ROOT).replaceFirst("^CAP_", "");
        try {
          Capability capability = Capability.valueOf(bare);
          if (capability == Capability.ALL) {
            throw new IllegalArgumentException();
          }
          chosen.add(capability);
        } catch (IllegalArgumentException e) {
          throw new InvalidInputException("capability '" + name + "' is not a Linux capability Docker knows: use names such as "
              + sorted(ContainerIsolation.DEFAULT_CAPABILITIES));
        }
      }
      this.capabilities = chosen;
      return this;
    }

    /** Whether containers run with {@code no-new-privileges} (setuid binaries gain nothing); default true. */
    public Builder noNewPrivileges(boolean enabled) {
      this.noNewPrivileges = enabled;
      return this;
    }

    /**
     * The memory limit of a container whose app sets none with {@code limits:set}; default 512 MiB,
     * 6 MiB (Docker's least) to 1 TiB.
     */
    public Builder defaultMemoryLimit(long bytes) {
      this.defaultMemoryBytes = between("defaultMemoryLimit", bytes, 6L << 20, 1L << 40);
      return this;
    }

    /** Whether a Dockerfile may {@code ADD} from a URL (the build fetches from the network); default false. */
    public Builder allowRemoteAdd(boolean allowed) {
      this.allowRemoteAdd = allowed;
      return this;
    }

    /**
     * The most bytes of a one-off run's output, and of one container's log, read into memory: the
     * tail is kept (a run's output says how much was cut); default 1 MiB, 1 KiB to 64 MiB.
     */
    public Builder outputLimit(int bytes) {
      this.outputLimit = (int) between("outputLimit", bytes, 1024, 64 << 20);
      return this;
    }

    /** The most log lines read from one container, whatever a caller asks for; default 10,000, 1 to 1,000,000. */
    public Builder logLinesLimit(int lines) {
      this.logLinesLimit = (int) between("logLinesLimit", lines, 1, 1_000_000);
      return this;
    }

    /** For tests: wraps the Docker runtime the scheduler drives (a fault-injecting runtime). */
    Builder runtimeWrapper(UnaryOperator<ContainerRuntime> wrapper) {
      this.runtimeWrapper = Objects.requireNonNull(wrapper, "wrapper");
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
      ContainerIsolation isolation = new ContainerIsolation(pidsLimit, capabilities, noNewPrivileges, defaultMemoryBytes);
      DockerRuntime runtime = new DockerRuntime(docker, owns, new DockerRuntime.Settings(stackImage, pullTimeout, buildTimeout,
          options.deployTimeout(), local, isolation, allowRemoteAdd, outputLimit, logLinesLimit));
      try {
        return new DockerScheduler(runtime, runtimeWrapper, options);
      } catch (RuntimeException e) {
        runtime.close();
        throw e;
      }
    }
  }

  private static long between(String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidInputException(option + " " + value + " is out of range: use " + min + " to " + max);
    }
    return value;
  }

  private static Duration between(String option, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidInputException(option + " " + value + " is out of range: use " + min + " to " + max);
    }
    return value;
  }

  private static String sorted(Set<Capability> capabilities) {
    return capabilities.stream().map(Enum::name).sorted().toList().toString();
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
