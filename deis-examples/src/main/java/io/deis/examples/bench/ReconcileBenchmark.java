package io.deis.examples.bench;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.local.LocalRuntime;
import io.deis.model.Installation;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ForwardingContainerRuntime;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.store.InMemoryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * How long a restarted controller takes to take over a running platform: 50 apps of 4 containers
 * each run on the local runtime; a second controller on the same store and the same runtime (which,
 * as Docker does, outlives the first controller) adopts and reconciles them all. Printed against
 * the time to just list those 200 containers in the same run, the floor of any reconcile.
 * Run: {@code mvn -q -pl deis-examples -am compile exec:java -Dexec.mainClass=io.deis.examples.bench.ReconcileBenchmark}
 */
public final class ReconcileBenchmark {
  private static final int APPS = 50;
  private static final int PER_APP = 4;
  private static final int ROUNDS = 5;

  private ReconcileBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.printf("cores=%d, java=%s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    Path work = Files.createTempDirectory("deis-reconcile-bench-");
    InMemoryStore store = new InMemoryStore();
    RuntimeScheduler.Options options = RuntimeScheduler.Options.defaults().withMinUptime(Duration.ofMillis(100))
        .withStopGrace(Duration.ofSeconds(2));
    try (LocalRuntime runtime = LocalRuntime.builder().workDirectory(work.resolve("containers")).build()) {
      Path repo = repo(work.resolve("repo"));
      long setup = System.nanoTime();
      try (Controller first = controller(store, runtime, options, work)) {
        first.register("bench", "bench-password", "");
        Session session = first.login("bench", "bench-password");
        for (int i = 0; i < APPS; i++) {
          String app = "app-" + i;
          session.createApp(app);
          session.deploy(app, BuildSource.commit(repo, "HEAD"));
          session.scale(app, "worker=" + PER_APP);
        }
      }
      System.out.printf("setup: %d apps x %d containers started in %.1f s%n", APPS, PER_APP, (System.nanoTime() - setup) / 1e9);
      Installation installation = store.installation();
      int listed = 0;
      long listNanos = Long.MAX_VALUE;
      long reconcileNanos = Long.MAX_VALUE;
      for (int round = 0; round < ROUNDS; round++) {
        long t0 = System.nanoTime();
        listed = runtime.list(Labels.forInstallation(installation)).size();
        listNanos = Math.min(listNanos, System.nanoTime() - t0);

        long t1 = System.nanoTime();
        try (Controller restarted = controller(store, runtime, options, work)) {
          if (!restarted.reconcile()) {
            throw new IllegalStateException("the restarted controller did not get the reconciler lease");
          }
          reconcileNanos = Math.min(reconcileNanos, System.nanoTime() - t1);
        }
      }
      if (listed != APPS * PER_APP) {
        throw new IllegalStateException("expected " + APPS * PER_APP + " containers, listed " + listed);
      }
      System.out.printf("restarted controller, adopt + reconcile %d containers: %.1f ms (best of %d)%n", listed, reconcileNanos / 1e6, ROUNDS);
      System.out.printf("baseline, list the same %d containers: %.2f ms (best of %d)%n", listed, listNanos / 1e6, ROUNDS);
      System.out.printf("ratio reconcile/list: %.0f%n", (double) reconcileNanos / listNanos);
    } finally {
      com.google.common.io.MoreFiles.deleteRecursively(work, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }

  /** A controller whose scheduler runs on {@code runtime} without owning it: closing the controller leaves the containers running. */
  private static Controller controller(InMemoryStore store, LocalRuntime runtime, RuntimeScheduler.Options options, Path work) {
    return Controller.builder().store(store).dataDirectory(work.resolve("data")).passwordHashIterations(1000)
        .scheduler(new RuntimeScheduler(new Unclosed(runtime), options)).build();
  }

  private static Path repo(Path dir) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("Procfile"), "worker: exec sleep 1000\n");
    try (Git git = Git.init().setDirectory(dir.toFile()).call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Bench", "bench@example.com");
      git.commit().setMessage("bench").setAuthor(who).setCommitter(who).call();
    }
    return dir;
  }

  /** The runtime as a controller sees it, except that closing the controller does not close it. */
  private static final class Unclosed extends ForwardingContainerRuntime {
    Unclosed(ContainerRuntime delegate) {
      super(delegate);
    }

    @Override
    public void close() {
      // the runtime outlives the controller, as a Docker daemon does
    }
  }
}
