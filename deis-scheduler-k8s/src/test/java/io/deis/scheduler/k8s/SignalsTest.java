package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.SchedulerListener;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a listener hears from the Kubernetes backend: every state move, ready, and retiring while the app still serves. */
@RequiresBusybox
class SignalsTest {

  @Test
  void aListenerHearsReadyBeforeTheDeployReturnsRetiringWhileThePodStillServesAndEveryCrash() {
    try (FakeKubernetes cluster = FakeKubernetes.start();
         KubernetesScheduler scheduler = TestApps.started(KubernetesScheduler.builder(cluster.client())
             .deployDeadline(Duration.ofSeconds(30)).build())) {
      AppName app = AppName.of("signals");
      List<String> heard = new CopyOnWriteArrayList<>();
      scheduler.addListener(new SchedulerListener() {
        @Override
        public void changed(Container c) {
          heard.add("changed " + c.id() + " " + c.state());
        }

        @Override
        public void ready(Container c) {
          heard.add("ready " + c.id());
        }

        @Override
        public void retiring(Container c) {
          // Told while the pod's process still runs: the init shell holds SIGTERM for the drain time.
          boolean serving = cluster.store().get("pods", app.value(), c.id()).isPresent();
          heard.add("retiring " + c.id() + (serving ? " while it exists" : " after it was gone"));
        }
      });
      Release v2 = TestApps.release(app, 2, TestApps.imageBuild(app, Procfile.parse("web: " + TestApps.webCommand()
          + "\nworker: sleep 2; exit 3\n")), Map.of("GREETING", "hi"));

      scheduler.deploy(v2, Formation.parse("web=2"));
      List<String> web = scheduler.containers(app).stream().map(Container::id).toList();
      assertThat(heard).as("told before deploy returned").contains("ready " + web.get(0), "ready " + web.get(1));

      scheduler.scale(v2, Formation.parse("web=1"));
      String stopped = web.stream().filter(id -> !scheduler.containers(app).get(0).id().equals(id)).findFirst().orElseThrow();
      assertThat(heard).contains("retiring " + stopped + " while it exists");

      scheduler.scale(v2, Formation.parse("web=1 worker=1"));
      String worker = scheduler.containers(app).stream().filter(c -> c.type().value().equals("worker")).findFirst().orElseThrow().id();
      SchedulerContract.await(Duration.ofSeconds(20), () -> heard.contains("changed " + worker + " " + ContainerState.DOWN));
      assertThat(heard).doesNotContain("ready " + worker); // a worker takes no traffic
      scheduler.destroy(app);
    }
  }
  /**
   * The watch and the rollouts both look at pods, each in order but not with each other: a listing
   * taken before a rollout's look can arrive after it. An older look must not move a ready pod
   * back (the router would drop it and never hear it ready again). Seen in CI as a zero-downtime
   * deploy with moments of no container to send to.
   */
  @Test
  void anOlderLookAtAPodThanTheLastToldIsIgnored() throws Exception {
    try (FakeKubernetes cluster = FakeKubernetes.start();
         KubernetesScheduler scheduler = TestApps.started(KubernetesScheduler.builder(cluster.client())
             .deployDeadline(Duration.ofSeconds(30)).build())) {
      AppName app = AppName.of("ordered");
      List<String> heard = new CopyOnWriteArrayList<>();
      scheduler.addListener(new SchedulerListener() {
        @Override
        public void changed(Container c) {
          heard.add("changed " + c.state());
        }

        @Override
        public void ready(Container c) {
          heard.add("ready");
        }

        @Override
        public void retiring(Container c) {
          heard.add("retiring");
        }
      });
      scheduler.deploy(TestApps.release(app, 2, TestApps.imageBuild(app, Procfile.parse("web: " + TestApps.webCommand())),
          Map.of()), Formation.parse("web=1"));
      assertThat(heard).contains("ready");
      io.kubernetes.client.openapi.models.V1Pod pod = new CoreV1Api(cluster.client()).listNamespacedPod(app.value()).execute()
          .getItems().get(0);
      long now = Long.parseLong(pod.getMetadata().getResourceVersion());
      // The same pod as an earlier listing had it: not started yet.
      pod.getMetadata().setResourceVersion(Long.toString(now - 1));
      pod.getStatus().setPhase("Pending");
      pod.getStatus().setContainerStatuses(null);
      pod.getStatus().setConditions(null);
      int before = heard.size();
      scheduler.signals().observe(app, List.of(pod));
      assertThat(heard.subList(before, heard.size())).as("told after the older look").isEmpty();
      scheduler.destroy(app);
    }
  }

  /**
   * The installation-wide pod watch is the listeners' alone: it is open on the API server while one
   * is registered, closed when the last is removed, and opened again for the next, which hears the
   * pods as they are then and every move after. Adds and removes racing each other (an add while
   * the last remove stops the watch) leave exactly one watch.
   */
  @Test
  void thePodWatchRunsOnlyWhileSomeoneListensAndALaterListenerStartsFromTheCurrentState() throws Exception {
    try (FakeKubernetes cluster = FakeKubernetes.start();
         KubernetesScheduler scheduler = TestApps.started(KubernetesScheduler.builder(cluster.client())
             .deployDeadline(Duration.ofSeconds(30)).build())) {
      // The fake notices a dropped watch only when it writes to it: idle bookmarks make it write.
      cluster.bookmarkEvery(Duration.ofMillis(100));
      AppName app = AppName.of("watching");
      Release v2 = TestApps.release(app, 2, TestApps.imageBuild(app, Procfile.parse("worker: exec sleep 1000\n")), Map.of());
      scheduler.deploy(v2, Formation.parse("worker=1"));
      assertThat(installationWatches(cluster)).as("no listener yet: no watch").isZero();

      Heard first = new Heard();
      scheduler.addListener(first);
      SchedulerContract.await(Duration.ofSeconds(20), () -> installationWatches(cluster) == 1);
      String worker1 = scheduler.containers(app).get(0).id();
      SchedulerContract.await(Duration.ofSeconds(20), () -> first.heard.contains("changed " + worker1 + " " + ContainerState.UP));

      scheduler.removeListener(first);
      SchedulerContract.await(Duration.ofSeconds(20), () -> installationWatches(cluster) == 0);

      scheduler.scale(v2, Formation.parse("worker=2")); // moves nobody hears
      String worker2 = scheduler.containers(app).stream().map(Container::id).filter(id -> !id.equals(worker1))
          .findFirst().orElseThrow();
      Heard later = new Heard();
      scheduler.addListener(later);
      SchedulerContract.await(Duration.ofSeconds(20), () -> installationWatches(cluster) == 1);
      SchedulerContract.await(Duration.ofSeconds(20),
          () -> later.heard.containsAll(List.of("changed " + worker1 + " " + ContainerState.UP, "changed " + worker2 + " " + ContainerState.UP)));

      // Adds and removes from two threads at once, ending with one listener registered.
      Heard racer = new Heard();
      ExecutorService two = Executors.newFixedThreadPool(2);
      try {
        Future<?> a = two.submit(() -> {
          for (int i = 0; i < 200; i++) {
            scheduler.removeListener(later);
            scheduler.addListener(later);
          }
        });
        Future<?> b = two.submit(() -> {
          for (int i = 0; i < 200; i++) {
            scheduler.addListener(racer);
            scheduler.removeListener(racer);
          }
        });
        a.get(60, TimeUnit.SECONDS);
        b.get(60, TimeUnit.SECONDS);
      } finally {
        two.shutdownNow();
      }
      SchedulerContract.await(Duration.ofSeconds(20), () -> installationWatches(cluster) == 1);

      // A move behind the scheduler's back (kubectl delete pod) reaches the listener through the watch alone.
      new CoreV1Api(cluster.client()).deleteNamespacedPod(worker2, app.value()).execute();
      SchedulerContract.await(Duration.ofSeconds(20), () -> later.heard.contains("changed " + worker2 + " " + ContainerState.DOWN));
      assertThat(first.heard).as("removed before those moves").noneMatch(line -> line.contains(worker2));
      assertThat(installationWatches(cluster)).isEqualTo(1);

      scheduler.removeListener(later);
      SchedulerContract.await(Duration.ofSeconds(20), () -> installationWatches(cluster) == 0);
      scheduler.destroy(app);
    }
  }

  /** The scheduler's installation-wide pod watches the API server is serving (a rollout's are namespaced). */
  private static long installationWatches(FakeKubernetes cluster) {
    return cluster.openWatches().stream().filter("/api/v1/pods"::equals).count();
  }

  /** Records what it is told, as lines. */
  private static final class Heard implements SchedulerListener {
    final List<String> heard = new CopyOnWriteArrayList<>();

    @Override
    public void changed(Container c) {
      heard.add("changed " + c.id() + " " + c.state());
    }
  }
}
