package io.deis.scheduler.k8s;

import com.google.gson.reflect.TypeToken;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ProcessType;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.Watch;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What of an app exists on the cluster, read through this installation's labels: its
 * Deployments by type, its pods, and the Deis containers they make, numbered 1..N per type.
 */
final class Inventory {
  private static final Type POD_EVENT = new TypeToken<Watch.Response<V1Pod>>() {}.getType();
  private static final Type DEPLOYMENT_EVENT = new TypeToken<Watch.Response<V1Deployment>>() {}.getType();

  private final KubeApi api;
  private final Scope scope;
  private final Numbering numbering = new Numbering();
  /** Pods that a restart made, so their history says "restart"; a new scheduler does not know them. */
  private final Map<AppName, Set<String>> restartedPods = new ConcurrentHashMap<>();

  Inventory(KubeApi api, Scope scope) {
    this.api = api;
    this.scope = scope;
  }

  Map<ProcessType, V1Deployment> deployments(AppName app) {
    String ns = Names.namespace(app);
    V1DeploymentList list = api.call("list the deployments of " + app, () -> api.apps.listNamespacedDeployment(ns)
        .labelSelector(scope.appSelector(app)).execute());
    Map<ProcessType, V1Deployment> byType = new TreeMap<>();
    for (V1Deployment d : list.getItems()) {
      DeploymentResource.type(d).ifPresent(t -> byType.put(t, d));
    }
    return byType;
  }

  /** The app's pods that are its containers: no one-off run pods, no pods that ended (evicted, say). */
  List<V1Pod> pods(AppName app) {
    String ns = Names.namespace(app);
    V1PodList list = api.call("list the pods of " + app, () -> api.core.listNamespacedPod(ns)
        .labelSelector(scope.appSelector(app)).execute());
    return containersOf(list.getItems());
  }

  static List<V1Pod> containersOf(Collection<V1Pod> pods) {
    return pods.stream().filter(p -> !PodStates.type(p).map(ProcessType.RUN::equals).orElse(true))
        .filter(p -> !PodStates.ended(p)).toList();
  }

  Watches.Source<V1Pod> podSource(AppName app) {
    String ns = Names.namespace(app);
    String selector = scope.appSelector(app);
    return new Watches.Source<>("pods of " + app,
        () -> {
          V1PodList list = api.core.listNamespacedPod(ns).labelSelector(selector).execute();
          return new Watches.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.core.listNamespacedPod(ns).labelSelector(selector).watch(true).resourceVersion(rv)
            .allowWatchBookmarks(true).timeoutSeconds(seconds).buildCall(null),
        POD_EVENT);
  }

  Watches.Source<V1Deployment> deploymentSource(AppName app) {
    String ns = Names.namespace(app);
    String selector = scope.appSelector(app);
    return new Watches.Source<>("deployments of " + app,
        () -> {
          V1DeploymentList list = api.apps.listNamespacedDeployment(ns).labelSelector(selector).execute();
          return new Watches.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.apps.listNamespacedDeployment(ns).labelSelector(selector).watch(true).resourceVersion(rv)
            .allowWatchBookmarks(true).timeoutSeconds(seconds).buildCall(null),
        DEPLOYMENT_EVENT);
  }

  /** The app's containers from its Deployments and pods, sorted by type and number. */
  List<Container> containers(AppName app) {
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
        containers.add(Container.initialized(deployment.getMetadata().getName() + "-pending-" + num, app, type, num,
            DeploymentResource.release(deployment)));
      }
    }
    containers.sort(Comparator.comparing(Container::type).thenComparingInt(Container::num));
    return containers;
  }

  /** The pods by type, each list in container-number order: element i is container i+1. */
  Map<ProcessType, List<V1Pod>> numbered(AppName app, List<V1Pod> pods) {
    Map<ProcessType, List<V1Pod>> byType = new TreeMap<>();
    for (V1Pod pod : pods) {
      PodStates.type(pod).ifPresent(t -> byType.computeIfAbsent(t, k -> new ArrayList<>()).add(pod));
    }
    byType.replaceAll((type, list) -> numbering.number(app + "/" + type, list));
    return byType;
  }

  void restarted(AppName app, Collection<String> pods) {
    restartedPods.computeIfAbsent(app, a -> ConcurrentHashMap.newKeySet()).addAll(pods);
  }

  void forget(AppName app) {
    numbering.forget(app.value());
    restartedPods.remove(app);
  }
}
