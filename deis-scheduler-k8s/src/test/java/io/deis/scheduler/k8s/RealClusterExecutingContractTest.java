package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.contract.ExecutingSchedulerContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The executing contract (HTTP to each container, logs, exit codes, the fresh filesystem) on the
 * real cluster. Its HTTP checks go straight to pod IPs, which only a test JVM on the cluster's pod
 * network reaches (k3s on this host: yes; kind: no), so it runs only with
 * {@code -Ddeis.k8s.pods.reachable=true}; {@link RealClusterFaultsTest} checks traffic through the
 * Service from inside the cluster either way.
 */
@RequiresKubeconfig
@EnabledIfSystemProperty(named = "deis.k8s.pods.reachable", matches = "true",
    disabledReason = "pod IPs are not reachable from this JVM (set -Ddeis.k8s.pods.reachable=true on k3s on this host)")
class RealClusterExecutingContractTest extends ExecutingSchedulerContract {
  private static RealCluster cluster;

  @BeforeAll
  static void setUpCluster() {
    cluster = RealCluster.start();
  }

  @AfterAll
  static void tearDownCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected Scheduler newScheduler() {
    return cluster.newScheduler();
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
