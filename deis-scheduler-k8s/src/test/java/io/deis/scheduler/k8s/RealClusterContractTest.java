package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.contract.SchedulerContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scheduler contract on the cluster {@code KUBECONFIG} names, as a service account holding
 * only the published role (profile {@code k8s-real-cluster}). The processes run in busybox.
 */
@RequiresKubeconfig
class RealClusterContractTest extends SchedulerContract {
  @RegisterExtension
  static final TestCluster<RealCluster> cluster = TestCluster.real();

  @Override
  protected Scheduler newScheduler() {
    return cluster.builder().build();
  }

  @Override
  protected Build runnableBuild(AppName app, Procfile procfile) {
    return RealCluster.build(app, procfile);
  }

  @Override
  protected Commands commands() {
    return RealCluster.commands();
  }
}
