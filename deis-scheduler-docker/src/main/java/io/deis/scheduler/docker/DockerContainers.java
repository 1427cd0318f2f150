package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Endpoint;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeContainer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker container operations, one call each, with the installation's rules built in: every
 * container is made with the {@link ContainerIsolation} limits, only containers with the
 * installation's labels are ever replaced, and a container whose app network was removed behind
 * this runtime's back gets the network back.
 */
final class DockerContainers {
  private static final Logger log = LoggerFactory.getLogger(DockerContainers.class);
  static final String LOOPBACK = "127.0.0.1";

  private final DockerClient docker;
  private final ContainerIsolation isolation;
  private final AppNetworks networks;
  private final DockerEvents events;
  private final Map<String, String> installationLabels;
  private final Duration listenTimeout;
  /** True when container addresses on bridge networks are reachable from here: a local daemon on Linux. */
  private final boolean bridgeReachable;

  DockerContainers(DockerClient docker, ContainerIsolation isolation, AppNetworks networks, DockerEvents events,
      DockerNames names, Duration listenTimeout, boolean bridgeReachable) {
    this.docker = docker;
    this.isolation = isolation;
    this.networks = networks;
    this.events = events;
    this.installationLabels = Labels.forInstallation(names.installation());
    this.listenTimeout = listenTimeout;
    this.bridgeReachable = bridgeReachable;
  }

  ContainerIsolation isolation() {
    return isolation;
  }

  /** Creates the Docker container of {@code t} and returns its Docker id; a leftover of this installation of the same name is replaced. */
  String create(ContainerTemplate t) {
    ExposedPort port = ExposedPort.tcp(t.port());
    HostConfig host = isolation.apply(HostConfig.newHostConfig(), t.memory())
        .withNetworkMode(t.network())
        // An init as PID 1 passes SIGTERM on and reaps zombies, so that a stop does not wait out its grace.
        .withInit(true)
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
      Optional<InspectContainerResponse> stale = inspect(t.name());
      if (stale.isPresent() && ours(stale.get())) {
        log.info("replacing leftover container {}", t.name());
        remove(stale.get());
        return cmd.exec().getId();
      }
      throw new SchedulerException("cannot create container " + t.name() + ": " + e.getMessage(), e);
    } catch (NotFoundException e) {
      if (String.valueOf(e.getMessage()).contains("network")) {
        // The app's network was removed behind this runtime's back: make it again, once.
        AppName app = AppName.of(t.labels().get(Labels.APP));
        networks.forget(app);
        networks.ensure(app);
        return cmd.exec().getId();
      }
      throw new SchedulerException("cannot create container " + t.name() + ": " + e.getMessage(), e);
    }
  }

  /** Starts the created container of {@code t}; when the app's network was removed meanwhile, makes it and the container again. */
  void start(ContainerTemplate t) {
    try {
      docker.startContainerCmd(t.name()).exec();
    } catch (NotFoundException e) {
      if (!String.valueOf(e.getMessage()).contains("network")) {
        throw e;
      }
      log.info("network {} of {} is gone: making it again", t.network(), t.name());
      AppName app = AppName.of(t.labels().get(Labels.APP));
      networks.forget(app);
      networks.ensure(app);
      removeById(t.name());
      create(t);
      docker.startContainerCmd(t.name()).exec();
    }
  }

  /** Removes the container; its exit, when it runs, is one this runtime asked for. */
  void remove(InspectContainerResponse c) {
    if (Boolean.TRUE.equals(c.getState().getRunning())) {
      events.expectStop(c.getId());
    }
    removeById(c.getId());
  }

  /** Removes the container by Docker id or name, running or not; nothing when it is gone already. */
  void removeById(String idOrName) {
    try {
      docker.removeContainerCmd(idOrName).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (com.github.dockerjava.api.exception.ConflictException e) {
      if (!String.valueOf(e.getMessage()).contains("already in progress")) {
        throw e;
      }
    }
  }

  /** The container of that name or id, when it exists and belongs to this installation. */
  Optional<InspectContainerResponse> inspect(String idOrName) {
    try {
      InspectContainerResponse c = docker.inspectContainerCmd(idOrName).exec();
      return ours(c) ? Optional.of(c) : Optional.empty();
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private boolean ours(InspectContainerResponse c) {
    Map<String, String> labels = c.getConfig() == null || c.getConfig().getLabels() == null ? Map.of() : c.getConfig().getLabels();
    return installationLabels.entrySet().stream().allMatch(l -> l.getValue().equals(labels.get(l.getKey())));
  }

  static RuntimeContainer describe(InspectContainerResponse c) {
    var state = c.getState();
    boolean running = Boolean.TRUE.equals(state.getRunning());
    OptionalInt exit = running || "created".equals(state.getStatus()) || state.getExitCodeLong() == null
        ? OptionalInt.empty() : OptionalInt.of(state.getExitCodeLong().intValue());
    Optional<Endpoint> endpoint = Optional.empty();
    if (running && c.getNetworkSettings() != null && c.getNetworkSettings().getPorts() != null) {
      endpoint = c.getNetworkSettings().getPorts().getBindings().values().stream()
          .filter(Objects::nonNull)
          .flatMap(Arrays::stream)
          .filter(b -> LOOPBACK.equals(b.getHostIp()) && b.getHostPortSpec() != null && !b.getHostPortSpec().isEmpty())
          .map(b -> new Endpoint(LOOPBACK, Integer.parseInt(b.getHostPortSpec())))
          .findFirst();
    }
    String name = c.getName().startsWith("/") ? c.getName().substring(1) : c.getName();
    Map<String, String> labels = c.getConfig().getLabels() == null ? Map.of() : c.getConfig().getLabels();
    return new RuntimeContainer(name, labels, running, exit, endpoint);
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
  void awaitListening(ContainerTemplate t) {
    if (!t.publish() || !bridgeReachable) {
      return;
    }
    Instant deadline = Instant.now().plus(listenTimeout);
    String ip = null;
    Instant nextInspect = Instant.MIN;
    while (true) {
      if (Instant.now().isAfter(nextInspect)) {
        Optional<InspectContainerResponse> c = inspect(t.name());
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
        log.debug("{}: {} is not reachable from this host ({}); readiness is left to the published port", t.name(), ip, e.toString());
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new SchedulerException("container " + t.name() + " did not listen on PORT " + t.port() + " within "
            + listenTimeout.toSeconds() + "s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchedulerException("interrupted while waiting for " + t.name() + " to listen on PORT " + t.port());
      }
    }
  }
}
