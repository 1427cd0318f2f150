package io.deis.scheduler.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.DeisException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeContainer;
import io.deis.scheduler.Scheduler;
import io.deis.store.InMemoryStore;
import io.deis.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform under injected faults: a random sequence of operations (deploy, config change,
 * scale, rollback, restart, destroy, controller restart on the same store) against a controller
 * whose runtime fails operations, answers late and crashes containers. After every operation the
 * faults pause, the controller reconciles, and the test checks that what runs is exactly what the
 * store says, that no container or process is left over, and that release versions are gapless
 * and unique. Any exception that is not a {@link DeisException} fails the run.
 *
 * <p>The seed is printed at the start and in every failure; {@code -Ddeis.chaos.seed=N} replays
 * the same operations (the faults are drawn from the seed too, though thread timing can move
 * which call meets one), {@code -Ddeis.chaos.operations=N} sets the length.
 */
public abstract class ChaosContract {
  private static final Logger log = LoggerFactory.getLogger(ChaosContract.class);
  private static final List<ProcessType> TYPES = List.of(ProcessType.of("worker"), ProcessType.of("clock"));
  private static final Duration SETTLE = Duration.ofSeconds(30);

  @TempDir
  protected Path tmp;
  protected FaultInjectingRuntime faults;
  private Controller controller;
  private Session admin;
  private final Store store = new InMemoryStore();
  private final Map<AppName, Path> repos = new TreeMap<>();
  private final Map<String, Integer> outcomes = new TreeMap<>();
  /** Faults injected by the runtimes of controllers that were restarted since. */
  private long injectedBefore;

  /**
   * A scheduler of this backend whose runtime is {@code wrap} applied to the real one, with short
   * timings; called again on every controller restart, with the same {@code workDir}.
   */
  protected abstract Scheduler scheduler(Path workDir, UnaryOperator<ContainerRuntime> wrap);

  /** A Procfile command that runs until stopped, in this backend's shell. */
  protected String longRunningCommand() {
    return "exec sleep 1000";
  }

  /** How many operations to run unless {@code -Ddeis.chaos.operations} says otherwise. */
  protected abstract int defaultOperations();

  /** A backend's own check that nothing runs beyond the {@code expected} containers (processes, for the local runtime). */
  protected void assertNothingElseRuns(int expected) {}

  @AfterEach
  void closeController() {
    if (controller != null) {
      controller.close();
    }
  }

  @Test
  void whateverFailsTheRuntimeEndsUpMatchingTheStore() throws Exception {
    long seed = Long.getLong("deis.chaos.seed", new Random().nextLong());
    int operations = Integer.getInteger("deis.chaos.operations", defaultOperations());
    System.out.println("chaos: seed " + seed + ", " + operations + " operations (replay with -Ddeis.chaos.seed=" + seed + ")");
    Random random = new Random(seed);
    long faultSeed = random.nextLong();
    startController(faultSeed);
    admin.createApp("chaos-a");
    admin.createApp("chaos-b");
    admin.createApp("chaos-c");
    Instant started = Instant.now();
    for (int i = 1; i <= operations; i++) {
      String op = pick(random);
      AppName app = AppName.of(List.of("chaos-a", "chaos-b", "chaos-c").get(random.nextInt(3)));
      String outcome;
      try {
        outcome = run(op, app, random, faultSeed + i) ? "ok" : "skipped";
      } catch (DeisException e) {
        outcome = "refused";
        log.info("chaos #{} {} {}: {}", i, op, app, e.getMessage());
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError("chaos seed " + seed + ": operation #" + i + " (" + op + " " + app + ") threw "
            + e + ", which is no DeisException", e);
      }
      outcomes.merge(op + " " + outcome, 1, Integer::sum);
      try {
        checkConverges();
      } catch (AssertionError e) {
        throw new AssertionError("chaos seed " + seed + ": after operation #" + i + " (" + op + " " + app + ", " + outcome
            + "): " + e.getMessage(), e);
      }
    }
    System.out.println("chaos: seed " + seed + ", " + operations + " operations in " + Duration.between(started, Instant.now()).toSeconds()
        + " s, " + (injectedBefore + faults.injected()) + " faults injected; outcomes " + outcomes);
    assertThat(injectedBefore + faults.injected()).as("faults were injected").isPositive();
    assertThat(outcomes.keySet()).as("some operations failed under the faults, others succeeded")
        .anyMatch(k -> k.endsWith("refused")).anyMatch(k -> k.endsWith(" ok"));
  }

  private static String pick(Random random) {
    int r = random.nextInt(100);
    if (r < 20) {
      return "deploy";
    } else if (r < 40) {
      return "config";
    } else if (r < 62) {
      return "scale";
    } else if (r < 74) {
      return "rollback";
    } else if (r < 86) {
      return "restart";
    } else if (r < 93) {
      return "recreate";
    }
    return "controller-restart";
  }

  /** Runs one operation; false when it did not apply (nothing to roll back to, no build yet). */
  private boolean run(String op, AppName app, Random random, long faultSeed) throws Exception {
    String name = app.value();
    boolean built = store.releases(app).stream().anyMatch(r -> r.build().isPresent() && r.status() == Release.Status.SUCCEEDED);
    switch (op) {
      case "deploy" -> {
        List<ProcessType> types = new ArrayList<>(TYPES.subList(0, 1 + random.nextInt(TYPES.size())));
        StringBuilder procfile = new StringBuilder();
        types.forEach(t -> procfile.append(t).append(": ").append(longRunningCommand()).append('\n'));
        Path repo = repos.computeIfAbsent(app, a -> tmp.resolve("repos").resolve(a.value()));
        commit(repo, Map.of("Procfile", procfile.toString(), "version.txt", Long.toString(random.nextLong())));
        admin.deploy(name, BuildSource.commit(repo, "HEAD"));
        if (admin.app(name).structure().total() == 0) {
          admin.scale(name, types.get(0) + "=1");
        }
      }
      case "config" -> {
        if (random.nextBoolean() || admin.config(name).values().isEmpty()) {
          admin.setConfig(name, Map.of("KEY_" + random.nextInt(4), Integer.toString(random.nextInt(1000))));
        } else {
          admin.unsetConfig(name, admin.config(name).values().keySet().iterator().next());
        }
      }
      case "scale" -> {
        if (!built) {
          return false;
        }
        Set<ProcessType> declared = admin.currentRelease(name).build().orElseThrow().processTypes();
        Map<ProcessType, Integer> counts = new HashMap<>();
        declared.stream().filter(TYPES::contains).forEach(t -> counts.put(t, random.nextInt(4)));
        admin.scale(name, new Formation(counts));
      }
      case "rollback" -> {
        long builds = store.releases(app).stream().filter(r -> r.build().isPresent() && r.status() == Release.Status.SUCCEEDED).count();
        if (builds < 2) {
          return false;
        }
        admin.rollback(name);
      }
      case "restart" -> {
        if (!built) {
          return false;
        }
        admin.restart(name, random.nextBoolean() ? ContainerFilter.all() : ContainerFilter.type(TYPES.get(0)));
      }
      case "recreate" -> {
        admin.destroyApp(name);
        admin.createApp(name);
      }
      case "controller-restart" -> {
        controller.close();
        controller = null;
        startController(faultSeed);
      }
      default -> throw new IllegalArgumentException(op);
    }
    return true;
  }

  private void startController(long faultSeed) {
    for (int attempt = 1; ; attempt++) {
      long seed = faultSeed * 31 + attempt;
      UnaryOperator<ContainerRuntime> wrap = real -> {
        if (faults != null) {
          injectedBefore += faults.injected();
        }
        faults = new FaultInjectingRuntime(real, seed, 0.10, 0.05, Duration.ofMillis(20));
        return faults;
      };
      try {
        controller = Controller.builder().store(store).scheduler(scheduler(tmp.resolve("runtime"), wrap))
            .dataDirectory(tmp.resolve("data")).passwordHashIterations(1000).build();
        break;
      } catch (DeisException e) {
        // The new scheduler's adoption met an injected fault: a real program would retry too.
        log.info("chaos: controller start failed ({}), attempt {}", e.getMessage(), attempt);
        if (faults != null) {
          faults.close();
        }
        if (attempt == 20) {
          throw e;
        }
      }
    }
    if (store.users().isEmpty()) {
      controller.register("admin", "chaos-password", "admin@example.com");
    }
    admin = controller.login("admin", "chaos-password");
  }

  /** Pauses the faults, reconciles until the runtime matches the store (or {@link #SETTLE} passes), checks, resumes. */
  private void checkConverges() throws InterruptedException {
    faults.pause();
    try {
      Instant deadline = Instant.now().plus(SETTLE);
      while (true) {
        controller.reconcile();
        try {
          check();
          return;
        } catch (AssertionError e) {
          if (Instant.now().isAfter(deadline)) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    } finally {
      faults.resume();
    }
  }

  private void check() {
    ContainerRuntime real = faults.delegate();
    Set<AppName> storeApps = store.apps().stream().map(App::name).collect(Collectors.toSet());
    int expectedTotal = 0;
    for (App app : store.apps()) {
      List<Release> releases = store.releases(app.name());
      assertThat(releases).extracting(Release::version).as("versions of " + app.name())
          .containsExactlyElementsOf(IntStream.rangeClosed(1, releases.size()).boxed().toList());
      assertThat(releases).as("no release of " + app.name() + " left pending").noneMatch(r -> r.status() == Release.Status.PENDING);
      Release current = releases.stream().filter(r -> r.status() == Release.Status.SUCCEEDED).reduce((a, b) -> b).orElseThrow();
      Map<ProcessType, Integer> expected = new TreeMap<>();
      if (current.build().isPresent()) {
        app.structure().counts().forEach((type, count) -> {
          if (count > 0) {
            expected.put(type, count);
          }
        });
      }
      List<RuntimeContainer> running = real.list(Labels.forApp(controller.installation(), app.name()));
      assertThat(running).as("containers of " + app.name() + " are running").allMatch(RuntimeContainer::running);
      assertThat(running).as("containers of " + app.name() + " run its current release v" + current.version())
          .allMatch(rc -> rc.labels().get(Labels.RELEASE).equals(Integer.toString(current.version())));
      Map<ProcessType, Integer> actual = new TreeMap<>();
      Set<String> typeNums = new HashSet<>();
      for (RuntimeContainer rc : running) {
        actual.merge(ProcessType.of(rc.labels().get(Labels.TYPE)), 1, Integer::sum);
        assertThat(typeNums.add(rc.labels().get(Labels.TYPE) + "." + rc.labels().get(Labels.NUM)))
            .as("no duplicate type.num in " + app.name()).isTrue();
      }
      assertThat(actual).as("what runs of " + app.name() + " is its formation " + app.structure()).isEqualTo(expected);
      List<Container> seen = admin.ps(app.name().value());
      assertThat(seen).as("the scheduler's view of " + app.name()).allMatch(c -> c.state() == ContainerState.UP);
      assertThat(seen.stream().map(Container::id).collect(Collectors.toSet()))
          .isEqualTo(running.stream().map(RuntimeContainer::id).collect(Collectors.toSet()));
      expectedTotal += running.size();
    }
    List<RuntimeContainer> all = real.list(Labels.forInstallation(controller.installation()));
    assertThat(all).as("nothing runs for apps the store does not have")
        .allMatch(rc -> storeApps.contains(AppName.of(rc.labels().get(Labels.APP))));
    assertThat(all).hasSize(expectedTotal);
    assertNothingElseRuns(expectedTotal);
  }

  private static void commit(Path repo, Map<String, String> files) throws Exception {
    Files.createDirectories(repo);
    try (Git git = Files.isDirectory(repo.resolve(".git")) ? Git.open(repo.toFile()) : Git.init().setDirectory(repo.toFile()).call()) {
      for (Map.Entry<String, String> file : files.entrySet()) {
        Files.writeString(repo.resolve(file.getKey()), file.getValue());
      }
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Chaos", "chaos@example.com");
      git.commit().setMessage("chaos").setAuthor(who).setCommitter(who).call();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Unused optional hook value, kept for backends that want the admin session. */
  protected Optional<Session> admin() {
    return Optional.ofNullable(admin);
  }
}
