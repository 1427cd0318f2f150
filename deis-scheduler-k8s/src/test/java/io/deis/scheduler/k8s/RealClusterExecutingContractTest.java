package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.contract.ExecutingSchedulerContract;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The executing contract (HTTP to each container, logs, exit codes, the fresh filesystem) on the
 * real cluster.get(). Its HTTP checks go straight to pod IPs, which only a test JVM on the cluster's pod
 * network reaches (k3s on this host: yes; kind: no), so it runs only with
 * {@code -Ddeis.k8s.pods.reachable=true}; {@link RealClusterFaultsTest} checks traffic through the
 * Service from inside the cluster either way.
 */
@RequiresKubeconfig
@EnabledIfSystemProperty(named = "deis.k8s.pods.reachable", matches = "true",
    disabledReason = "pod IPs are not reachable from this JVM (set -Ddeis.k8s.pods.reachable=true on k3s on this host)")
class RealClusterExecutingContractTest extends ExecutingSchedulerContract {
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
