package io.deis.scheduler.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.model.StateChange;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Scheduler} backend must have, whatever runs the containers. A
 * backend's test subclasses this and provides a scheduler, a way to make a runnable build of a
 * Procfile, and the shell commands for the sample processes. Backends that really execute
 * processes also run {@link ExecutingSchedulerContract}.
 *
 * <p>Each test uses its own app, so a backend may share one scheduler across tests if that is
 * cheaper; {@link #newScheduler()} is called once per test and closed after it.
 */
public abstract class SchedulerContract {
  private static final AtomicInteger APPS = new AtomicInteger();

  protected Scheduler scheduler;
  protected AppName app;
  private int nextVersion = 2;

  /**
   * The shell commands of the sample processes, in the form this backend runs them.
   *
   * @param web serves HTTP on $PORT: {@code /} answers 200 with the value of $GREETING, any other path 404
   * @param worker runs until it is stopped
   * @param crash exits with code 3 at once
   * @param crashLater runs for about two seconds, then exits with code 3
   */
  public record Commands(String web, String worker, String crash, String crashLater) {}

  /** A scheduler for one test; tests pass {@link #fastOptions()} timings where the backend takes them. */
  protected abstract Scheduler newScheduler();

  /** A build of {@code procfile} that this backend can run (an image built, a source tree written, ...). */
  protected abstract Build runnableBuild(AppName app, Procfile procfile);

  protected abstract Commands commands();

  /** The installation the test's scheduler is started for; a new one per test unless a backend overrides it. */
  protected Installation installation() {
    return Installation.generate();
  }

  /** Short timings that keep the suite fast: the behaviour is the same as with the defaults. */
  public static RuntimeScheduler.Options fastOptions() {
    return RuntimeScheduler.Options.defaults()
        .withStopGrace(Duration.ofSeconds(2))
        .withDeployTimeout(Duration.ofSeconds(60))
        .withMinUptime(Duration.ofMillis(500))
        .withRestartBackoff(Duration.ofMillis(200), Duration.ofSeconds(2));
  }

  @BeforeEach
  void startScheduler() {
    scheduler = newScheduler();
    scheduler.start(installation());
    app = AppName.of("contract-" + APPS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6));
  }

  @AfterEach
  void destroyAppAndClose() {
    try {
      scheduler.destroy(app);
    } finally {
      scheduler.close();
    }
  }

  // ---------------------------------------------------------------- tests

  @Test
  void deployRunsTheFormationAndEveryContainerIsUpOnTheRelease() {
    Release v2 = release(procfile("web", commands().web(), "worker", commands().worker()), Map.of());
    scheduler.deploy(v2, Formation.parse("web=2 worker=1"));

    List<Container> containers = scheduler.containers(app);
    assertThat(containers).extracting(Container::name)
        .containsExactly(app + ".web.1", app + ".web.2", app + ".worker.1");
    assertThat(containers).allSatisfy(c -> {
      assertThat(c.state()).isEqualTo(ContainerState.UP);
      assertThat(c.release()).isEqualTo(v2.version());
      assertThat(c.history()).extracting(StateChange::to).contains(ContainerState.UP);
    });
  }

  @Test
  void scaleAddsNumberedContainersAndRemovesTheHighestNumbersFirst() {
    Release v2 = release(procfile("worker", commands().worker()), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));

    scheduler.scale(v2, Formation.parse("worker=3"));
    assertThat(scheduler.containers(app)).extracting(Container::num).containsExactly(1, 2, 3);
    assertThat(scheduler.containers(app)).allSatisfy(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));

    scheduler.scale(v2, Formation.parse("worker=1"));
    assertThat(scheduler.containers(app)).extracting(Container::num).containsExactly(1);

    scheduler.scale(v2, Formation.parse("worker=0"));
    assertThat(scheduler.containers(app)).isEmpty();
  }

  @Test
  void aNewReleaseReplacesEveryContainerAndKeepsTheCounts() {
    Procfile procfile = procfile("worker", commands().worker());
    Release v2 = release(procfile, Map.of());
    scheduler.deploy(v2, Formation.parse("worker=2"));

    Release v3 = release(procfile, Map.of("FOO", "bar"));
    scheduler.deploy(v3, Formation.parse("worker=2"));

    assertThat(scheduler.containers(app)).hasSize(2).allSatisfy(c -> {
      assertThat(c.release()).isEqualTo(v3.version());
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
  }

  @Test
  void typesLeftOutOfTheFormationEndWithNoContainers() {
    Procfile procfile = procfile("worker", commands().worker(), "clock", commands().worker());
    scheduler.deploy(release(procfile, Map.of()), Formation.parse("worker=1 clock=1"));

    scheduler.deploy(release(procfile, Map.of()), Formation.parse("worker=1"));

    assertThat(scheduler.containers(app)).extracting(c -> c.type().value()).containsExactly("worker");
  }

  @Test
  void aDeployWhoseContainersCrashFailsAndTheOldContainersKeepRunning() {
    Release v2 = release(procfile("worker", commands().worker()), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=2"));
    List<String> before = scheduler.containers(app).stream().map(Container::id).toList();

    Release broken = release(procfile("worker", commands().crash()), Map.of());
    assertThatThrownBy(() -> scheduler.deploy(broken, Formation.parse("worker=2")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("worker.1")
        .hasMessageContaining("exit code 3");

    List<Container> after = scheduler.containers(app);
    assertThat(after).extracting(Container::id).containsExactlyElementsOf(before);
    assertThat(after).allSatisfy(c -> {
      assertThat(c.release()).isEqualTo(v2.version());
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
  }

  @Test
  void restartOfATypeRestartsOnlyThatType() {
    Release v2 = release(procfile("worker", commands().worker(), "clock", commands().worker()), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=2 clock=1"));

    List<Container> restarted = scheduler.restart(app, ContainerFilter.type(ProcessType.of("worker")));

    assertThat(restarted).extracting(Container::name).containsExactly(app + ".worker.1", app + ".worker.2");
    for (Container c : scheduler.containers(app)) {
      assertThat(c.state()).isEqualTo(ContainerState.UP);
      boolean wasRestarted = c.history().stream().anyMatch(h -> h.cause().equals("restart"));
      assertThat(wasRestarted).as(c.name() + " restarted").isEqualTo(c.type().value().equals("worker"));
    }
  }

  @Test
  void restartOfOneContainerRestartsOnlyIt() {
    Release v2 = release(procfile("worker", commands().worker()), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=2"));

    List<Container> restarted = scheduler.restart(app, ContainerFilter.one(ProcessType.of("worker"), 2));

    assertThat(restarted).extracting(Container::num).containsExactly(2);
    assertThat(scheduler.containers(app)).allSatisfy(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
  }

  @Test
  void aContainerThatCrashesGoesDownWithItsExitCodeAndIsRestarted() {
    Release v2 = release(procfile("worker", commands().crashLater()), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));

    // The scheduler records the crash; a reconcile (the controller's, on a crash) starts it again after its back-off.
    await(Duration.ofSeconds(45), () -> {
      scheduler.reconcile(v2, Formation.parse("worker=1"));
      Container c = scheduler.containers(app).get(0);
      return c.restarts() >= 1 && c.state() == ContainerState.UP;
    });
    Container c = scheduler.containers(app).get(0);
    assertThat(c.history()).anySatisfy(h -> {
      assertThat(h.to()).isEqualTo(ContainerState.DOWN);
      assertThat(h.exitCode()).hasValue(3);
    });
  }

  @Test
  void aRemovedListenerIsToldNothingMore() {
    List<Container> heardByKept = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Container> heardByRemoved = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.deis.scheduler.SchedulerListener kept = new io.deis.scheduler.SchedulerListener() {
      @Override
      public void changed(Container c) {
        heardByKept.add(c);
      }
    };
    io.deis.scheduler.SchedulerListener removed = new io.deis.scheduler.SchedulerListener() {
      @Override
      public void changed(Container c) {
        heardByRemoved.add(c);
      }
    };
    scheduler.addListener(kept);
    scheduler.addListener(removed);
    scheduler.removeListener(removed);
    scheduler.removeListener(new io.deis.scheduler.SchedulerListener() { }); // one never added: nothing happens

    scheduler.deploy(release(procfile("worker", commands().worker()), Map.of()), Formation.parse("worker=1"));
    await(Duration.ofSeconds(30), () -> heardByKept.stream().anyMatch(c -> c.state() == ContainerState.UP));
    assertThat(heardByRemoved).isEmpty();
    scheduler.removeListener(kept);
  }

  @Test
  void destroyLeavesNoContainers() {
    Release v2 = release(procfile("web", commands().web(), "worker", commands().worker()), Map.of());
    scheduler.deploy(v2, Formation.parse("web=1 worker=1"));

    scheduler.destroy(app);

    assertThat(scheduler.containers(app)).isEmpty();
  }

  /**
   * A config value is a secret: whatever the scheduler says about the app (its containers, their
   * logs, the errors of a failed deploy and a failed scale) and whatever it keeps of it on the
   * backend ({@link #backendTexts}) never carries one.
   */
  @Test
  void noTextTheSchedulerProducesCarriesAConfigValue() {
    String canary = "canary-" + UUID.randomUUID();
    List<String> texts = new java.util.ArrayList<>();
    Procfile procfile = procfile("worker", commands().worker(), "crash", commands().crash());
    Release v2 = release(procfile, Map.of("API_KEY", canary));
    scheduler.deploy(v2, Formation.parse("worker=1"));
    texts.add(thrown(() -> scheduler.scale(v2, Formation.parse("worker=1 crash=1"))));
    texts.add(thrown(() -> scheduler.deploy(release(procfile, Map.of("API_KEY", canary, "OTHER", canary)), Formation.parse("crash=1"))));
    scheduler.containers(app).forEach(c -> {
      texts.add(c.toString());
      texts.add(c.psLine());
    });
    scheduler.logs(app, 100).forEach(l -> texts.add(l.toString()));
    texts.addAll(backendTexts(app));

    assertThat(scheduler.containers(app)).as("the first release still runs").isNotEmpty();
    assertThat(texts).allSatisfy(text -> assertThat(text).doesNotContain(canary));
  }

  /**
   * Everything the backend keeps of {@code app}, as text, for {@link #noTextTheSchedulerProducesCarriesAConfigValue}:
   * a backend with objects of its own returns them (Kubernetes: every object of the app but its
   * Secrets, as YAML; the Secret is where config values belong). Default: nothing.
   */
  protected List<String> backendTexts(AppName app) {
    return List.of();
  }

  /** The full text of what {@code call} throws (message, causes, stack trace); fails when it throws nothing. */
  private static String thrown(Runnable call) {
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(call::run);
    assertThat(e).as("a failure was expected").isNotNull();
    java.io.StringWriter trace = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(trace));
    return trace.toString();
  }

  @Test
  void anUnknownAppHasNoContainers() {
    assertThat(scheduler.containers(AppName.of("never-deployed"))).isEmpty();
  }

  // ---------------------------------------------------------------- helpers for subclasses

  /** The next release of the test's app: a fresh build of {@code procfile} with {@code values} as config. */
  protected Release release(Procfile procfile, Map<String, String> values) {
    Build build = runnableBuild(app, procfile);
    Config config = Config.empty(UUID.randomUUID().toString(), "tester", Instant.now())
        .apply(ConfigChange.builder().setAll(values).build(), UUID.randomUUID().toString(), "tester", Instant.now());
    int version = nextVersion++;
    return new Release(UUID.randomUUID().toString(), app, version, "tester", Instant.now(), Optional.of(build), config,
        "tester deployed v" + version, Release.Status.PENDING, Optional.empty());
  }

  protected static Procfile procfile(String... typeThenCommand) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < typeThenCommand.length; i += 2) {
      text.append(typeThenCommand[i]).append(": ").append(typeThenCommand[i + 1]).append('\n');
    }
    return Procfile.parse(text.toString());
  }

  /**
   * Waits for a condition that another thread or process makes true (a container's output, a
   * restart); fails naming how long it waited. Public so that every backend's tests share it.
   */
  public static void await(Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("condition not met within " + timeout.toSeconds() + "s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }
}
