package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.google.common.util.concurrent.Striped;
import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Installation;
import io.deis.model.Build;
import io.deis.model.Endpoint;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeContainer;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ContainerRuntime} on a Docker daemon. {@link io.deis.scheduler.RuntimeScheduler} drives
 * it; this class only creates, starts, stops and inspects one container at a time.
 *
 * <p><b>Ids.</b> A container's id is its Docker name, Deis's job name ({@code myapp_v2.web.1}),
 * not the Docker container id: the glossary's ephemeral filesystem means that every start after
 * a stop runs a brand-new Docker container, and the scheduler needs one id for all of them.
 *
 * <p><b>Stop removes.</b> {@link #stop} stops the Docker container and removes it, so its
 * filesystem is gone; {@link #start} then creates a fresh one from the same template (image,
 * command, env, limits, network), kept in memory from {@link #create}, or read back from the
 * Docker container when this JVM did not create it (adoption). Consequence, by choice: a
 * container this runtime stopped no longer exists in Docker, so {@link #inspect} and
 * {@link #list} do not return it; only running, crashed (exited) and created containers are
 * listed. Its last log lines are kept in memory so that {@link #logs} still shows them.
 *
 * <p><b>Exits.</b> Crashes are read from the daemon's event stream ({@code die} events of
 * containers with the heritage label), never by polling; stops this runtime asked for are
 * recognised by Docker container id and not reported.
 *
 * <p><b>Network.</b> Each app has a user-defined bridge network {@code deis-jvm-<app>}; a
 * container joins it with its process type as alias, so {@code worker} reaches {@code web} by name
 * and Docker's DNS balances between all web containers.
 */
final class DockerRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);
  static final String NETWORK_PREFIX = "deis-jvm-";
  private static final String LOOPBACK = "127.0.0.1";
  /** How many log lines of a container's earlier runs are kept after its Docker container is removed. */
  private static final int KEPT_LOG_LINES = 1000;

  private final DockerClient docker;
  private final boolean ownsClient;
  private final DockerImageBuilder imageBuilder;
  private final int defaultPort;
  private final Duration listenTimeout;
  /** True when container addresses on bridge networks are reachable from here: a local daemon on Linux. */
  private final boolean bridgeReachable;
  private final Map<String, Template> templates = new ConcurrentHashMap<>();
  private final Map<String, Deque<LogLine>> earlierLogs = new ConcurrentHashMap<>();
  /** Docker container ids this runtime is stopping or removing: their die events are not crashes. */
  private final Set<String> requestedStops = ConcurrentHashMap.newKeySet();
  /** Containers created by {@link #create} and not started yet: their first start needs no inspect. */
  private final Set<String> neverStarted = ConcurrentHashMap.newKeySet();
  private final Map<String, String> releaseImages = new ConcurrentHashMap<>();
  private final Map<AppName, String> networks = new ConcurrentHashMap<>();
  private final Striped<Lock> locks = Striped.lock(64);
  private final List<ExitListener> exitListeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deis-docker-events");
    t.setDaemon(true);
    return t;
  });
  private final long startedNanos = Instant.now().toEpochMilli() * 1_000_000L;
  private volatile long lastEventNanos;
  private volatile Closeable events;
  private volatile boolean closed;
  private volatile Installation installation;

  DockerRuntime(DockerClient docker, boolean ownsClient, String stackImage, int defaultPort, Duration pullTimeout,
      Duration buildTimeout, Duration listenTimeout, boolean bridgeReachable) {
    this.docker = docker;
    this.ownsClient = ownsClient;
    this.defaultPort = defaultPort;
    this.listenTimeout = listenTimeout;
    this.bridgeReachable = bridgeReachable;
    this.imageBuilder = new DockerImageBuilder(docker, stackImage, pullTimeout, buildTimeout);
    this.lastEventNanos = startedNanos;
    subscribe();
  }

  @Override
  public void start(Installation installation) {
    this.installation = installation;
    imageBuilder.installation(installation);
  }

  @Override
  public ImageBuilder imageBuilder() {
    return imageBuilder;
  }

  // ---------------------------------------------------------------- lifecycle of one container

  @Override
  public String create(ContainerSpec spec) {
    Template template = template(spec, spec.name(), spec.type().receivesTraffic());
    Lock lock = locks.get(spec.name());
    lock.lock();
    try {
      templates.put(spec.name(), template);
      createContainer(template);
      neverStarted.add(spec.name());
      return spec.name();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Starts the container and, for one that publishes PORT, returns only once its process listens
   * (see {@link #awaitListening}).
   */
  @Override
  public void start(String id) {
    if (startLocked(id)) {
      awaitListening(id);
    }
  }

  /** Starts the container; false when it was running already. */
  private boolean startLocked(String id) {
    Lock lock = locks.get(id);
    lock.lock();
    try {
      if (neverStarted.remove(id)) {
        try {
          startDocker(id);
          return true;
        } catch (NotFoundException e) {
          // removed behind this runtime's back: created again below
        }
      }
      Optional<InspectContainerResponse> existing = inspectDocker(id);
      if (existing.isPresent()) {
        InspectContainerResponse c = existing.get();
        if (Boolean.TRUE.equals(c.getState().getRunning())) {
          return false;
        }
        Template template = templates.computeIfAbsent(id, x -> Template.of(c));
        if (!"created".equals(c.getState().getStatus())) {
          // It ran before (crashed, or exited): its filesystem is not fresh any more.
          keepLogs(id);
          remove(c.getId());
          createContainer(template);
        }
      } else {
        Template template = templates.get(id);
        if (template == null) {
          throw new io.deis.error.NotFoundException("no Docker container " + id + " to start, and this runtime did not create it");
        }
        createContainer(template);
      }
      startDocker(id);
      return true;
    } catch (NotModifiedException e) {
      return false; // started by a concurrent call already
    } catch (DockerException e) {
      throw new SchedulerException("cannot start container " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the process of a container that publishes PORT listens on it. Needed because
   * Docker's userland proxy accepts connections on the published loopback port as soon as the
   * container runs, listening app or not, so the scheduler's "web accepts TCP" readiness would
   * pass at once and a rolling deploy could stop the old containers before the new ones serve.
   * The check connects to the container's own address on the app network, which a Linux host
   * reaches directly. It ends early when the container stops running (the scheduler hears of
   * that from the event stream), and is skipped where that address is not reachable (Docker
   * Desktop, a remote daemon): a connection that neither succeeds nor is refused.
   *
   * @throws SchedulerException when nothing listens within the deploy timeout
   */
  private void awaitListening(String id) {
    Template t = templates.get(id);
    if (t == null || !t.publish() || !bridgeReachable) {
      return;
    }
    Instant deadline = Instant.now().plus(listenTimeout);
    String ip = null;
    Instant nextInspect = Instant.MIN;
    while (true) {
      if (Instant.now().isAfter(nextInspect)) {
        Optional<InspectContainerResponse> c = inspectDocker(id);
        if (c.isEmpty() || !Boolean.TRUE.equals(c.get().getState().getRunning())) {
          return;
        }
        var network = c.get().getNetworkSettings().getNetworks().get(t.network());
        ip = network == null || network.getIpAddress() == null || network.getIpAddress().isEmpty() ? null : network.getIpAddress();
        if (ip == null) {
          return;
        }
        nextInspect = Instant.now().plusMillis(500);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(ip, t.port()), 1000);
        return;
      } catch (ConnectException e) {
        // refused: the address is reachable and nothing listens yet
      } catch (IOException e) {
        log.debug("{}: {} is not reachable from this host ({}); readiness is left to the published port", id, ip, e.toString());
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new SchedulerException("container " + id + " did not listen on PORT " + t.port() + " within "
            + listenTimeout.toSeconds() + "s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchedulerException("interrupted while waiting for " + id + " to listen on PORT " + t.port());
      }
    }
  }

  @Override
  public void stop(String id, Duration grace) {
    Lock lock = locks.get(id);
    lock.lock();
    try {
      Optional<InspectContainerResponse> existing = inspectDocker(id);
      if (existing.isEmpty()) {
        return;
      }
      InspectContainerResponse c = existing.get();
      templates.computeIfAbsent(id, x -> Template.of(c)); // a later start needs it once the container is gone
      if (Boolean.TRUE.equals(c.getState().getRunning())) {
        requestedStops.add(c.getId());
        try {
          docker.stopContainerCmd(c.getId()).withTimeout((int) Math.max(0, (grace.toMillis() + 999) / 1000)).exec();
        } catch (NotModifiedException | NotFoundException e) {
          // it ended meanwhile
        }
      }
      keepLogs(id);
      remove(c.getId());
    } catch (DockerException e) {
      throw new SchedulerException("cannot stop container " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void destroy(String id) {
    Lock lock = locks.get(id);
    lock.lock();
    try {
      inspectDocker(id).ifPresent(c -> {
        requestedStops.add(c.getId());
        remove(c.getId());
      });
      templates.remove(id);
      earlierLogs.remove(id);
      neverStarted.remove(id);
    } catch (DockerException e) {
      throw new SchedulerException("cannot remove container " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<RuntimeContainer> inspect(String id) {
    return inspectDocker(id).map(DockerRuntime::describe);
  }

  /** Every container with {@code labels} that exists in Docker; one-off {@code run} containers are never listed. */
  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
    List<RuntimeContainer> found = new ArrayList<>();
    for (com.github.dockerjava.api.model.Container c
        : docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec()) {
      if (ProcessType.RUN.value().equals(c.getLabels().get(Labels.TYPE)) || c.getNames() == null || c.getNames().length == 0) {
        continue;
      }
      inspectDocker(c.getNames()[0].substring(1)).map(DockerRuntime::describe).ifPresent(found::add);
    }
    return found;
  }

  /** The last {@code lines} lines of the container, including those of its earlier (removed) Docker containers. */
  @Override
  public List<LogLine> logs(String id, int lines) {
    if (lines <= 0) {
      return List.of();
    }
    List<LogLine> all = new ArrayList<>();
    Deque<LogLine> earlier = earlierLogs.get(id);
    if (earlier != null) {
      synchronized (earlier) {
        all.addAll(earlier);
      }
    }
    all.addAll(timedLogs(id, lines));
    return all.size() <= lines ? all : List.copyOf(all.subList(all.size() - lines, all.size()));
  }

  @Override
  public RunResult run(ContainerSpec spec, Duration timeout) {
    // A suffix keeps run containers of two controllers (each counting from 1) apart.
    String name = spec.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
    Template template = template(spec, name, false);
    String command = spec.command().orElse("the image's command");
    String dockerId = null;
    try {
      dockerId = createContainer(template);
      docker.startContainerCmd(dockerId).exec();
      int exitCode;
      try {
        exitCode = docker.waitContainerCmd(dockerId).exec(new WaitContainerResultCallback())
            .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (DockerClientException e) {
        throw new SchedulerException("'" + command + "' did not finish within " + timeout.toSeconds() + "s and was stopped");
      }
      return new RunResult(exitCode, String.join("\n", dockerLogs(dockerId, -1, false)));
    } catch (DockerException e) {
      throw new SchedulerException("cannot run '" + command + "' for " + spec.name() + ": " + e.getMessage(), e);
    } finally {
      if (dockerId != null) {
        try {
          remove(dockerId);
        } catch (DockerException e) {
          log.warn("could not remove run container {}: {}", name, e.getMessage());
        }
      }
    }
  }

  @Override
  public void addExitListener(ExitListener listener) {
    exitListeners.add(listener);
  }

  /** Ends the event stream and, when this runtime made the client, the connection. Containers keep running. */
  @Override
  public void close() {
    closed = true;
    reconnects.shutdownNow();
    closeQuietly(events);
    if (ownsClient) {
      closeQuietly(docker);
    }
  }

  // ---------------------------------------------------------------- app resources

  /**
   * Removes what the app has beyond its containers: leftover containers (also one-off runs), its
   * network and every {@code deis-jvm/<app>} image tag. The image data itself goes when no other tag
   * (a stack or user image) still names it.
   */
  void destroyApp(AppName app) {
    for (var c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Labels.forApp(installation, app)).exec()) {
      requestedStops.add(c.getId());
      remove(c.getId());
    }
    networks.remove(app);
    for (Network n : docker.listNetworksCmd().withNameFilter(networkName(app)).exec()) {
      if (n.getName().equals(networkName(app))) {
        try {
          docker.removeNetworkCmd(n.getId()).exec();
        } catch (NotFoundException e) {
          // gone already
        }
      }
    }
    String repository = DockerImageBuilder.repository(app);
    for (Image image : docker.listImagesCmd().withReferenceFilter(repository).exec()) {
      for (String tag : image.getRepoTags() == null ? new String[0] : image.getRepoTags()) {
        if (tag.startsWith(repository + ":")) {
          try {
            docker.removeImageCmd(tag).exec();
          } catch (NotFoundException e) {
            // gone already
          } catch (ConflictException e) {
            log.warn("{}: image {} is still in use, left in place: {}", app, tag, e.getMessage());
          }
        }
      }
    }
    releaseImages.keySet().removeIf(k -> k.startsWith(repository + ":"));
    templates.keySet().removeIf(k -> k.startsWith(app.value() + "_v"));
    neverStarted.removeIf(k -> k.startsWith(app.value() + "_v"));
    earlierLogs.keySet().removeIf(k -> k.startsWith(app.value() + "_v"));
  }

  static String networkName(AppName app) {
    return NETWORK_PREFIX + app.value();
  }

  // ---------------------------------------------------------------- docker helpers

  /** What to run for a container, whoever created it: enough to create the same container again. */
  record Template(String name, String image, List<String> entrypoint, List<String> cmd, List<String> env,
      Map<String, String> labels, Long memory, Integer cpuShares, String network, String alias, int port,
      boolean publish) {

    /** Reads the template back from an existing container: adoption by a controller that did not create it. */
    static Template of(InspectContainerResponse c) {
      var config = c.getConfig();
      Map<String, String> labels = config.getLabels() == null ? Map.of() : config.getLabels();
      String type = labels.getOrDefault(Labels.TYPE, "");
      List<String> env = config.getEnv() == null ? List.of() : Arrays.asList(config.getEnv());
      int port = env.stream().filter(e -> e.startsWith("PORT=")).map(e -> e.substring(5)).mapToInt(Integer::parseInt)
          .findFirst().orElse(5000);
      HostConfig host = c.getHostConfig();
      Long memory = host.getMemory() == null || host.getMemory() == 0 ? null : host.getMemory();
      Integer cpu = host.getCpuShares() == null || host.getCpuShares() == 0 ? null : host.getCpuShares();
      boolean publish = !type.isEmpty() && ProcessType.of(type).receivesTraffic();
      return new Template(c.getName().startsWith("/") ? c.getName().substring(1) : c.getName(), config.getImage(),
          config.getEntrypoint() == null ? null : List.of(config.getEntrypoint()),
          config.getCmd() == null ? null : List.of(config.getCmd()), env, labels, memory, cpu, host.getNetworkMode(),
          type, port, publish);
    }
  }

  private Template template(ContainerSpec spec, String name, boolean publish) {
    Build build = spec.build();
    String built = build.image().orElseThrow(() -> new SchedulerException("build " + build.uuid() + " of " + build.app()
        + " has no image: run it through DockerScheduler.imageBuilder() before deploying it"));
    AppName app = build.app();
    String release = spec.labels().getOrDefault(Labels.RELEASE, "0");
    String image = releaseImage(app, release, built);
    Map<String, String> env = new TreeMap<>(spec.env());
    String portValue = env.computeIfAbsent("PORT", k -> Integer.toString(defaultPort));
    int port;
    try {
      port = Integer.parseInt(portValue.strip());
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new InvalidInputException("config PORT of " + app + " is '" + portValue + "': it must be a port number from 1 to 65535");
    }
    List<String> envList = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    List<String> entrypoint = spec.command().map(c -> List.of("/bin/sh", "-c")).orElse(null);
    List<String> cmd = spec.command().map(List::of).orElse(null);
    return new Template(name, image, entrypoint, cmd, envList, spec.labels(), spec.memoryBytes().orElse(null),
        spec.cpuShares().orElse(null), ensureNetwork(app), spec.type().value(), port, publish);
  }

  /** Tags the build's image {@code deis-jvm/<app>:v<release>} once per release, so images are named per app and release. */
  private String releaseImage(AppName app, String release, String built) {
    String tag = DockerImageBuilder.repository(app) + ":v" + release;
    String previous = releaseImages.computeIfAbsent(tag, t -> {
      try {
        docker.tagImageCmd(built, DockerImageBuilder.repository(app), "v" + release).withForce(true).exec();
      } catch (NotFoundException e) {
        throw new SchedulerException("image " + built + " of " + app + " v" + release
            + " is not on this Docker host: build it through DockerScheduler.imageBuilder() first");
      }
      return built;
    });
    if (!previous.equals(built)) {
      // Another build was tagged for this release number (an app of the same name, destroyed and created again).
      docker.tagImageCmd(built, DockerImageBuilder.repository(app), "v" + release).withForce(true).exec();
      releaseImages.put(tag, built);
    }
    return tag;
  }

  private String ensureNetwork(AppName app) {
    return networks.computeIfAbsent(app, a -> {
      String name = networkName(a);
      boolean exists = docker.listNetworksCmd().withNameFilter(name).exec().stream().anyMatch(n -> n.getName().equals(name));
      if (!exists) {
        Map<String, String> labels = new HashMap<>(Labels.forApp(installation, a));
        docker.createNetworkCmd().withName(name).withDriver("bridge").withLabels(labels).withCheckDuplicate(true).exec();
        log.info("{}: created network {}", a, name);
      }
      return name;
    });
  }

  /** Creates the Docker container of {@code t}; a leftover of the same name (a crashed controller's) is replaced. */
  private String createContainer(Template t) {
    ExposedPort port = ExposedPort.tcp(t.port());
    HostConfig host = HostConfig.newHostConfig()
        .withNetworkMode(t.network())
        // An init as PID 1 passes SIGTERM on and reaps zombies, so that a stop does not wait out its grace.
        .withInit(true)
        .withMemory(t.memory())
        .withCpuShares(t.cpuShares());
    if (t.publish()) {
      host.withPortBindings(new PortBinding(Ports.Binding.bindIp(LOOPBACK), port));
    }
    CreateContainerCmd cmd = docker.createContainerCmd(t.image())
        .withName(t.name())
        .withLabels(t.labels())
        .withEnv(t.env())
        .withExposedPorts(port)
        .withHostConfig(host)
        .withAliases(t.alias());
    if (t.entrypoint() != null) {
      cmd.withEntrypoint(t.entrypoint());
    }
    if (t.cmd() != null) {
      cmd.withCmd(t.cmd());
    }
    try {
      return cmd.exec().getId();
    } catch (ConflictException e) {
      Optional<InspectContainerResponse> stale = inspectDocker(t.name());
      if (stale.isPresent() && Labels.HERITAGE_VALUE.equals(stale.get().getConfig().getLabels().get(Labels.HERITAGE))) {
        log.info("replacing leftover container {}", t.name());
        requestedStops.add(stale.get().getId());
        remove(stale.get().getId());
        return cmd.exec().getId();
      }
      throw new SchedulerException("cannot create container " + t.name() + ": " + e.getMessage(), e);
    } catch (NotFoundException e) {
      String app = t.labels().get(Labels.APP);
      if (app != null && String.valueOf(e.getMessage()).contains("network")) {
        // The app's network was removed behind this runtime's back: make it again, once.
        networks.remove(AppName.of(app));
        ensureNetwork(AppName.of(app));
        return cmd.exec().getId();
      }
      throw new SchedulerException("cannot create container " + t.name() + ": " + e.getMessage(), e);
    }
  }

  /** Starts the created container; when the app's network was removed meanwhile, makes it again and the container too. */
  private void startDocker(String id) {
    try {
      docker.startContainerCmd(id).exec();
    } catch (NotFoundException e) {
      Template t = templates.get(id);
      if (t == null || !String.valueOf(e.getMessage()).contains("network")) {
        throw e;
      }
      log.info("network {} of {} is gone: making it again", t.network(), id);
      AppName app = AppName.of(t.labels().get(Labels.APP));
      networks.remove(app);
      ensureNetwork(app);
      remove(id);
      createContainer(t);
      docker.startContainerCmd(id).exec();
    }
  }

  private void remove(String dockerId) {
    try {
      docker.removeContainerCmd(dockerId).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (ConflictException e) {
      if (!String.valueOf(e.getMessage()).contains("already in progress")) {
        throw e;
      }
    }
  }

  private Optional<InspectContainerResponse> inspectDocker(String idOrName) {
    try {
      return Optional.of(docker.inspectContainerCmd(idOrName).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private static RuntimeContainer describe(InspectContainerResponse c) {
    var state = c.getState();
    boolean running = Boolean.TRUE.equals(state.getRunning());
    OptionalInt exit = running || "created".equals(state.getStatus()) || state.getExitCodeLong() == null
        ? OptionalInt.empty() : OptionalInt.of(state.getExitCodeLong().intValue());
    Optional<Endpoint> endpoint = Optional.empty();
    if (running && c.getNetworkSettings() != null && c.getNetworkSettings().getPorts() != null) {
      endpoint = c.getNetworkSettings().getPorts().getBindings().values().stream()
          .filter(b -> b != null)
          .flatMap(Arrays::stream)
          .filter(b -> LOOPBACK.equals(b.getHostIp()) && b.getHostPortSpec() != null && !b.getHostPortSpec().isEmpty())
          .map(b -> new Endpoint(LOOPBACK, Integer.parseInt(b.getHostPortSpec())))
          .findFirst();
    }
    String name = c.getName().startsWith("/") ? c.getName().substring(1) : c.getName();
    Map<String, String> labels = c.getConfig().getLabels() == null ? Map.of() : c.getConfig().getLabels();
    return new RuntimeContainer(name, labels, running, exit, endpoint);
  }

  /** The container's log, its last {@code tail} lines ({@code -1}: all); empty when the container does not exist. */
  /** The container's log lines with the times Docker recorded for them. */
  private List<LogLine> timedLogs(String idOrName, int tail) {
    return dockerLogs(idOrName, tail, true).stream().map(line -> {
      int space = line.indexOf(' ');
      try {
        return LogLine.of(Instant.parse(line.substring(0, space)), line.substring(space + 1));
      } catch (RuntimeException e) {
        return LogLine.of(Instant.EPOCH, line);
      }
    }).toList();
  }

  private List<String> dockerLogs(String idOrName, int tail, boolean timestamps) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      var cmd = docker.logContainerCmd(idOrName).withStdOut(true).withStdErr(true).withTimestamps(timestamps);
      if (tail >= 0) {
        cmd = cmd.withTail(tail);
      }
      cmd.exec(new ResultCallback.Adapter<Frame>() {
        @Override
        public void onNext(Frame frame) {
          synchronized (bytes) {
            bytes.writeBytes(frame.getPayload());
          }
        }
      }).awaitCompletion(30, TimeUnit.SECONDS);
    } catch (NotFoundException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (bytes) {
      return new String(bytes.toByteArray(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  /** Keeps the log of the container's current Docker container before it is removed. */
  private void keepLogs(String id) {
    List<LogLine> lines = timedLogs(id, KEPT_LOG_LINES);
    if (lines.isEmpty()) {
      return;
    }
    Deque<LogLine> kept = earlierLogs.computeIfAbsent(id, x -> new ArrayDeque<>());
    synchronized (kept) {
      kept.addAll(lines);
      while (kept.size() > KEPT_LOG_LINES) {
        kept.removeFirst();
      }
    }
  }

  // ---------------------------------------------------------------- the event stream

  private void subscribe() {
    if (closed) {
      return;
    }
    // Replays from the last event seen, so that a dropped stream loses no exit.
    long since = lastEventNanos / 1_000_000_000L;
    events = docker.eventsCmd()
        .withEventTypeFilter(EventType.CONTAINER)
        .withEventFilter("die")
        .withLabelFilter(Map.of(Labels.HERITAGE, Labels.HERITAGE_VALUE))
        .withSince(Long.toString(since))
        .exec(new ResultCallback.Adapter<Event>() {
          @Override
          public void onNext(Event event) {
            onDie(event);
          }

          @Override
          public void onError(Throwable error) {
            if (!closed) {
              log.warn("Docker event stream failed, reconnecting: {}", error.toString());
              reconnect();
            }
          }

          @Override
          public void onComplete() {
            if (!closed) {
              reconnect();
            }
          }
        });
  }

  private void reconnect() {
    try {
      reconnects.schedule(this::subscribe, 1, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void onDie(Event event) {
    long nanos = event.getTimeNano() == null ? 0 : event.getTimeNano();
    // The replay since a whole second can repeat events already handled, or ones from before this runtime.
    if (nanos <= lastEventNanos) {
      return;
    }
    lastEventNanos = nanos;
    String dockerId = event.getActor() == null ? event.getId() : event.getActor().getId();
    Map<String, String> attributes = event.getActor() == null || event.getActor().getAttributes() == null
        ? Map.of() : event.getActor().getAttributes();
    if (requestedStops.remove(dockerId) || ProcessType.RUN.value().equals(attributes.get(Labels.TYPE))) {
      return;
    }
    String name = attributes.get("name");
    int exitCode;
    try {
      exitCode = Integer.parseInt(attributes.getOrDefault("exitCode", "-1"));
    } catch (NumberFormatException e) {
      exitCode = -1;
    }
    log.debug("container {} ({}) exited with {}", name, dockerId, exitCode);
    for (ExitListener listener : exitListeners) {
      try {
        listener.exited(name, exitCode);
      } catch (RuntimeException e) {
        log.warn("exit listener failed for {}: {}", name, e.toString());
      }
    }
  }

  private static void closeQuietly(Closeable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (IOException | RuntimeException e) {
      log.debug("closing {} failed: {}", closeable, e.toString());
    }
  }
}
