package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.contract.ExecutingSchedulerContract;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The executing contract: the fake kubelet really runs the commands, so their HTTP, logs and exit
 * codes are checked too.
 */
class KubernetesExecutingContractTest extends ExecutingSchedulerContract {
  private static FakeKubernetes cluster;

  @BeforeAll
  static void startCluster() {
    cluster = FakeKubernetes.start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Override
  protected Scheduler newScheduler() {
    return KubernetesScheduler.builder(cluster.client()).deployDeadline(Duration.ofSeconds(20)).build();
  }

  @Override
  protected Build runnableBuild(AppName app, Procfile procfile) {
    return TestApps.imageBuild(app, procfile);
  }

  @Override
  protected Commands commands() {
    return new Commands(TestApps.webCommand(), "exec sleep 1000", "exit 3", "sleep 2; exit 3");
  }
}
