package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import io.deis.scheduler.k8s.fake.RequestLog;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The published ClusterRole ({@code rbac.yaml} in the module's resources) grants exactly what the
 * scheduler uses: every operation runs against the fake cluster, which records the verb, API group
 * and resource of each request as RBAC sees them, and the two sets must be equal. A new call that
 * the role does not grant fails here, before it fails on a cluster.
 */
@RequiresBusybox
class RbacTest {
  /** A rule as RBAC matches it: {@code verb group/resource} ("" is the core group). */
  static Set<String> granted() throws IOException {
    Set<String> granted = new TreeSet<>();
    try (InputStream in = KubernetesScheduler.class.getResourceAsStream("rbac.yaml")) {
      for (Object document : new Yaml().loadAll(in)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) document;
        if (!"ClusterRole".equals(object.get("kind"))) {
          continue;
        }
        @SuppressWarnings("unchecked")
        List<Map<String, List<String>>> rules = (List<Map<String, List<String>>>) object.get("rules");
        for (Map<String, List<String>> rule : rules) {
          for (String group : rule.get("apiGroups")) {
            for (String resource : rule.get("resources")) {
              for (String verb : rule.get("verbs")) {
                granted.add(verb + " " + group + "/" + resource);
              }
            }
          }
        }
      }
    }
    return granted;
  }

  @Test
  void theScheduledRoleGrantsExactlyWhatEveryOperationUses() throws IOException {
    Set<String> used = new TreeSet<>();
    try (FakeKubernetes cluster = FakeKubernetes.start();
         KubernetesScheduler scheduler = TestApps.started(KubernetesScheduler.builder(cluster.client())
             .deployDeadline(Duration.ofSeconds(30)).build())) {
      cluster.namespaceTermination(Duration.ofSeconds(2));
      AppName app = AppName.of("rbac");
      Build web = TestApps.imageBuild(app, Procfile.parse("web: " + TestApps.webCommand() + "\nworker: exec sleep 1000\n"));
      Release v2 = TestApps.release(app, 2, web, Map.of("GREETING", "hi"));

      scheduler.deploy(v2, Formation.parse("web=1 worker=1"));
      scheduler.deploy(v2, Formation.parse("web=1 worker=1")); // the same release again: its Secret is replaced
      scheduler.scale(v2, Formation.parse("web=2 worker=1"));
      scheduler.restart(app, ContainerFilter.type(ProcessType.WEB));
      scheduler.restart(app, ContainerFilter.one(ProcessType.of("worker"), 1));
      scheduler.containers(app);
      scheduler.logs(app, 10);
      scheduler.run(v2, "echo once", Duration.ofSeconds(20));
      Release broken = TestApps.release(app, 3, TestApps.imageBuild(app, Procfile.parse("web: exit 3\nworker: exit 3\n")), Map.of());
      assertThatThrownBy(() -> scheduler.deploy(broken, Formation.parse("web=1 worker=1"))).isInstanceOf(DeployException.class);
      // A build without web: the Service selects cmd instead, and worker's Deployment is retired.
      Release cmdOnly = TestApps.release(app, 4, TestApps.imageBuild(app, Procfile.parse("cmd: " + TestApps.webCommand() + "\n")), Map.of());
      scheduler.deploy(cmdOnly, Formation.parse("cmd=1"));
      scheduler.reconcile(cmdOnly, Formation.parse("cmd=1"));
      scheduler.apps();
      scheduler.sweep(app);
      scheduler.destroy(app);
      scheduler.deploy(v2, Formation.parse("web=1")); // waits for the terminating namespace to go
      scheduler.destroy(app);

      for (RequestLog.Request request : cluster.requests().all()) {
        used.add(request.verb() + " " + request.group() + "/" + request.resource());
      }
    }

    Set<String> granted = granted();
    assertThat(used).as("requests the published ClusterRole does not grant (add them to rbac.yaml, with why)")
        .isSubsetOf(granted);
    assertThat(granted).as("grants in rbac.yaml that no operation uses (remove them)").isSubsetOf(used);
  }
}
