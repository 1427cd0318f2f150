package io.deis.scheduler.k8s;

import com.google.gson.reflect.TypeToken;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.ProcessType;
import io.deis.scheduler.Labels;
import io.deis.scheduler.Listeners;
import io.deis.scheduler.SchedulerListener;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.Watch;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link SchedulerListener}s what happens to the installation's pods: {@code changed} on
 * every state move, {@code ready} once a web or cmd pod passes its readiness probe, and
 * {@code retiring} once one that was ready is being deleted. It watches every pod of the
 * installation (one cluster-wide watch, from {@link #start}), and rollouts report what they see
 * too, so a deploy returns only after its new pods were announced ready.
 *
 * <p>On Kubernetes the Deployment controller deletes old pods, not this scheduler, so
 * {@code retiring} cannot come before the deletion; it comes before the app is signalled: the
 * init shell ({@link PodSpecs#init}) waits the drain time between the kubelet's SIGTERM and
 * passing it on, and a router told {@code retiring} in that window lets what is in flight finish.
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);
  private static final Type POD_EVENT = new TypeToken<Watch.Response<V1Pod>>() {}.getType();

  private final KubeApi api;
  private final Scope scope;
  private final Inventory inventory;
  private final Listeners listeners = new Listeners();
  private volatile boolean any;
  /** Per pod uid: the container last told, and whether ready and retiring were told. */
  private final Map<String, Container> told = new ConcurrentHashMap<>();
  private final Set<String> toldReady = ConcurrentHashMap.newKeySet();
  private final Set<String> toldRetiring = ConcurrentHashMap.newKeySet();
  private volatile boolean watching;
  private volatile boolean closed;

  Signals(KubeApi api, Scope scope, Inventory inventory) {
    this.api = api;
    this.scope = scope;
    this.inventory = inventory;
  }

  void add(SchedulerListener listener) {
    listeners.add(listener);
    any = true;
  }

  void remove(SchedulerListener listener) {
    listeners.remove(listener);
  }

  boolean active() {
    return any;
  }

  /** Starts the installation-wide pod watch on {@code threads}, once there is a listener and an installation. */
  synchronized void start(ExecutorService threads, Watches watches) {
    if (watching || !any || !scope.bound() || closed) {
      return;
    }
    watching = true;
    String selector = scope.installationSelector();
    Watches.Source<V1Pod> source = new Watches.Source<>("pods of installation " + scope.installation().orElseThrow(),
        () -> {
          V1PodList list = api.core.listPodForAllNamespaces().labelSelector(selector).execute();
          return new Watches.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.core.listPodForAllNamespaces().labelSelector(selector).watch(true).resourceVersion(rv)
            .allowWatchBookmarks(true).timeoutSeconds(seconds).buildCall(null),
        POD_EVENT);
    threads.execute(() -> {
      while (!closed) {
        try {
          watches.await(source, Instant.now().plus(Duration.ofDays(3650)), snapshot -> {
            observeAll(snapshot.of(source));
            return closed ? Progress.done() : Progress.waiting("the end of the scheduler");
          });
        } catch (SchedulerException e) {
          if (closed || Thread.currentThread().isInterrupted()) {
            return;
          }
          LOG.warn("watch of the installation's pods failed, again in a second: {}", e.getMessage());
          try {
            Thread.sleep(1000);
          } catch (InterruptedException interrupted) {
            return;
          }
        }
      }
    });
  }

  void close() {
    closed = true;
  }

  /** Every pod of the installation as listed now: each app's are judged together, so numbers stay right. */
  private void observeAll(Collection<V1Pod> pods) {
    Map<AppName, List<V1Pod>> byApp = new TreeMap<>();
    for (V1Pod pod : pods) {
      Optional.ofNullable(pod.getMetadata().getLabels()).map(l -> l.get(Labels.APP)).map(AppName::of)
          .ifPresent(app -> byApp.computeIfAbsent(app, a -> new ArrayList<>()).add(pod));
    }
    Set<String> present = ConcurrentHashMap.newKeySet();
    byApp.forEach((app, list) -> {
      list.forEach(p -> present.add(p.getMetadata().getUid()));
      observe(app, list);
    });
    // Pods gone from the listing were deleted: one told ready but never retiring (deleted at once)
    // is retiring now, late, so a router stops sending to it; then their memory goes.
    for (Map.Entry<String, Container> gone : Map.copyOf(told).entrySet()) {
      if (!present.contains(gone.getKey()) && toldReady.contains(gone.getKey()) && toldRetiring.add(gone.getKey())) {
        listeners.retiring(gone.getValue());
      }
    }
    told.keySet().retainAll(present);
    toldReady.retainAll(present);
    toldRetiring.retainAll(present);
  }

  /** The app's pods as a rollout or the watch sees them: tells what changed since the last look. */
  void observe(AppName app, Collection<V1Pod> pods) {
    if (!any) {
      return;
    }
    List<V1Pod> containers = Inventory.containersOf(pods);
    inventory.numbered(app, containers).forEach((type, list) -> {
      for (int i = 0; i < list.size(); i++) {
        tell(app, type, i + 1, list.get(i));
      }
    });
  }

  /** Before the scheduler itself deletes pods (restart of one, destroy): retiring, then the delete. */
  void retiringBeforeDelete(AppName app, Collection<V1Pod> pods) {
    if (!any) {
      return;
    }
    for (V1Pod pod : pods) {
      String uid = pod.getMetadata().getUid();
      if (toldReady.contains(uid) && toldRetiring.add(uid)) {
        listeners.retiring(PodStates.container(pod, app, PodStates.type(pod).orElse(ProcessType.WEB), 0, false));
      }
    }
  }

  private void tell(AppName app, ProcessType type, int num, V1Pod pod) {
    String uid = pod.getMetadata().getUid();
    Container container = PodStates.container(pod, app, type, num, false);
    Container before = told.put(uid, container);
    if (before == null || before.state() != container.state()) {
      listeners.changed(container);
    }
    boolean routable = type.receivesTraffic() && container.endpoint().isPresent();
    if (!PodStates.terminating(pod) && container.state() == ContainerState.UP && routable && toldReady.add(uid)) {
      listeners.ready(container);
    }
    if (PodStates.terminating(pod) && toldReady.contains(uid) && toldRetiring.add(uid)) {
      // The kubelet has been told to stop it; the init shell holds SIGTERM for the drain time.
      listeners.retiring(container);
    }
  }
}
