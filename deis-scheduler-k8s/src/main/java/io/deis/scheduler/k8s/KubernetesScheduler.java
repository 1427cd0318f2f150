package io.deis.scheduler.k8s;

import com.google.gson.reflect.TypeToken;
import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.HealthCheck;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.SchedulerListener;
import io.deis.scheduler.Listeners;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NamespaceList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.lang.reflect.Type;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Scheduler} on Kubernetes, through the official Kubernetes Java client. An app is a
 * namespace; each process type a Deployment {@code <app>-<type>}; each release a Secret with its
 * config; the app's web (or cmd) pods sit behind a ClusterIP Service. Deis containers are read
 * from pods. Every wait is a watch, so calls return as soon as the API reports what they wait for.
 *
 * <pre>{@code
 * Scheduler scheduler = KubernetesScheduler.fromDefaultConfig();          // kubeconfig, or in-cluster
 * Scheduler scheduler = KubernetesScheduler.builder(apiClient)
 *     .deployDeadline(Duration.ofMinutes(2)).build();
 * }</pre>
 */
public final class KubernetesScheduler implements Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesScheduler.class);
  private static final Type POD_EVENT = new TypeToken<Watch.Response<V1Pod>>() {}.getType();
  private static final Type NAMESPACE_EVENT = new TypeToken<Watch.Response<V1Namespace>>() {}.getType();
  private static final String RUN_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** How many failed probes of a health check fail a deploy, as Deis's four tries did. */
  private static final int HEALTH_CHECK_TRIES = 4;
  /** How much of a failed container's output a deploy error quotes, as the core's RuntimeScheduler does. */
  private static final int FAILURE_LOG_LINES = 5;

  private final KubeApi api;
  private final Waiter waiter;
  private final Duration deployDeadline;
  private final boolean ownsClient;
  private final Numbering numbering = new Numbering();
  /** Pods that a restart made, so their history says "restart"; a new scheduler does not know them. */
  private final Map<AppName, Set<String>> restartedPods = new java.util.concurrent.ConcurrentHashMap<>();
  private final ImageBuilder imageBuilder = new KubernetesImageBuilder();
  private final Listeners listeners = new Listeners();
  private volatile Installation installation;

  private KubernetesScheduler(Builder builder) {
    this.api = new KubeApi(builder.client);
    this.waiter = new Waiter(api);
    this.deployDeadline = builder.deployDeadline;
    this.ownsClient = builder.ownsClient;
  }

  /** Configured the standard way: {@code $KUBECONFIG}, {@code ~/.kube/config}, or the in-cluster service account. */
  public static KubernetesScheduler fromDefaultConfig() {
    try {
      Builder builder = builder(Config.defaultClient());
      builder.ownsClient = true;
      return builder.build();
    } catch (IOException e) {
      throw new SchedulerException("could not load the Kubernetes configuration (kubeconfig or in-cluster service account): "
          + e.getMessage(), e);
    }
  }

  /** On a client the caller configured (and keeps owning: {@link #close} leaves it open). */
  public static KubernetesScheduler using(ApiClient client) {
    return builder(client).build();
  }

  public static Builder builder(ApiClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /** Options of a {@link KubernetesScheduler}. */
  public static final class Builder {
    private final ApiClient client;
    private Duration deployDeadline = Duration.ofMinutes(5);
    private boolean ownsClient;

    private Builder(ApiClient client) {
      this.client = client;
    }

    /**
     * How long a deploy (and a scale, restart or destroy) may take to become ready; past it the
     * release fails and the previous one keeps serving. Five minutes unless set.
     */
    public Builder deployDeadline(Duration deadline) {
      if (deadline == null || deadline.isNegative() || deadline.isZero()) {
        throw new InvalidInputException("deploy deadline " + deadline + " is invalid: it must be more than zero");
      }
      this.deployDeadline = deadline;
      return this;
    }

    public KubernetesScheduler build() {
      return new KubernetesScheduler(this);
    }
  }

  @Override
  public ImageBuilder imageBuilder() {
    return imageBuilder;
  }

  /**
   * Records the installation. Kubernetes objects do not carry it yet: until they do, two
   * installations must not share a cluster (the k8s work of the consistency issue adds it).
   */
  @Override
  public void start(Installation installation) {
    if (this.installation != null) {
      throw new IllegalStateException("the scheduler is started already, for installation " + this.installation);
    }
    this.installation = installation;
  }

  /** Kubernetes restarts crashed containers itself; no container events are reported yet. */
  @Override
  public void addListener(SchedulerListener listener) {
    listeners.add(listener);
  }

  /** Deploys the release when the app runs another one (or none), else scales it to the formation. */
  @Override
  public Optional<Duration> reconcile(Release release, Formation formation) {
    List<Container> running = containers(release.app());
    if (running.isEmpty() && formation.total() == 0) {
      return Optional.empty();
    }
    if (running.stream().allMatch(c -> c.release() == release.version()) && !running.isEmpty()) {
      scale(release, formation);
    } else {
      deploy(release, formation);
    }
    return Optional.empty();
  }

  /** The apps with a namespace made by this SDK. */
  @Override
  public Set<AppName> apps() {
    return api.call("list namespaces", () -> api.core.listNamespace()
        .labelSelector(Labels.HERITAGE + "=" + Labels.HERITAGE_VALUE).execute()).getItems().stream()
        .map(ns -> ns.getMetadata().getLabels() == null ? null : ns.getMetadata().getLabels().get(Labels.APP))
        .filter(java.util.Objects::nonNull)
        .map(AppName::of)
        .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  // ---------------------------------------------------------------------------------------------
  // deploy

  @Override
  public void deploy(Release release, Formation formation) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    Build build = buildOf(release);
    PodSpecs.image(release);
    checkTypes(build, formation);
    Instant deadline = Instant.now().plus(deployDeadline);
    LOG.info("deploying {} of {} at {}", "v" + release.version(), app, formation);

    Map<ProcessType, V1Deployment> before = deployments(app);
    if (before.isEmpty()) {
      ensureNamespace(app);
    }
    V1Secret secret = SecretResource.manifest(release);
    String secretName = secret.getMetadata().getName();
    if (!api.createUnlessExists("create secret " + secretName, () -> api.core.createNamespacedSecret(ns, secret).execute())) {
      api.call("replace secret " + secretName, () -> api.core.replaceNamespacedSecret(secretName, ns, secret).execute());
    }

    Progress progress;
    try {
      for (Map.Entry<ProcessType, Integer> entry : formation.counts().entrySet()) {
        V1Deployment wanted = DeploymentResource.manifest(release, entry.getKey(), entry.getValue(), deployDeadline);
        String name = wanted.getMetadata().getName();
        if (before.containsKey(entry.getKey())) {
          api.call("replace deployment " + name, () -> api.apps.replaceNamespacedDeployment(name, ns, wanted).execute());
        } else {
          api.call("create deployment " + name, () -> api.apps.createNamespacedDeployment(ns, wanted).execute());
        }
      }
      ensureService(app, build, before);
      progress = awaitPods(app, deadline, pods -> rolledOut(release, formation, pods));
    } catch (SchedulerException e) {
      rollBack(release, formation, before, secretName);
      throw new DeployException("release v" + release.version() + " of " + app + " failed to deploy: " + e.getMessage()
          + previous(before), e);
    }
    if (progress.state() != Progress.State.DONE) {
      String why = progress.state() == Progress.State.FAILED ? progress.detail() + lastOutput(app, progress)
          : "not ready within " + deployDeadline.toSeconds() + "s: still waiting for " + progress.detail()
              + release.config().healthCheck().map(check -> " (web and cmd pods are ready once they pass their health check GET "
                  + check.path() + " on port " + Names.PORT + ")").orElse("");
      rollBack(release, formation, before, secretName);
      throw new DeployException("release v" + release.version() + " of " + app + " failed to deploy: " + why + previous(before));
    }

    // The new release serves: retire the types it no longer runs and the old releases' secrets.
    Set<ProcessType> retired = new TreeSet<>(before.keySet());
    retired.removeAll(formation.counts().keySet());
    for (ProcessType type : retired) {
      String name = Names.deployment(app, type);
      api.delete("delete deployment " + name,
          () -> api.apps.deleteNamespacedDeployment(name, ns).propagationPolicy("Background").buildCall(null));
    }
    if (!retired.isEmpty()) {
      Progress gone = awaitPods(app, deadline, pods -> noPodsOf(retired, pods));
      if (gone.state() != Progress.State.DONE) {
        throw new SchedulerException("release v" + release.version() + " of " + app + " is up, but the pods of "
            + retired + " did not stop: " + gone.detail());
      }
    }
    Set<String> oldSecrets = before.values().stream().map(DeploymentResource::secret).flatMap(Optional::stream)
        .filter(s -> !s.equals(secretName)).collect(Collectors.toCollection(TreeSet::new));
    for (String old : oldSecrets) {
      api.delete("delete secret " + old, () -> api.core.deleteNamespacedSecret(old, ns).buildCall(null));
    }
    LOG.info("deployed v{} of {} at {}", release.version(), app, formation);
  }

  /** Creates the app's namespace; one that exists already must be Deis's, or nothing is written into it. */
  private void ensureNamespace(AppName app) {
    String ns = Names.namespace(app);
    if (!api.createUnlessExists("create namespace " + ns, () -> api.core.createNamespace(NamespaceResource.manifest(app)).execute())) {
      V1Namespace existing = api.call("read namespace " + ns, () -> api.core.readNamespace(ns).execute());
      checkOurs(existing, "deploy into it");
    }
  }

  private static void checkOurs(V1Namespace namespace, String refused) {
    Map<String, String> labels = Optional.ofNullable(namespace.getMetadata().getLabels()).orElse(Map.of());
    if (!Labels.HERITAGE_VALUE.equals(labels.get(Labels.HERITAGE))) {
      throw new SchedulerException("namespace " + namespace.getMetadata().getName() + " exists but was not made by Deis (it has no "
          + Labels.HERITAGE + "=" + Labels.HERITAGE_VALUE + " label): refusing to " + refused);
    }
  }

  private static String previous(Map<ProcessType, V1Deployment> before) {
    return before.isEmpty() ? "; its new containers were removed"
        : "; its new containers were removed and the previous release keeps serving";
  }

  /** Done when every type runs exactly its count of ready pods of this release, and nothing else. */
  private static Progress rolledOut(Release release, Formation formation, Collection<V1Pod> pods) {
    List<String> missing = new ArrayList<>();
    Instant now = Instant.now();
    Instant recheckAt = null;
    for (Map.Entry<ProcessType, Integer> entry : formation.counts().entrySet()) {
      ProcessType type = entry.getKey();
      int ready = 0;
      int others = 0;
      List<V1Pod> fresh = new ArrayList<>();
      for (V1Pod pod : pods) {
        if (!PodStates.type(pod).map(type::equals).orElse(false)) {
          continue;
        }
        if (PodStates.release(pod) == release.version() && pod.getMetadata().getDeletionTimestamp() == null) {
          fresh.add(pod);
        } else {
          others++;
        }
      }
      fresh.sort(Comparator.comparing((V1Pod p) -> p.getMetadata().getCreationTimestamp(),
          Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(p -> p.getMetadata().getName()));
      Optional<HealthCheck> check = type.receivesTraffic() ? release.config().healthCheck() : Optional.empty();
      for (int i = 0; i < fresh.size(); i++) {
        V1Pod pod = fresh.get(i);
        // Named as ps would name it among the new release's containers: worker.1 is the first new worker.
        String container = type + "." + (i + 1);
        String name = container + " (pod " + pod.getMetadata().getName() + ")";
        Optional<String> failure = PodStates.failure(pod);
        if (failure.isPresent()) {
          return Progress.failed(name + " " + failure.get(), pod.getMetadata().getName(), container);
        }
        if (PodStates.state(pod) == ContainerState.UP) {
          ready++;
        } else if (check.isPresent() && PodStates.running(pod) && PodStates.runningSince(pod).isPresent()) {
          // Deis gave a health check four tries; a pod still unready after that many probes fails it.
          Instant judged = PodStates.runningSince(pod).get().plus(healthCheckBudget(check.get()));
          if (!now.isBefore(judged)) {
            return Progress.failed(name + " failed its health check GET " + check.get().path() + " on port " + Names.PORT
                + ": app containers failed to respond to health check (not ready " + HEALTH_CHECK_TRIES + " probes after it started)",
                pod.getMetadata().getName(), container);
          }
          recheckAt = recheckAt == null || judged.isBefore(recheckAt) ? judged : recheckAt;
        }
      }
      if (ready < entry.getValue()) {
        missing.add(ready + " of " + entry.getValue() + " " + type + " pods of v" + release.version() + " ready");
      } else if (fresh.size() > entry.getValue() || others > 0) {
        missing.add((others + fresh.size() - entry.getValue()) + " old " + type + " pods to stop");
      }
    }
    return missing.isEmpty() ? Progress.done() : Progress.waiting(String.join(", ", missing), Optional.ofNullable(recheckAt));
  }

  /**
   * The last lines the failed pod's container printed, indented under its name, read before the
   * pod is removed; empty when it printed nothing. A container that crashed and runs again has
   * its crash in the previous log.
   */
  private String lastOutput(AppName app, Progress progress) {
    return progress.failedPod().map(failed -> {
      String ns = Names.namespace(app);
      boolean runsAgain = api.callUnlessNotFound("read pod " + failed.pod(), () -> api.core.readNamespacedPod(failed.pod(), ns).execute())
          .map(p -> PodStates.running(p) && PodStates.restarts(p) > 0).orElse(false);
      List<String> lines = readLog(ns, failed.pod(), FAILURE_LOG_LINES, runsAgain, false)
          .map(t -> t.lines().toList()).orElse(List.of());
      return lines.isEmpty() ? "" : "\n  last output of " + failed.container() + ":\n    " + String.join("\n    ", lines);
    }).orElse("");
  }

  /**
   * How long after its start a pod may stay unready before its health check counts as failed:
   * the initial delay, then four probes (each a period plus its timeout), plus 2 s because the
   * API reports start times in whole seconds.
   */
  static Duration healthCheckBudget(HealthCheck check) {
    Duration perTry = Duration.ofSeconds(PodSpecs.PROBE_PERIOD_SECONDS).plus(Duration.ofSeconds(Math.max(1, check.timeout().toSeconds())));
    return check.initialDelay().plus(perTry.multipliedBy(HEALTH_CHECK_TRIES)).plusSeconds(2);
  }

  private static Progress noPodsOf(Set<ProcessType> types, Collection<V1Pod> pods) {
    long left = pods.stream().filter(p -> PodStates.type(p).map(types::contains).orElse(false)).count();
    return left == 0 ? Progress.done() : Progress.waiting(left + " pods of " + types + " to stop");
  }

  /** Puts back what ran before a failed deploy: the previous Deployments, and no trace of the new release. */
  private void rollBack(Release release, Formation formation, Map<ProcessType, V1Deployment> before, String secretName) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    try {
      for (ProcessType type : formation.counts().keySet()) {
        String name = Names.deployment(app, type);
        V1Deployment previous = before.get(type);
        if (previous != null) {
          V1Deployment restored = DeploymentResource.forReplace(previous);
          api.call("restore deployment " + name, () -> api.apps.replaceNamespacedDeployment(name, ns, restored).execute());
        } else {
          api.delete("delete deployment " + name,
              () -> api.apps.deleteNamespacedDeployment(name, ns).propagationPolicy("Background").buildCall(null));
        }
      }
      boolean secretInUse = before.values().stream().map(DeploymentResource::secret)
          .anyMatch(s -> s.equals(Optional.of(secretName)));
      if (!secretInUse) {
        api.delete("delete secret " + secretName, () -> api.core.deleteNamespacedSecret(secretName, ns).buildCall(null));
      }
      Set<ProcessType> types = formation.counts().keySet().stream()
          .filter(t -> before.get(t) == null || DeploymentResource.release(before.get(t)) != release.version())
          .collect(Collectors.toSet());
      Progress cleaned = awaitPods(app, Instant.now().plus(deployDeadline), pods -> {
        long left = pods.stream().filter(p -> PodStates.release(p) == release.version()
            && PodStates.type(p).map(types::contains).orElse(false)).count();
        return left == 0 ? Progress.done() : Progress.waiting(left + " pods of v" + release.version() + " to stop");
      });
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
    V1Service service = ServiceResource.manifest(app, routable);
    String name = service.getMetadata().getName();
    if (!api.createUnlessExists("create service " + name, () -> api.core.createNamespacedService(ns, service).execute())) {
      V1Service existing = api.call("read service " + name, () -> api.core.readNamespacedService(name, ns).execute());
      if (!ServiceResource.selectedType(existing).equals(Optional.of(routable.value()))) {
        existing.getSpec().setSelector(service.getSpec().getSelector());
        api.call("update service " + name, () -> api.core.replaceNamespacedService(name, ns, existing).execute());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // scale

  @Override
  public void scale(Release release, Formation formation) {
    AppName app = release.app();
    String ns = Names.namespace(app);
    Build build = buildOf(release);
    checkTypes(build, formation);
    Map<ProcessType, V1Deployment> current = deployments(app);
    if (current.isEmpty()) {
      deploy(release, formation); // nothing runs yet: scaling from nothing is a deploy
      return;
    }
    Instant deadline = Instant.now().plus(deployDeadline);
    Map<ProcessType, Integer> previous = new TreeMap<>();
    for (Map.Entry<ProcessType, Integer> entry : formation.counts().entrySet()) {
      ProcessType type = entry.getKey();
      V1Deployment deployment = current.get(type);
      String name = Names.deployment(app, type);
      if (deployment == null || DeploymentResource.release(deployment) != release.version()) {
        V1Deployment wanted = DeploymentResource.manifest(release, type, entry.getValue(), deployDeadline);
        if (deployment == null) {
          api.call("create deployment " + name, () -> api.apps.createNamespacedDeployment(ns, wanted).execute());
          previous.put(type, 0);
        } else {
          api.call("replace deployment " + name, () -> api.apps.replaceNamespacedDeployment(name, ns, wanted).execute());
          previous.put(type, DeploymentResource.replicas(deployment));
        }
      } else if (DeploymentResource.replicas(deployment) != entry.getValue()) {
        patchReplicas(app, type, entry.getValue());
        previous.put(type, DeploymentResource.replicas(deployment));
      }
    }
    if (previous.isEmpty()) {
      return; // every count is as asked: nothing to write, nothing to wait for
    }
    LOG.info("scaling {} to {}", app, formation);
    Formation changed = new Formation(previous.keySet().stream()
        .collect(Collectors.toMap(t -> t, formation::count)));
    Progress progress = awaitPods(app, deadline, pods -> rolledOut(release, changed, pods));
    if (progress.state() != Progress.State.DONE) {
      String why = progress.state() == Progress.State.FAILED ? progress.detail() + lastOutput(app, progress)
          : "not ready within " + deployDeadline.toSeconds() + "s: still waiting for " + progress.detail();
      previous.forEach((type, count) -> {
        try {
          patchReplicas(app, type, count);
        } catch (SchedulerException e) {
          LOG.error("could not scale {} {} back to {}: {}", app, type, count, e.getMessage());
        }
      });
      throw new SchedulerException("could not scale " + app + " to " + changed + ": " + why
          + "; scaled back to " + new Formation(previous));
    }
  }

  /** The one write of a scale: a JSON merge patch of {@code spec.replicas}. */
  private void patchReplicas(AppName app, ProcessType type, int replicas) {
    String name = Names.deployment(app, type);
    V1Patch patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}");
    api.call("scale deployment " + name + " to " + replicas, () -> PatchUtils.patch(V1Deployment.class,
        () -> api.apps.patchNamespacedDeployment(name, Names.namespace(app), patch).buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, api.client));
  }

  // ---------------------------------------------------------------------------------------------
  // restart

  @Override
  public List<Container> restart(AppName app, ContainerFilter filter) {
    String ns = Names.namespace(app);
    List<V1Pod> pods = pods(app);
    Map<ProcessType, List<V1Pod>> byType = numbered(app, pods);
    Set<String> before = pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    Set<String> targets = new LinkedHashSet<>();
    Map<ProcessType, Integer> counts = new TreeMap<>();
    byType.forEach((type, list) -> {
      for (int i = 0; i < list.size(); i++) {
        V1Pod pod = list.get(i);
        if (filter.matches(PodStates.container(pod, app, type, i + 1, false))) {
          targets.add(pod.getMetadata().getName());
          counts.put(type, list.size());
        }
      }
    });
    if (targets.isEmpty()) {
      return List.of();
    }
    LOG.info("restarting {} of {}: {}", filter, app, targets);
    if (filter.num().isPresent()) {
      for (String pod : targets) {
        api.delete("delete pod " + pod, () -> api.core.deleteNamespacedPod(pod, ns).buildCall(null));
      }
    } else {
      // As `kubectl rollout restart`: a new template rolls the pods with maxUnavailable 0, so no downtime.
      String at = OffsetDateTime.now().toString();
      for (ProcessType type : counts.keySet()) {
        String name = Names.deployment(app, type);
        V1Patch patch = new V1Patch("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
            + Names.RESTARTED_AT + "\":\"" + at + "\"}}}}}");
        api.call("restart deployment " + name, () -> PatchUtils.patch(V1Deployment.class,
            () -> api.apps.patchNamespacedDeployment(name, ns, patch).buildCall(null),
            V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, api.client));
      }
    }
    // Done when every target is gone and each type is back to its count of started pods. A pod
    // that crashes on restart is tolerated, as Deis did: it shows as down in the result.
    Progress progress = awaitPods(app, Instant.now().plus(deployDeadline), now -> {
      List<String> missing = new ArrayList<>();
      for (V1Pod pod : now) {
        if (targets.contains(pod.getMetadata().getName())) {
          missing.add(pod.getMetadata().getName() + " to stop");
        }
      }
      counts.forEach((type, count) -> {
        long settled = now.stream().filter(p -> PodStates.type(p).map(type::equals).orElse(false)
                && p.getMetadata().getDeletionTimestamp() == null && !targets.contains(p.getMetadata().getName()))
            .filter(p -> PodStates.state(p) == ContainerState.UP || PodStates.failure(p).isPresent()).count();
        if (settled < count) {
          missing.add(settled + " of " + count + " " + type + " pods started");
        }
      });
      return missing.isEmpty() ? Progress.done() : Progress.waiting(String.join(", ", missing));
    });
    if (progress.state() != Progress.State.DONE) {
      throw new SchedulerException("could not restart " + filter + " of " + app + ": still waiting for " + progress.detail());
    }
    Set<String> made = restartedPods.computeIfAbsent(app, a -> java.util.concurrent.ConcurrentHashMap.newKeySet());
    pods(app).stream().map(p -> p.getMetadata().getName()).filter(n -> !before.contains(n)).forEach(made::add);
    return containers(app).stream()
        .filter(c -> !before.contains(c.id()) && counts.containsKey(c.type()))
        .filter(c -> filter.num().isEmpty() || c.num() == filter.num().getAsInt())
        .toList();
  }

  // ---------------------------------------------------------------------------------------------
  // containers, logs

  @Override
  public List<Container> containers(AppName app) {
    Map<ProcessType, V1Deployment> deployments = deployments(app);
    List<V1Pod> pods = pods(app);
    Map<ProcessType, List<V1Pod>> byType = numbered(app, pods);
    Set<String> present = pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    restartedPods.computeIfPresent(app, (a, made) -> {
      made.retainAll(present); // pods that are gone need no memory
      return made;
    });
    Set<ProcessType> types = new TreeSet<>(deployments.keySet());
    types.addAll(byType.keySet());
    List<Container> containers = new ArrayList<>();
    for (ProcessType type : types) {
      List<V1Pod> list = byType.getOrDefault(type, List.of());
      for (int i = 0; i < list.size(); i++) {
        V1Pod pod = list.get(i);
        boolean restarted = restartedPods.getOrDefault(app, Set.of()).contains(pod.getMetadata().getName());
        containers.add(PodStates.container(pod, app, type, i + 1, restarted));
      }
      V1Deployment deployment = deployments.get(type);
      int wanted = deployment == null ? 0 : DeploymentResource.replicas(deployment);
      for (int num = list.size() + 1; num <= wanted; num++) {
        // A replica the Deployment wants but no pod exists for yet: Deis's initialized.
        containers.add(Container.initialized(Names.deployment(app, type) + "-pending-" + num, app, type, num,
            DeploymentResource.release(deployment)));
      }
    }
    containers.sort(Comparator.comparing(Container::type).thenComparingInt(Container::num));
    return containers;
  }

  @Override
  public List<LogLine> logs(AppName app, int lines) {
    if (lines < 1) {
      throw new InvalidInputException("log lines " + lines + " is invalid: ask for 1 or more");
    }
    String ns = Names.namespace(app);
    List<List<LogLine>> sources = new ArrayList<>();
    numbered(app, pods(app)).forEach((type, list) -> {
      for (int i = 0; i < list.size(); i++) {
        V1Pod pod = list.get(i);
        String source = type + "." + (i + 1);
        List<Optional<String>> texts = new ArrayList<>();
        if (PodStates.restarts(pod) > 0) {
          // A container that crashed and was restarted: its last words are in the previous log.
          texts.add(readLog(ns, pod.getMetadata().getName(), lines, true));
        }
        texts.add(readLog(ns, pod.getMetadata().getName(), lines, false));
        List<LogLine> podLines = new ArrayList<>();
        texts.forEach(text -> text.ifPresent(t -> t.lines().forEach(line -> {
          int space = line.indexOf(' ');
          Instant time;
          try {
            time = Instant.parse(line.substring(0, space));
          } catch (RuntimeException e) {
            time = Instant.EPOCH;
          }
          podLines.add(new LogLine(time, source, space > 0 ? line.substring(space + 1) : line));
        })));
        sources.add(podLines);
      }
    });
    return LogLine.newest(sources, lines);
  }

  private Optional<String> readLog(String ns, String pod, int lines, boolean previous) {
    return readLog(ns, pod, lines, previous, true);
  }

  private Optional<String> readLog(String ns, String pod, int lines, boolean previous, boolean timestamps) {
    try {
      return Optional.ofNullable(api.core.readNamespacedPodLog(pod, ns).tailLines(lines).timestamps(timestamps)
          .previous(previous).execute());
    } catch (io.kubernetes.client.openapi.ApiException e) {
      // A pod whose container has not started has no log yet (HTTP 400); a deleted one has none (404).
      if (e.getCode() == 400 || e.getCode() == KubeApi.NOT_FOUND) {
        LOG.debug("no log for pod {}: {}", pod, api.describe(e));
        return Optional.empty();
      }
      throw api.error("read the log of pod " + pod, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // run

  @Override
  public RunResult run(Release release, String command, Duration timeout) {
    if (command == null || command.isBlank()) {
      throw new InvalidInputException("run command is empty: give a shell command, for example 'ls -al'");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new InvalidInputException("run timeout " + timeout + " is invalid: it must be more than zero");
    }
    AppName app = release.app();
    String ns = Names.namespace(app);
    buildOf(release);
    PodSpecs.image(release);
    Instant deadline = Instant.now().plus(timeout);
    String name = app + "-run-" + randomSuffix();
    V1Secret secret = SecretResource.manifest(release);
    String secretName = secret.getMetadata().getName();
    V1Pod pod = RunPodResource.manifest(release, name, command);
    LOG.info("running '{}' for {} as pod {}", command, release.label(), name);

    boolean madeSecret;
    try {
      madeSecret = api.createUnlessExists("create secret " + secretName, () -> api.core.createNamespacedSecret(ns, secret).execute());
    } catch (SchedulerException e) {
      // The app has never been deployed: its namespace comes first.
      ensureNamespace(app);
      madeSecret = api.createUnlessExists("create secret " + secretName, () -> api.core.createNamespacedSecret(ns, secret).execute());
    }
    try {
      api.call("create pod " + name, () -> api.core.createNamespacedPod(ns, pod).execute());
      String selector = "metadata.name=" + name;
      Waiter.Result<V1Pod> result = waiter.await("pod " + name,
          () -> {
            V1PodList list = api.core.listNamespacedPod(ns).fieldSelector(selector).execute();
            return new Waiter.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
          },
          (rv, seconds) -> api.core.listNamespacedPod(ns).fieldSelector(selector).watch(true)
              .resourceVersion(rv).timeoutSeconds(seconds).buildCall(null),
          POD_EVENT, deadline, pods -> {
            if (pods.isEmpty()) {
              return Progress.failed("pod " + name + " was deleted before it finished");
            }
            V1Pod now = pods.iterator().next();
            String phase = now.getStatus() == null ? null : now.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
              return Progress.done();
            }
            return PodStates.failure(now).filter(f -> !f.startsWith("exited"))
                .map(f -> Progress.failed("pod " + name + " could not run: " + f))
                .orElse(Progress.waiting("pod " + name + " to finish"));
          });
      if (result.progress().state() == Progress.State.FAILED) {
        throw new SchedulerException("could not run '" + command + "' for " + release.label() + ": " + result.progress().detail());
      }
      if (result.progress().state() == Progress.State.WAITING) {
        throw new SchedulerException("'" + command + "' for " + release.label() + " did not finish within "
            + timeout.toSeconds() + "s; its pod " + name + " was deleted");
      }
      V1Pod finished = result.objects().get(name);
      int exitCode = PodStates.exitCode(finished).orElse("Succeeded".equals(finished.getStatus().getPhase()) ? 0 : 1);
      String output = api.call("read the log of pod " + name, () -> api.core.readNamespacedPodLog(name, ns).execute());
      return new RunResult(exitCode, output == null ? "" : output);
    } finally {
      try {
        api.delete("delete pod " + name, () -> api.core.deleteNamespacedPod(name, ns).gracePeriodSeconds(0).buildCall(null));
        if (madeSecret) {
          api.delete("delete secret " + secretName, () -> api.core.deleteNamespacedSecret(secretName, ns).buildCall(null));
        }
      } catch (SchedulerException e) {
        LOG.warn("could not clean up after '{}' of {}: {}", command, release.label(), e.getMessage());
      }
    }
  }

  private static String randomSuffix() {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(RUN_NAME_CHARS.charAt(RANDOM.nextInt(RUN_NAME_CHARS.length())));
    }
    return suffix.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // destroy

  @Override
  public void destroy(AppName app) {
    String ns = Names.namespace(app);
    Optional<V1Namespace> namespace = api.callUnlessNotFound("read namespace " + ns, () -> api.core.readNamespace(ns).execute());
    if (namespace.isEmpty()) {
      forget(app);
      return; // nothing of the app exists
    }
    checkOurs(namespace.get(), "delete it");
    LOG.info("destroying {}: deleting namespace {}", app, ns);
    api.delete("delete namespace " + ns, () -> api.core.deleteNamespace(ns).buildCall(null));
    String selector = "metadata.name=" + ns;
    Waiter.Result<V1Namespace> result = waiter.await("namespace " + ns,
        () -> {
          V1NamespaceList list = api.core.listNamespace().fieldSelector(selector).execute();
          return new Waiter.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.core.listNamespace().fieldSelector(selector).watch(true).resourceVersion(rv)
            .timeoutSeconds(seconds).buildCall(null),
        NAMESPACE_EVENT, Instant.now().plus(deployDeadline),
        list -> list.isEmpty() ? Progress.done() : Progress.waiting("namespace " + ns + " to be deleted"));
    forget(app);
    if (result.progress().state() != Progress.State.DONE) {
      throw new SchedulerException("namespace " + ns + " of " + app + " was not deleted within "
          + deployDeadline.toSeconds() + "s; it is still terminating");
    }
  }

  private void forget(AppName app) {
    numbering.forget(app.value());
    restartedPods.remove(app);
  }

  @Override
  public void close() {
    if (ownsClient) {
      api.client.getHttpClient().dispatcher().executorService().shutdown();
      api.client.getHttpClient().connectionPool().evictAll();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // reading

  private Map<ProcessType, V1Deployment> deployments(AppName app) {
    String ns = Names.namespace(app);
    V1DeploymentList list = api.call("list the deployments of " + app, () -> api.apps.listNamespacedDeployment(ns)
        .labelSelector(Names.selectorText(Names.app(app))).execute());
    Map<ProcessType, V1Deployment> byType = new TreeMap<>();
    for (V1Deployment d : list.getItems()) {
      DeploymentResource.type(d).ifPresent(t -> byType.put(t, d));
    }
    return byType;
  }

  /** The app's pods, without one-off run pods (they are never part of {@code ps}). */
  private List<V1Pod> pods(AppName app) {
    String ns = Names.namespace(app);
    V1PodList list = api.call("list the pods of " + app, () -> api.core.listNamespacedPod(ns)
        .labelSelector(Names.selectorText(Names.app(app))).execute());
    return list.getItems().stream().filter(p -> !PodStates.type(p).map(ProcessType.RUN::equals).orElse(true)).toList();
  }

  private Map<ProcessType, List<V1Pod>> numbered(AppName app, List<V1Pod> pods) {
    Map<ProcessType, List<V1Pod>> byType = new TreeMap<>();
    for (V1Pod pod : pods) {
      PodStates.type(pod).ifPresent(t -> byType.computeIfAbsent(t, k -> new ArrayList<>()).add(pod));
    }
    byType.replaceAll((type, list) -> numbering.number(app + "/" + type, list));
    return byType;
  }

  /** Lists the app's pods and watches them until {@code condition} decides or {@code deadline} passes. */
  private Progress awaitPods(AppName app, Instant deadline, java.util.function.Function<Collection<V1Pod>, Progress> condition) {
    String ns = Names.namespace(app);
    String selector = Names.selectorText(Names.app(app));
    return waiter.await("pods of " + app,
        () -> {
          V1PodList list = api.core.listNamespacedPod(ns).labelSelector(selector).execute();
          return new Waiter.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.core.listNamespacedPod(ns).labelSelector(selector).watch(true).resourceVersion(rv)
            .allowWatchBookmarks(true).timeoutSeconds(seconds).buildCall(null),
        POD_EVENT, deadline,
        pods -> condition.apply(pods.stream()
            .filter(p -> !PodStates.type(p).map(ProcessType.RUN::equals).orElse(true)).toList()))
        .progress();
  }

  private static Build buildOf(Release release) {
    return release.build().orElseThrow(() -> new InvalidInputException("release v" + release.version() + " of "
        + release.app() + " has no build: No build associated with this release"));
  }

  private static void checkTypes(Build build, Formation formation) {
    Set<String> names = new HashSet<>();
    for (ProcessType type : formation.counts().keySet()) {
      if (ProcessType.RUN.equals(type)) {
        throw new InvalidInputException("process type 'run' is for one-off commands and cannot be in a formation");
      }
      build.command(type); // throws, naming the type and the build's types, when the build has no such type
      if (!names.add(Names.dnsSafe(type))) {
        throw new InvalidInputException("process types of " + build.app() + " clash on Kubernetes: '" + type
            + "' and another type both become Deployment " + Names.deployment(build.app(), type));
      }
    }
  }
}
