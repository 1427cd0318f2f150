package io.deis.junit5;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.BuildException;
import io.deis.error.DeisException;
import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.local.LocalRuntime;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Installation;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.SchedulerListener;
import io.deis.store.InMemoryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One extension session: a test class's own controller, on its own in-memory store and so its own
 * installation, whose id labels every object its scheduler makes; the user who owns the class's
 * apps; and the session record the reaper reads. Test classes running in parallel each have one,
 * so they never see each other's apps.
 */
final class TestSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TestSession.class);
  /** The local runtime's directory inside the session's data directory. */
  static final String LOCAL_CONTAINERS = "containers";
  private static final String USER = "junit";

  private final DeisExtension.Settings settings;
  private final Backend backend;
  private final SessionRecord record;
  private final Scheduler scheduler;
  private final Controller controller;
  private final Session owner;
  private final List<DeisApp> apps = new CopyOnWriteArrayList<>();
  /** The last log lines of each app that is coming up, read when one of its containers went down. */
  private final Map<AppName, List<String>> lastLogs = new ConcurrentHashMap<>();

  private TestSession(DeisExtension.Settings settings, Backend backend, SessionRecord record, Scheduler scheduler) {
    this.settings = settings;
    this.backend = backend;
    this.record = record;
    this.scheduler = scheduler;
    Controller made = null;
    try {
      made = Controller.builder()
          .store(new InMemoryStore(record.installation(), Clock.systemUTC()))
          .scheduler(scheduler)
          .dataDirectory(record.dataDirectory())
          // The controller lives as long as a test class and only its own code logs in: full-strength hashing buys nothing.
          .passwordHashIterations(1000)
          .build();
      String password = UUID.randomUUID().toString();
      made.register(USER, password, "");
      this.owner = made.login(USER, password);
      made.addSchedulerListener(new FailureLogs());
    } catch (RuntimeException e) {
      if (made != null) {
        made.close();
      } else {
        scheduler.close();
      }
      record.close();
      throw e;
    }
    this.controller = made;
  }

  /**
   * Opens a session for {@code testClass}: picks the backend, reaps the sessions of JVMs that are
   * gone, then records and starts this one.
   */
  static TestSession open(DeisExtension.Settings settings, String testClass) {
    Installation installation = Installation.generate();
    Scheduler scheduler;
    Backend backend;
    if (settings.backend() == Backend.LOCAL) {
      backend = Backend.LOCAL;
      scheduler = null;
    } else {
      try {
        scheduler = settings.newDockerScheduler();
        backend = Backend.DOCKER;
      } catch (SchedulerException e) {
        if (settings.backend() == Backend.DOCKER) {
          throw new SchedulerException(testClass + " runs its apps on Docker (" + settings.backendSource() + "), and "
              + e.getMessage(), e);
        }
        log.info("{}: no Docker daemon answers ({}); apps run on the local runtime", testClass, e.getMessage());
        backend = Backend.LOCAL;
        scheduler = null;
      }
    }
    SessionRecord record;
    try {
      Reaper.sweep(settings.sessions(), settings::newDockerScheduler);
      record = SessionRecord.create(settings.sessions(), installation, backend, testClass);
    } catch (RuntimeException e) {
      if (scheduler != null) {
        scheduler.close();
      }
      throw e;
    }
    if (scheduler == null) {
      scheduler = new RuntimeScheduler(LocalRuntime.builder().workDirectory(record.dataDirectory().resolve(LOCAL_CONTAINERS)).build(),
          settings.schedulerOptions());
    }
    return new TestSession(settings, backend, record, scheduler);
  }

  Backend backend() {
    return backend;
  }

  Installation installation() {
    return record.installation();
  }

  /**
   * Creates, configures, builds and deploys {@code app}, and scales it when asked: returns once its
   * containers are up and pass their checks. On failure the app is removed again and the error
   * says why, with the build's output and the containers' last log lines.
   *
   * @param where how messages name the field, such as {@code GreetingTest.app}
   */
  void deploy(DeisApp app, String where) {
    checkBackend(app, where);
    if (app.isDeployed()) {
      throw new IllegalStateException(where + ": " + app + " is deployed already: a DeisApp can be deployed once at a time; "
          + "give each test class (or test) its own");
    }
    AppName name = app.requestedName().map(n -> owner.createApp(n.value()).name()).orElseGet(() -> owner.createApp().name());
    app.deployed(new DeisApp.Deployment(name, owner, backend));
    apps.add(app);
    Deque<String> buildOutput = new ArrayDeque<>();
    lastLogs.put(name, List.of());
    try {
      if (!app.config().isEmpty()) {
        owner.setConfig(name.value(), app.config());
      }
      BuildSource source = app.source() instanceof DeisApp.Directory d
          ? AppSources.commit(d.path(), record.dataDirectory().resolve("sources").resolve(name.value()))
          : BuildSource.image(((DeisApp.Image) app.source()).reference());
      owner.deploy(name.value(), source, line -> {
        log.debug("{} [{}] {}", where, name, line);
        synchronized (buildOutput) {
          buildOutput.addLast(line);
          while (buildOutput.size() > settings.logLines()) {
            buildOutput.removeFirst();
          }
        }
      });
      app.scale().ifPresent(formation -> owner.scale(name.value(), formation));
    } catch (BuildException | SchedulerException e) {
      List<String> output;
      synchronized (buildOutput) {
        output = List.copyOf(buildOutput);
      }
      String message = FailureReport.message(where + " (" + app.describeSource() + ", app " + name + ")", backend, e, output,
          lastLogs.getOrDefault(name, List.of()), app.config());
      DeployException failed = new DeployException(message);
      removeAfterFailure(app, failed);
      throw failed;
    } catch (RuntimeException e) {
      removeAfterFailure(app, e);
      throw e;
    } finally {
      lastLogs.remove(name);
    }
  }

  /** Refuses, before anything is made, what the local runtime cannot run. */
  private void checkBackend(DeisApp app, String where) {
    if (backend != Backend.LOCAL) {
      return;
    }
    String why = null;
    if (app.source() instanceof DeisApp.Image) {
      why = "an image app needs Docker";
    } else if (app.source() instanceof DeisApp.Directory d && !Files.exists(d.path().resolve("Procfile"))
        && Files.exists(d.path().resolve("Dockerfile"))) {
      why = "a Dockerfile app (" + d.path() + " has a Dockerfile and no Procfile) needs Docker";
    }
    if (why != null) {
      throw new InvalidInputException(where + ": " + why + ", and this test class runs on the local runtime ("
          + settings.backendSource() + "). Start a Docker daemon (or set DOCKER_HOST) and run it with Backend.DOCKER or AUTO, "
          + "or add a Procfile for the local runtime");
    }
  }

  private void removeAfterFailure(DeisApp app, RuntimeException failure) {
    try {
      remove(app);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** Destroys {@code app} (nothing of it is left running) and forgets it. */
  void remove(DeisApp app) {
    if (!apps.remove(app)) {
      return;
    }
    try {
      owner.destroyApp(app.name());
    } finally {
      app.undeployed();
    }
  }

  /**
   * Removes every app still deployed, then everything else of this installation the scheduler
   * still has, then the controller and the session record. A failure leaves the record, so the
   * next run's reaper finishes the job, and is thrown once the rest is done.
   */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (DeisApp app : List.copyOf(apps)) {
      try {
        remove(app);
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    try {
      for (AppName left : scheduler.apps()) {
        scheduler.destroy(left);
      }
    } catch (RuntimeException e) {
      failures.add(e);
    }
    controller.close();
    if (failures.isEmpty()) {
      record.close();
      return;
    }
    SchedulerException failed = new SchedulerException("could not remove everything of session " + record.installation()
        + "; the next run's reaper removes what is left (" + record.directory() + ")", failures.get(0));
    failures.stream().skip(1).forEach(failed::addSuppressed);
    throw failed;
  }

  /** Reads the last log lines of an app that is coming up whenever one of its containers goes down: a crash, a failed check. */
  private final class FailureLogs implements SchedulerListener {
    @Override
    public void changed(Container container) {
      if (container.state() != ContainerState.DOWN || !lastLogs.containsKey(container.app())) {
        return;
      }
      try {
        lastLogs.replace(container.app(), owner.logs(container.app().value(), settings.logLines()));
      } catch (DeisException | IllegalStateException e) {
        log.debug("cannot read the logs of {}: {}", container.app(), e.getMessage());
      }
    }
  }
}
