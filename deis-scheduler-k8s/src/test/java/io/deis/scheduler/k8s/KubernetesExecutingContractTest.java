package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.contract.ExecutingSchedulerContract;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole scheduler contract (ExecutingSchedulerContract includes the base SchedulerContract)
 * against the fake cluster: the scheduler talks HTTP to the in-memory API through the official
 * client, and the fake kubelet runs the contract's commands as real processes, so crashes, exit
 * codes, HTTP answers and logs are the commands' own.
 */
@RequiresBusybox
class KubernetesExecutingContractTest extends ExecutingSchedulerContract {
  @RegisterExtension
  static final TestCluster<FakeKubernetes> cluster = TestCluster.fake();

  @Override
  protected Scheduler newScheduler() {
    return cluster.builder().deployDeadline(Duration.ofSeconds(60)).build();
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
