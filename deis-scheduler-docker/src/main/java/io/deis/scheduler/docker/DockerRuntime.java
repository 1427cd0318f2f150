package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.google.common.util.concurrent.Striped;
import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.Labels;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeContainer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ContainerRuntime} on a Docker daemon. {@link io.deis.scheduler.RuntimeScheduler} drives
 * it; this class only creates, starts, stops and inspects one container at a time. The Docker
 * objects it works with are named by {@link DockerNames}, made by {@link DockerContainers},
 * {@link AppNetworks} and {@link ReleaseImages}, their exits heard by {@link DockerEvents} and their
 * output read by {@link DockerLogs}.
 *
 * <p><b>Installation.</b> Until {@link #start(Installation)} binds it, the runtime touches nothing.
 * From then on every container, network and image tag it makes carries the installation id in its
 * name and its labels, and it lists, inspects, replaces and removes only objects with the
 * installation's labels.
 *
 * <p><b>Ids.</b> A container's id is its Docker name ({@code deis-jvm-<installation>-myapp_v2.web.1}),
 * not the Docker container id: the glossary's ephemeral filesystem means that every start after
 * a stop runs a brand-new Docker container, and the scheduler needs one id for all of them.
 *
 * <p><b>Stop removes.</b> {@link #stop} stops the Docker container and removes it, so its
 * filesystem is gone; {@link #start} then creates a fresh one from the same template, kept in
 * memory from {@link #create}, or read back from the Docker container when this JVM did not create
 * it (adoption). Consequence, by choice: a container this runtime stopped no longer exists in
 * Docker, so {@link #inspect} and {@link #list} do not return it; only running, crashed (exited)
 * and created containers are listed. Its last log lines are kept in memory so that {@link #logs}
 * still shows them.
 */
final class DockerRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);

  private final DockerClient docker;
  private final boolean ownsClient;
  private final Settings settings;
  private final DockerImageBuilder imageBuilder;
  private final DockerEvents events;
  private final DockerLogs logs;
  private final Map<String, ContainerTemplate> templates = new ConcurrentHashMap<>();
  /** Containers created by {@link #create} and not started yet: their first start needs no inspect. */
  private final Set<String> neverStarted = ConcurrentHashMap.newKeySet();
  private final Striped<Lock> locks = Striped.lock(64);
  private volatile Bound bound;

  /** The runtime's settings from {@link DockerScheduler.Builder}. */
  record Settings(String stackImage, Duration pullTimeout, Duration buildTimeout, Duration listenTimeout,
      boolean bridgeReachable, ContainerIsolation isolation, boolean allowRemoteAdd, int outputLimit, int logLinesLimit) {}

  /** What exists once the runtime knows its installation. */
  private record Bound(DockerNames names, AppNetworks networks, ReleaseImages images, DockerContainers containers) {}

  DockerRuntime(DockerClient docker, boolean ownsClient, Settings settings) {
    this.docker = docker;
    this.ownsClient = ownsClient;
    this.settings = settings;
    this.imageBuilder = new DockerImageBuilder(docker, settings.stackImage(), settings.pullTimeout(), settings.buildTimeout(),
        settings.allowRemoteAdd());
    this.events = new DockerEvents(docker);
    this.logs = new DockerLogs(docker, settings.logLinesLimit(), settings.outputLimit());
  }

  @Override
  public synchronized void start(Installation installation) {
    if (bound != null) {
      throw new IllegalStateException("the Docker runtime is started already, for installation " + bound.names().installation());
    }
    DockerNames names = new DockerNames(installation);
    AppNetworks networks = new AppNetworks(docker, names);
    DockerContainers containers = new DockerContainers(docker, settings.isolation(), networks, events, names,
        settings.listenTimeout(), settings.bridgeReachable());
    bound = new Bound(names, networks, new ReleaseImages(docker, names), containers);
    imageBuilder.start(names);
    events.start(Labels.forInstallation(installation));
  }

  private Bound bound() {
    Bound b = bound;
    if (b == null) {
      throw new IllegalStateException("the Docker runtime is not started: call start(installation) first (the Controller does)");
    }
    return b;
  }

  @Override
  public ImageBuilder imageBuilder() {
    return imageBuilder;
  }

  // ---------------------------------------------------------------- lifecycle of one container

  @Override
  public String create(ContainerSpec spec) {
    Bound b = bound();
    String id = b.names().container(spec.name());
    ContainerTemplate template = template(b, spec, id, spec.type().receivesTraffic());
    Lock lock = locks.get(id);
    lock.lock();
    try {
      templates.put(id, template);
      b.containers().create(template);
      neverStarted.add(id);
      return id;
    } catch (DockerException e) {
      templates.remove(id);
      throw new SchedulerException("cannot create container " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Starts the container and, for one that publishes PORT, returns only once its process listens. */
  @Override
  public void start(String id) {
    Bound b = bound();
    if (startLocked(b, id)) {
      ContainerTemplate t = templates.get(id);
      if (t != null) {
        b.containers().awaitListening(t);
      }
    }
  }

  /** Starts the container; false when it was running already. */
  private boolean startLocked(Bound b, String id) {
    DockerContainers containers = b.containers();
    Lock lock = locks.get(id);
    lock.lock();
    try {
      ContainerTemplate created = templates.get(id);
      if (neverStarted.remove(id) && created != null) {
        try {
          containers.start(created);
          return true;
        } catch (NotFoundException e) {
          // removed behind this runtime's back: created again below
        }
      }
      Optional<InspectContainerResponse> existing = containers.inspect(id);
      ContainerTemplate template;
      if (existing.isPresent()) {
        InspectContainerResponse c = existing.get();
        if (Boolean.TRUE.equals(c.getState().getRunning())) {
          return false;
        }
        template = templates.computeIfAbsent(id, x -> ContainerTemplate.of(c, containers.isolation()));
        if (!"created".equals(c.getState().getStatus())) {
          // It ran before (crashed, or exited): its filesystem is not fresh any more.
          logs.keep(id);
          containers.remove(c);
          containers.create(template);
        }
      } else {
        template = templates.get(id);
        if (template == null) {
          throw new io.deis.error.NotFoundException("no Docker container " + id + " to start, and this runtime did not create it");
        }
        containers.create(template);
      }
      containers.start(template);
      return true;
    } catch (NotModifiedException e) {
      return false; // started by a concurrent call already
    } catch (DockerException e) {
      throw new SchedulerException("cannot start container " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void stop(String id, Duration grace) {
    DockerContainers containers = bound().containers();
    Lock lock = locks.get(id);
    lock.lock();
    try {
      Optional<InspectContainerResponse> existing = containers.inspect(id);
      if (existing.isEmpty()) {
        return;
      }
      InspectContainerResponse c = existing.get();
      templates.computeIfAbsent(id, x -> ContainerTemplate.of(c, containers.isolation())); // a later start needs it once the container is gone
      if (Boolean.TRUE.equals(c.getState().getRunning())) {
        events.expectStop(c.getId());
        try {
          docker.stopContainerCmd(c.getId()).withTimeout((int) Math.max(0, (grace.toMillis() + 999) / 1000)).exec();
        } catch (NotModifiedException | NotFoundException e) {
          // it ended meanwhile
        }
      }
      logs.keep(id);
      containers.removeById(c.getId());
    } catch (DockerException e) {
      throw new SchedulerException("cannot stop container " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void destroy(String id) {
    DockerContainers containers = bound().containers();
    Lock lock = locks.get(id);
    lock.lock();
    try {
      containers.inspect(id).ifPresent(containers::remove);
      templates.remove(id);
      logs.forget(id);
      neverStarted.remove(id);
    } catch (DockerException e) {
      throw new SchedulerException("cannot remove container " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<RuntimeContainer> inspect(String id) {
    return bound().containers().inspect(id).map(DockerContainers::describe);
  }

  /**
   * Every container of this installation with {@code labels} that exists in Docker; one-off
   * {@code run} containers are never listed.
   */
  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
    Bound b = bound();
    Map<String, String> filter = new TreeMap<>(labels);
    filter.putAll(Labels.forInstallation(b.names().installation()));
    List<RuntimeContainer> found = new ArrayList<>();
    for (var c : docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec()) {
      if (ProcessType.RUN.value().equals(c.getLabels().get(Labels.TYPE)) || c.getNames() == null || c.getNames().length == 0) {
        continue;
      }
      b.containers().inspect(c.getNames()[0].substring(1)).map(DockerContainers::describe).ifPresent(found::add);
    }
    return found;
  }

  /** The last {@code lines} lines of the container (at most the builder's limit), including its earlier (removed) Docker containers'. */
  @Override
  public List<LogLine> logs(String id, int lines) {
    bound();
    return logs.logs(id, lines);
  }

  /** Runs a one-off container to its end; its output is kept to the builder's byte limit, the tail kept and the cut said. */
  @Override
  public RunResult run(ContainerSpec spec, Duration timeout) {
    Bound b = bound();
    String name = b.names().runContainer(spec.name());
    ContainerTemplate template = template(b, spec, name, false);
    String command = spec.command().orElse("the image's command");
    String dockerId = null;
    try {
      dockerId = b.containers().create(template);
      docker.startContainerCmd(dockerId).exec();
      int exitCode;
      try {
        exitCode = docker.waitContainerCmd(dockerId).exec(new WaitContainerResultCallback())
            .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (DockerClientException e) {
        throw new SchedulerException("'" + command + "' did not finish within " + timeout.toSeconds() + "s and was stopped");
      }
      TailBuffer output = logs.read(dockerId, -1);
      List<String> lines = new ArrayList<>(output.lines());
      if (output.cut() > 0) {
        lines.add(0, "[output cut: the first " + output.cut() + " bytes are not shown, only the last "
            + settings.outputLimit() + " bytes are kept]");
      }
      return new RunResult(exitCode, String.join("\n", lines));
    } catch (DockerException e) {
      throw new SchedulerException("cannot run '" + command + "' for " + spec.name() + ": " + e.getMessage(), e);
    } finally {
      if (dockerId != null) {
        try {
          b.containers().removeById(dockerId);
        } catch (DockerException e) {
          log.warn("could not remove run container {}: {}", name, e.getMessage());
        }
      }
    }
  }

  @Override
  public void addExitListener(ExitListener listener) {
    events.addListener(listener);
  }

  /** Ends the event stream and, when this runtime made the client, the connection. Containers keep running. */
  @Override
  public void close() {
    events.close();
    if (ownsClient) {
      try {
        docker.close();
      } catch (IOException e) {
        log.debug("closing the Docker client failed: {}", e.toString());
      }
    }
  }

  // ---------------------------------------------------------------- app resources

  /**
   * Removes what the app has beyond its containers: leftover containers of this installation (also
   * one-off runs), its network and every image tag of its repository. The image data itself goes
   * when no other tag (a stack or user image) still names it.
   */
  void destroyApp(AppName app) {
    Bound b = bound();
    for (var c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Labels.forApp(b.names().installation(), app)).exec()) {
      b.containers().inspect(c.getId()).ifPresent(b.containers()::remove);
    }
    b.networks().remove(app);
    b.images().removeAll(app);
    String prefix = b.names().container(app.value() + "_v");
    templates.keySet().removeIf(k -> k.startsWith(prefix));
    neverStarted.removeIf(k -> k.startsWith(prefix));
    logs.forgetAll(k -> k.startsWith(prefix));
  }

  /** The apps this installation has a network or an image tag of (containers are the scheduler's to list). */
  Set<AppName> appsWithResources() {
    Bound b = bound();
    Set<AppName> apps = new TreeSet<>(b.networks().apps());
    apps.addAll(b.images().apps());
    return apps;
  }

  // ---------------------------------------------------------------- templates

  private ContainerTemplate template(Bound b, ContainerSpec spec, String name, boolean publish) {
    Build build = spec.build();
    String built = build.image().orElseThrow(() -> new SchedulerException("build " + build.uuid() + " of " + build.app()
        + " has no image: run it through DockerScheduler.imageBuilder() before deploying it"));
    AppName app = build.app();
    String release = spec.labels().getOrDefault(Labels.RELEASE, "0");
    String image = b.images().tag(app, release, built);
    Map<String, String> env = new TreeMap<>(spec.env());
    String portValue = env.computeIfAbsent("PORT", k -> Integer.toString(ContainerSpec.DEFAULT_PORT));
    int port;
    try {
      port = Integer.parseInt(portValue.strip());
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new InvalidInputException("config PORT of " + app + " is not a port number: set it to a number from 1 to 65535");
    }
    List<String> envList = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    List<String> entrypoint = spec.command().map(c -> List.of("/bin/sh", "-c")).orElse(null);
    List<String> cmd = spec.command().map(List::of).orElse(null);
    return new ContainerTemplate(name, image, entrypoint, cmd, envList, spec.labels(), spec.memoryBytes().orElse(null),
        spec.cpuShares().orElse(null), b.networks().ensure(app), spec.type().value(), port, publish);
  }
}
