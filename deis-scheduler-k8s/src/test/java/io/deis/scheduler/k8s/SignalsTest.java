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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
}
