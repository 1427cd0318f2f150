package io.deis.scheduler.k8s.bench;

import io.deis.scheduler.k8s.RequiresBusybox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Formation;
import io.deis.model.Procfile;
import io.deis.scheduler.k8s.KubernetesScheduler;
import io.deis.scheduler.k8s.TestApps;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import io.deis.scheduler.k8s.fake.RequestLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys, scales, redeploys (a config change) and destroys 100 two-type apps against the fake
 * cluster, one operation at a time, and prints for each kind of operation the API requests and
 * the wall time it took. The last column compares with a scheduler that, like Deis Workflow's
 * controller, checks readiness by polling every 10 s: it returns at the first poll after the
 * pods are ready (modelled, not run: {@code ceil(t / 10 s) * 10 s}).
 *
 * <p>Run it with {@code mvn -q -pl deis-scheduler-k8s -am test -Dtest=KubernetesSchedulerBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true}, or call {@link #main}.
 */
@RequiresBusybox
class KubernetesSchedulerBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSchedulerBenchmark.class);
  private static final int APPS = Integer.getInteger("benchmark.apps", 100);
  private static final long POLL_MILLIS = 10_000;

  public static void main(String[] args) {
    StringBuilder report = new StringBuilder();
    run(APPS, report);
    LOG.info("\n{}", report);
  }

  @Test
  @EnabledIfSystemProperty(named = "benchmark", matches = "true")
  void hundredAppsDeployedScaledRedeployedAndDestroyed() {
    StringBuilder report = new StringBuilder();
    Map<String, Double> writesPerOp = run(APPS, report);
    LOG.info("\n{}", report);
    // The timings are for reading; what the scheduler writes per operation is its design, checked here.
    assertThat(writesPerOp).containsExactly(entry("deploy web=1 worker=1", 5.0), entry("scale web=3", 1.0),
        entry("deploy config change", 4.0), entry("destroy", 1.0));
  }

  static Map<String, Double> run(int apps, StringBuilder report) {
    Map<String, Double> writesPerOp = new LinkedHashMap<>();
    try (FakeKubernetes cluster = FakeKubernetes.start();
        KubernetesScheduler scheduler = io.deis.scheduler.k8s.TestApps.started(KubernetesScheduler.builder(cluster.client()).deployDeadline(Duration.ofSeconds(120)).build())) {
      List<AppName> names = new ArrayList<>();
      List<Build> builds = new ArrayList<>();
      for (int i = 0; i < apps; i++) {
        AppName app = AppName.of("bench-" + i);
        names.add(app);
        // web serves HTTP (busybox httpd: its readiness probe must connect), worker idles.
        builds.add(TestApps.imageBuild(app, Procfile.parse("web: " + TestApps.webCommand() + "\nworker: exec sleep 100000\n")));
      }
      report.append(String.format("KubernetesScheduler against the in-memory API, %d apps, one operation at a time%n", apps));
      report.append(String.format("%-28s %9s %9s %9s %8s %8s %8s %10s %12s%n", "operation", "requests", "req/op", "writes/op",
          "mean ms", "p50 ms", "max ms", "total s", "10s-poll x"));
      phase(report, writesPerOp, cluster, "deploy web=1 worker=1", apps, i ->
          scheduler.deploy(TestApps.release(names.get(i), 2, builds.get(i), Map.of("N", "1")), Formation.parse("web=1 worker=1")));
      phase(report, writesPerOp, cluster, "scale web=3", apps, i ->
          scheduler.scale(TestApps.release(names.get(i), 2, builds.get(i), Map.of("N", "1")), Formation.parse("web=3 worker=1")));
      phase(report, writesPerOp, cluster, "deploy config change", apps, i ->
          scheduler.deploy(TestApps.release(names.get(i), 3, builds.get(i), Map.of("N", "2")), Formation.parse("web=3 worker=1")));
      phase(report, writesPerOp, cluster, "destroy", apps, i -> scheduler.destroy(names.get(i)));
    }
    return writesPerOp;
  }

  private static void phase(StringBuilder report, Map<String, Double> writesPerOp, FakeKubernetes cluster, String name, int apps,
      IntConsumer operation) {
    cluster.requests().clear();
    List<Long> millis = new ArrayList<>();
    long pollModel = 0;
    long start = System.nanoTime();
    for (int i = 0; i < apps; i++) {
      long t0 = System.nanoTime();
      operation.accept(i);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      millis.add(ms);
      pollModel += Math.max(1, (ms + POLL_MILLIS - 1) / POLL_MILLIS) * POLL_MILLIS;
    }
    long total = (System.nanoTime() - start) / 1_000_000;
    RequestLog log = cluster.requests();
    Collections.sort(millis);
    writesPerOp.put(name, log.writes() / (double) apps);
    double mean = millis.stream().mapToLong(Long::longValue).average().orElse(0);
    report.append(String.format("%-28s %9d %9.1f %9.1f %8.0f %8d %8d %10.1f %12.0f%n", name, log.count(),
        log.count() / (double) apps, log.writes() / (double) apps, mean, millis.get(millis.size() / 2),
        millis.get(millis.size() - 1), total / 1000.0, pollModel / (double) Math.max(1, total)));
  }
}
