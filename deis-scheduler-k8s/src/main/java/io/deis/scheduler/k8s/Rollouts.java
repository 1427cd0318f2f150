package io.deis.scheduler.k8s;

import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.Labels;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploy and scale: writes the release's Secret, Deployments and Service, then waits for the
 * {@link Rollout} to be done. A rollout that fails puts back exactly what ran before: the
 * previous Deployments are restored, the ones this deploy made are deleted, and nothing that
 * existed before is ever deleted, so a failure never takes down what serves.
 */
final class Rollouts {
  private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);
  /** How much of a failed container's output a deploy error quotes, as the core's RuntimeScheduler does. */
  private static final int FAILURE_LOG_LINES = 5;

  private final KubeApi api;
  private final Scope scope;
  private final Watches watches;
  private final Inventory inventory;
  private final Namespaces namespaces;
  private final Logs logs;
  private final Duration deadline;
  private final Duration stopGrace;
  private final Duration drain;
  private final Signals signals;

  Rollouts(KubeApi api, Scope scope, Watches watches, Inventory inventory, Namespaces namespaces, Logs logs, Signals signals,
      Duration deadline, Duration stopGrace, Duration drain) {
    this.api = api;
    this.scope = scope;
    this.watches = watches;
    this.inventory = inventory;
    this.namespaces = namespaces;
    this.logs = logs;
    this.deadline = deadline;
    this.stopGrace = stopGrace;
    this.drain = drain;
    this.signals = signals;
  }

  // ---------------------------------------------------------------------------------------------- deploy

  void deploy(Release release, Formation formation) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    Build build = Rules.checkRelease(release);
    Rules.checkFormation(build, formation);
    Instant until = Instant.now().plus(deadline);
    LOG.info("deploying {} of {} at {}", "v" + release.version(), app, formation);

    Map<ProcessType, V1Deployment> before = current(app, until);
    V1Secret secret = SecretResource.manifest(scope, release);
    String secretName = secret.getMetadata().getName();
    if (!api.createUnlessExists("create secret " + secretName, () -> api.core.createNamespacedSecret(ns, secret).execute())) {
      api.call("replace secret " + secretName, () -> api.core.replaceNamespacedSecret(secretName, ns, secret).execute());
    }

    Map<ProcessType, String> names = names(app, formation.counts().keySet(), before);
    Set<String> created = new HashSet<>();
    Progress progress;
    try {
      Map<ProcessType, Long> generations = new TreeMap<>();
      for (Map.Entry<ProcessType, Integer> entry : formation.counts().entrySet()) {
        ProcessType type = entry.getKey();
        String name = names.get(type);
        V1Deployment wanted = DeploymentResource.manifest(scope, release, type, name, entry.getValue(), deadline, stopGrace, drain);
        V1Deployment written;
        if (before.containsKey(type)) {
          written = api.call("replace deployment " + name, () -> api.apps.replaceNamespacedDeployment(name, ns, wanted).execute());
        } else {
          written = api.call("create deployment " + name, () -> api.apps.createNamespacedDeployment(ns, wanted).execute());
          created.add(name);
        }
        generations.put(type, generation(written));
      }
      ensureService(app, build, before);
      progress = await(app, until, new Rollout(release, formation.counts(), names, generations));
    } catch (SchedulerException e) {
      rollBack(release, formation, before, created, secretName);
      throw new DeployException("release v" + release.version() + " of " + app + " failed to deploy: " + e.getMessage()
          + previous(before), e);
    }
    if (progress.state() != Progress.State.DONE) {
      String why = why(release, progress);
      rollBack(release, formation, before, created, secretName);
      throw new DeployException("release v" + release.version() + " of " + app + " failed to deploy: " + why + previous(before));
    }
    retire(release, formation, before, secretName, until);
    LOG.info("deployed v{} of {} at {}", release.version(), app, formation);
  }

  /**
   * The app's Deployments, after making sure it has a live namespace of this installation: one
   * that is missing is made, one that still terminates after a destroy is waited for (what it
   * still holds is on its way out, and nothing can be created in it), another's is refused.
   */
  private Map<ProcessType, V1Deployment> current(AppName app, Instant until) {
    if (namespaces.live(app)) {
      return inventory.deployments(app);
    }
    namespaces.ensure(app, until);
    return Map.of();
  }

  /**
   * The Deployment name of each type: the one it has when it runs already; for a new type
   * {@code <app>-<type>}, unless a Deployment of another type has that name.
   */
  private static Map<ProcessType, String> names(AppName app, Set<ProcessType> types, Map<ProcessType, V1Deployment> before) {
    Set<String> taken = before.values().stream().map(d -> d.getMetadata().getName()).collect(Collectors.toCollection(HashSet::new));
    Map<ProcessType, String> names = new TreeMap<>();
    for (ProcessType type : types) {
      V1Deployment running = before.get(type);
      String name = running != null ? running.getMetadata().getName() : Names.deployment(app, type, taken);
      taken.add(name);
      names.put(type, name);
    }
    return names;
  }

  /**
   * The new release serves: retire the types it no longer runs and the old releases' secrets. A
   * failure here does not fail the deploy (the new release serves, as the store will say); it is
   * logged, and the next reconcile removes what is left.
   */
  private void retire(Release release, Formation formation, Map<ProcessType, V1Deployment> before, String secretName, Instant until) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    Set<ProcessType> retired = new TreeSet<>(before.keySet());
    retired.removeAll(formation.counts().keySet());
    try {
      for (ProcessType type : retired) {
        String name = before.get(type).getMetadata().getName();
        api.delete("delete deployment " + name,
            () -> api.apps.deleteNamespacedDeployment(name, ns).propagationPolicy("Background").buildCall(null));
      }
      if (!retired.isEmpty()) {
        Progress gone = awaitPods(app, until, pods -> left(pods, p -> PodStates.type(p).map(retired::contains).orElse(false),
            "pods of " + retired + " to stop"));
        if (gone.state() != Progress.State.DONE) {
          LOG.warn("v{} of {} serves, but the pods of {} did not stop in time ({}); the next reconcile removes them",
              release.version(), app, retired, gone.detail());
        }
      }
      Set<String> oldSecrets = before.values().stream().map(DeploymentResource::secret).flatMap(Optional::stream)
          .filter(s -> !s.equals(secretName)).collect(Collectors.toCollection(TreeSet::new));
      for (String old : oldSecrets) {
        api.delete("delete secret " + old, () -> api.core.deleteNamespacedSecret(old, ns).buildCall(null));
      }
    } catch (SchedulerException e) {
      LOG.warn("v{} of {} serves, but retiring what it replaced failed; the next reconcile removes it: {}",
          release.version(), app, e.getMessage());
    }
  }

  /** Puts back what ran before a failed deploy: the previous Deployments, and no trace of the new release. */
  private void rollBack(Release release, Formation formation, Map<ProcessType, V1Deployment> before, Set<String> created,
      String secretName) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    try {
      for (ProcessType type : formation.counts().keySet()) {
        V1Deployment previous = before.get(type);
        if (previous != null) {
          String name = previous.getMetadata().getName();
          V1Deployment restored = DeploymentResource.forReplace(previous);
          api.call("restore deployment " + name, () -> api.apps.replaceNamespacedDeployment(name, ns, restored).execute());
        }
      }
      // Only what this deploy made goes: a name it wanted but found taken (a 409) belongs to something that serves.
      for (String name : created) {
        api.delete("delete deployment " + name,
            () -> api.apps.deleteNamespacedDeployment(name, ns).propagationPolicy("Background").buildCall(null));
      }
      boolean secretInUse = before.values().stream().map(DeploymentResource::secret)
          .anyMatch(s -> s.equals(Optional.of(secretName)));
      if (!secretInUse) {
        api.delete("delete secret " + secretName, () -> api.core.deleteNamespacedSecret(secretName, ns).buildCall(null));
      }
      Set<ProcessType> types = formation.counts().keySet().stream()
          .filter(t -> before.get(t) == null || DeploymentResource.release(before.get(t)) != release.version())
          .collect(Collectors.toSet());
      Progress cleaned = awaitPods(app, Instant.now().plus(deadline), pods -> left(pods,
          p -> PodStates.release(p) == release.version() && PodStates.type(p).map(types::contains).orElse(false),
          "pods of v" + release.version() + " to stop"));
      if (cleaned.state() != Progress.State.DONE) {
        LOG.warn("rolled back v{} of {}, but {}", release.version(), app, cleaned.detail());
      }
    } catch (SchedulerException e) {
      // The deploy's own error is the one to report; this one only explains leftovers.
      LOG.error("could not fully roll back v{} of {}: {}", release.version(), app, e.getMessage());
    }
  }

  private void ensureService(AppName app, Build build, Map<ProcessType, V1Deployment> before) {
    ProcessType routable = build.processTypes().contains(ProcessType.WEB) ? ProcessType.WEB : ProcessType.CMD;
    if (before.containsKey(routable)) {
      return; // the deploy that made this type's Deployment made the Service selecting it
    }
    String ns = Names.namespace(app);
    V1Service service = ServiceResource.manifest(scope, app, routable);
    String name = service.getMetadata().getName();
    Optional<V1Service> existing = api.callUnlessNotFound("read service " + name,
        () -> api.core.readNamespacedService(name, ns).execute());
    if (existing.isEmpty()) {
      api.createUnlessExists("create service " + name, () -> api.core.createNamespacedService(ns, service).execute());
    } else if (!ServiceResource.selectedType(existing.get()).equals(Optional.of(routable.value()))) {
      V1Service changed = existing.get();
      changed.getSpec().setSelector(service.getSpec().getSelector());
      api.call("update service " + name, () -> api.core.replaceNamespacedService(name, ns, changed).execute());
    }
  }

  // ---------------------------------------------------------------------------------------------- reconcile

  /**
   * Makes the app's objects say {@code release} at {@code formation}, from whatever they say now,
   * without waiting for pods: a Deployment of another release or count is replaced (a rolling
   * update, so what serves keeps serving), a missing one made, one of a type left out deleted,
   * Secrets no Deployment uses deleted, and pods that ended (evicted, say) removed. Kubernetes
   * itself restarts crashed containers, so there is nothing to retry later.
   */
  void reconcile(Release release, Formation formation) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    Build build = Rules.checkRelease(release);
    Rules.checkFormation(build, formation);
    if (formation.total() == 0 && !namespaces.live(app)) {
      return; // nothing runs, nothing should
    }
    Map<ProcessType, V1Deployment> before = current(app, Instant.now().plus(deadline));
    V1Secret secret = SecretResource.manifest(scope, release);
    String secretName = secret.getMetadata().getName();
    List<V1Secret> secrets = api.call("list the secrets of " + app, () -> api.core.listNamespacedSecret(ns)
        .labelSelector(scope.appSelector(app) + ",!" + Scope.RUN).execute()).getItems();
    if (secrets.stream().noneMatch(s -> s.getMetadata().getName().equals(secretName))) {
      api.createUnlessExists("create secret " + secretName, () -> api.core.createNamespacedSecret(ns, secret).execute());
    }
    Map<ProcessType, String> names = names(app, formation.counts().keySet(), before);
    for (Map.Entry<ProcessType, Integer> entry : formation.counts().entrySet()) {
      ProcessType type = entry.getKey();
      V1Deployment running = before.get(type);
      String name = names.get(type);
      if (running != null && DeploymentResource.release(running) == release.version()
          && DeploymentResource.replicas(running) == entry.getValue()) {
        continue; // as it should be
      }
      LOG.info("reconciling {} {}: v{} at {}", app, type, release.version(), entry.getValue());
      V1Deployment wanted = DeploymentResource.manifest(scope, release, type, name, entry.getValue(), deadline, stopGrace, drain);
      if (running == null) {
        api.call("create deployment " + name, () -> api.apps.createNamespacedDeployment(ns, wanted).execute());
      } else {
        api.call("replace deployment " + name, () -> api.apps.replaceNamespacedDeployment(name, ns, wanted).execute());
      }
    }
    ensureService(app, build, before);
    for (Map.Entry<ProcessType, V1Deployment> old : before.entrySet()) {
      if (!formation.counts().containsKey(old.getKey())) {
        String name = old.getValue().getMetadata().getName();
        LOG.info("reconciling {}: {} is not in the formation, deleting deployment {}", app, old.getKey(), name);
        api.delete("delete deployment " + name,
            () -> api.apps.deleteNamespacedDeployment(name, ns).propagationPolicy("Background").buildCall(null));
      }
    }
    // Pods that ended are removed; a Secret goes once no Deployment and no live pod reads it
    // (old pods of a rolling update still restart with theirs).
    Set<String> inUse = new HashSet<>(Set.of(secretName));
    for (V1Pod pod : api.call("list the pods of " + app, () -> api.core.listNamespacedPod(ns)
        .labelSelector(scope.appSelector(app) + "," + Labels.TYPE + "!=" + ProcessType.RUN).execute()).getItems()) {
      String name = pod.getMetadata().getName();
      if (PodStates.ended(pod)) {
        api.delete("delete pod " + name, () -> api.core.deleteNamespacedPod(name, ns).buildCall(null));
      } else {
        PodStates.secret(pod).ifPresent(inUse::add);
      }
    }
    for (V1Secret old : secrets) {
      String name = old.getMetadata().getName();
      if (!inUse.contains(name)) {
        api.delete("delete secret " + name, () -> api.core.deleteNamespacedSecret(name, ns).buildCall(null));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- scale

  void scale(Release release, Formation formation) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    Build build = Rules.checkRelease(release);
    Rules.checkFormation(build, formation);
    Map<ProcessType, V1Deployment> current = namespaces.live(app) ? inventory.deployments(app) : Map.of();
    if (current.isEmpty()) {
      deploy(release, formation); // nothing runs yet: scaling from nothing is a deploy
      return;
    }
    Instant until = Instant.now().plus(deadline);
    Map<ProcessType, String> names = names(app, formation.counts().keySet(), current);
    Map<ProcessType, Integer> previous = new TreeMap<>();
    Map<ProcessType, Long> generations = new TreeMap<>();
    for (Map.Entry<ProcessType, Integer> entry : formation.counts().entrySet()) {
      ProcessType type = entry.getKey();
      V1Deployment deployment = current.get(type);
      String name = names.get(type);
      if (deployment == null || DeploymentResource.release(deployment) != release.version()) {
        V1Deployment wanted = DeploymentResource.manifest(scope, release, type, name, entry.getValue(), deadline, stopGrace, drain);
        if (deployment == null) {
          generations.put(type, generation(api.call("create deployment " + name,
              () -> api.apps.createNamespacedDeployment(ns, wanted).execute())));
          previous.put(type, 0);
        } else {
          generations.put(type, generation(api.call("replace deployment " + name,
              () -> api.apps.replaceNamespacedDeployment(name, ns, wanted).execute())));
          previous.put(type, DeploymentResource.replicas(deployment));
        }
      } else if (DeploymentResource.replicas(deployment) != entry.getValue()) {
        generations.put(type, generation(patchReplicas(ns, name, entry.getValue())));
        previous.put(type, DeploymentResource.replicas(deployment));
      }
    }
    if (previous.isEmpty()) {
      return; // every count is as asked: nothing to write, nothing to wait for
    }
    LOG.info("scaling {} to {}", app, formation);
    Map<ProcessType, Integer> changed = new TreeMap<>();
    previous.keySet().forEach(t -> changed.put(t, formation.count(t)));
    Progress progress = await(app, until, new Rollout(release, changed, names, generations));
    if (progress.state() != Progress.State.DONE) {
      String why = why(release, progress);
      previous.forEach((type, count) -> {
        try {
          patchReplicas(ns, names.get(type), count);
        } catch (SchedulerException e) {
          LOG.error("could not scale {} {} back to {}: {}", app, type, count, e.getMessage());
        }
      });
      throw new SchedulerException("could not scale " + app + " to " + new Formation(changed) + ": " + why
          + "; scaled back to " + new Formation(previous));
    }
  }

  /** The one write of a scale: a JSON merge patch of {@code spec.replicas}. */
  private V1Deployment patchReplicas(String ns, String name, int replicas) {
    V1Patch patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}");
    return api.call("scale deployment " + name + " to " + replicas, () -> PatchUtils.patch(V1Deployment.class,
        () -> api.apps.patchNamespacedDeployment(name, ns, patch).buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, api.client));
  }

  // ---------------------------------------------------------------------------------------------- waits

  /** Watches the app's Deployments and pods until the rollout is judged or the deadline passes. */
  private Progress await(AppName app, Instant until, Rollout rollout) {
    Watches.Source<V1Deployment> deployments = inventory.deploymentSource(app);
    Watches.Source<V1Pod> pods = inventory.podSource(app);
    return watches.await(List.of(deployments, pods), until, snapshot -> {
      signals.observe(app, snapshot.of(pods)); // ready and retiring as the rollout sees them, before it is judged done
      return rollout.judge(snapshot.of(deployments), Inventory.containersOf(snapshot.of(pods)));
    }).progress();
  }

  Progress awaitPods(AppName app, Instant until, Function<List<V1Pod>, Progress> condition) {
    Watches.Source<V1Pod> pods = inventory.podSource(app);
    return watches.await(pods, until, snapshot -> {
      signals.observe(app, snapshot.of(pods));
      return condition.apply(Inventory.containersOf(snapshot.of(pods)));
    }).progress();
  }

  private static Progress left(List<V1Pod> pods, java.util.function.Predicate<V1Pod> which, String what) {
    long left = pods.stream().filter(which).count();
    return left == 0 ? Progress.done() : Progress.waiting(left + " " + what);
  }

  private String why(Release release, Progress progress) {
    return progress.state() == Progress.State.FAILED ? progress.detail() + lastOutput(release.app(), progress)
        : "not ready within " + deadline.toSeconds() + "s: still waiting for " + progress.detail()
            + release.config().healthCheck().map(check -> " (web and cmd pods are ready once they pass their health check GET "
                + check.path() + " on port " + Names.PORT + ")").orElse("");
  }

  /** The last lines the failed pod's container printed, indented under its name; empty when it printed nothing. */
  private String lastOutput(AppName app, Progress progress) {
    return progress.failedPod().map(failed -> {
      List<String> lines = logs.lastOutput(app, failed.pod(), FAILURE_LOG_LINES);
      return lines.isEmpty() ? "" : "\n  last output of " + failed.container() + ":\n    " + String.join("\n    ", lines);
    }).orElse("");
  }

  private static String previous(Map<ProcessType, V1Deployment> before) {
    return before.isEmpty() ? "; its new containers were removed"
        : "; its new containers were removed and the previous release keeps serving";
  }

  private static long generation(V1Deployment written) {
    return written == null || written.getMetadata() == null || written.getMetadata().getGeneration() == null
        ? 0 : written.getMetadata().getGeneration();
  }
}
