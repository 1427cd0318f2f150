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
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link SchedulerListener}s what happens to the installation's pods: {@code changed} on
 * every state move, {@code ready} once a web or cmd pod passes its readiness probe, and
 * {@code retiring} once one that was ready is being deleted. It watches every pod of the
 * installation (one cluster-wide watch, running while at least one listener is registered and the
 * installation is bound), and rollouts report what they see too, so a deploy returns only after its
 * new pods were announced ready.
 *
 * <p>Nothing but listeners needs that watch: rollouts, restarts and reconcile judge from watches of
 * their own, and {@code containers()} lists. So it stops with the last listener's removal and
 * starts again with the next listener, which hears the pods as they are then.
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
  private final ExecutorService threads;
  private final Watches watches;
  private final Listeners listeners = new Listeners();
  /**
   * Guards {@link #registered}, {@link #run} and {@link #closed} together, so that an add and a
   * remove racing each other (an add while the last remove stops the watch) always leave exactly
   * one watch running while there is a listener and none while there is not. Listeners are never
   * called under it: a router's {@code retiring} blocks for its drain window.
   */
  private final Object lock = new Object();
  /** The listeners as added, counted with their repeats as {@link Listeners} keeps them, to know when the last one goes. */
  private final List<SchedulerListener> registered = new ArrayList<>();
  /** The watch now running, or null: none before {@link #start}, after {@link #close}, or while no listener is registered. */
  private volatile Run run;
  private boolean closed;

  /**
   * One run of the installation-wide pod watch, and what it told. A run that is stopped tells
   * nothing more (but a call already under way); the next run starts with nothing told, so its
   * first listing tells a listener added later every pod's current state, as the first listener
   * ever is told.
   */
  private static final class Run {
    /** Per pod uid: the container last told, and whether ready and retiring were told. */
    final Map<String, Container> told = new ConcurrentHashMap<>();
    final Set<String> toldReady = ConcurrentHashMap.newKeySet();
    final Set<String> toldRetiring = ConcurrentHashMap.newKeySet();
    /** Per pod uid: the resourceVersion of the pod as last told, when numeric (see {@link #stale}). */
    final Map<String, Long> toldAt = new ConcurrentHashMap<>();
    volatile boolean stopped;
    Future<?> future;

    void stop() {
      stopped = true;
      // Interrupts the wait for the next event, which ends the watch request (the client cancels it).
      future.cancel(true);
    }
  }

  Signals(KubeApi api, Scope scope, Inventory inventory, ExecutorService threads, Watches watches) {
    this.api = api;
    this.scope = scope;
    this.inventory = inventory;
    this.threads = threads;
    this.watches = watches;
  }

  /** Registers {@code listener}; the first one (again) starts the watch, once the installation is bound. */
  void add(SchedulerListener listener) {
    synchronized (lock) {
      registered.add(listener);
      listeners.add(listener);
      startIfWanted();
    }
  }

  /** Unregisters {@code listener} (nothing for one never added); with the last one gone, the watch stops. */
  void remove(SchedulerListener listener) {
    synchronized (lock) {
      if (!registered.remove(listener)) {
        return;
      }
      listeners.remove(listener);
      if (registered.isEmpty()) {
        stopRun();
      }
    }
  }

  /** Whether anyone is listening: only then are pods observed and retiring told. */
  boolean active() {
    return run != null;
  }

  /** The installation is bound: the watch starts now if a listener came first. */
  void start() {
    synchronized (lock) {
      startIfWanted();
    }
  }

  void close() {
    synchronized (lock) {
      closed = true;
      stopRun();
    }
  }

  private void startIfWanted() {
    if (run != null || registered.isEmpty() || !scope.bound() || closed) {
      return;
    }
    Run next = new Run();
    run = next;
    next.future = threads.submit(() -> watch(next));
  }

  private void stopRun() {
    Run current = run;
    if (current != null) {
      run = null;
      current.stop();
    }
  }

  /** The installation-wide pod watch of one run, resumed after failures, until the run is stopped. */
  private void watch(Run current) {
    String selector = scope.installationSelector();
    Watches.Source<V1Pod> source = new Watches.Source<>("pods of installation " + scope.installation().orElseThrow(),
        () -> {
          V1PodList list = api.core.listPodForAllNamespaces().labelSelector(selector).execute();
          return new Watches.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.core.listPodForAllNamespaces().labelSelector(selector).watch(true).resourceVersion(rv)
            .allowWatchBookmarks(true).timeoutSeconds(seconds).buildCall(null),
        POD_EVENT);
    while (!current.stopped) {
      try {
        watches.await(source, Instant.now().plus(Duration.ofDays(3650)), snapshot -> {
          observeAll(current, snapshot.of(source), version(snapshot.resourceVersion(source)));
          return current.stopped ? Progress.done() : Progress.waiting("the last listener to be removed");
        });
      } catch (SchedulerException e) {
        if (current.stopped || Thread.currentThread().isInterrupted()) {
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
  }

  /**
   * Every pod of the installation as the watch has them as of {@code asOf} (a resourceVersion, -1
   * when not numeric): each app's are judged together, so numbers stay right.
   */
  private void observeAll(Run current, Collection<V1Pod> pods, long asOf) {
    Map<AppName, List<V1Pod>> byApp = new TreeMap<>();
    for (V1Pod pod : pods) {
      Optional.ofNullable(pod.getMetadata().getLabels()).map(l -> l.get(Labels.APP)).map(AppName::of)
          .ifPresent(app -> byApp.computeIfAbsent(app, a -> new ArrayList<>()).add(pod));
    }
    Set<String> present = ConcurrentHashMap.newKeySet();
    byApp.forEach((app, list) -> {
      list.forEach(p -> present.add(p.getMetadata().getUid()));
      observe(current, app, list);
    });
    // Pods gone from the listing were deleted: one told ready but never retiring (deleted at once)
    // is retiring now, late, so a router stops sending to it; then their memory goes.
    // A pod a rollout told about at a newer resourceVersion than the watch has reached is not gone:
    // the watch has not seen it yet, and forgetting it would make a router drop a ready pod.
    present.addAll(current.toldAt.entrySet().stream().filter(e -> asOf >= 0 && e.getValue() > asOf).map(Map.Entry::getKey).toList());
    for (Map.Entry<String, Container> gone : Map.copyOf(current.told).entrySet()) {
      if (!current.stopped && !present.contains(gone.getKey()) && current.toldReady.contains(gone.getKey())
          && current.toldRetiring.add(gone.getKey())) {
        listeners.retiring(gone.getValue());
      }
    }
    current.told.keySet().retainAll(present);
    current.toldReady.retainAll(present);
    current.toldRetiring.retainAll(present);
    current.toldAt.keySet().retainAll(present);
  }

  /** A resourceVersion as a number, or -1: Kubernetes promises nothing of its form, but etcd's are increasing integers. */
  private static long version(String resourceVersion) {
    if (resourceVersion == null) {
      return -1;
    }
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Whether a look at the pod at {@code version} is older than what was told of it: the watch and
   * the rollouts both report, each in order but not with each other, so a listing taken before a
   * rollout's look can arrive after it. Telling it would move the pod back (a ready pod reported starting, then never ready
   * again). Unknown when a resourceVersion is not numeric: then nothing is held back.
   */
  private static boolean stale(Run current, String uid, long version) {
    Long told = current.toldAt.get(uid);
    return version >= 0 && told != null && version < told;
  }

  /** The app's pods as a rollout or the watch sees them: tells what changed since the last look. */
  void observe(AppName app, Collection<V1Pod> pods) {
    Run current = run;
    if (current != null) {
      observe(current, app, pods);
    }
  }

  private void observe(Run current, AppName app, Collection<V1Pod> pods) {
    List<V1Pod> containers = Inventory.containersOf(pods);
    inventory.numbered(app, containers).forEach((type, list) -> {
      for (int i = 0; i < list.size(); i++) {
        tell(current, app, type, i + 1, list.get(i));
      }
    });
  }

  /** Before the scheduler itself deletes pods (restart of one, destroy): retiring, then the delete. */
  void retiringBeforeDelete(AppName app, Collection<V1Pod> pods) {
    Run current = run;
    if (current == null) {
      return;
    }
    for (V1Pod pod : pods) {
      String uid = pod.getMetadata().getUid();
      if (!current.stopped && current.toldReady.contains(uid) && current.toldRetiring.add(uid)) {
        listeners.retiring(PodStates.container(pod, app, PodStates.type(pod).orElse(ProcessType.WEB), 0, false));
      }
    }
  }

  private void tell(Run current, AppName app, ProcessType type, int num, V1Pod pod) {
    if (current.stopped) {
      return; // a stopped run's memory is thrown away; what it would tell, the next run tells from its own listing
    }
    Map<String, Container> told = current.told;
    Set<String> toldReady = current.toldReady;
    Set<String> toldRetiring = current.toldRetiring;
    String uid = pod.getMetadata().getUid();
    Container container = PodStates.container(pod, app, type, num, false);
    Container before;
    long version = version(pod.getMetadata().getResourceVersion());
    synchronized (current) { // the check and the record together: the watch and a rollout may tell at once
      if (stale(current, uid, version)) {
        return;
      }
      if (version >= 0) {
        current.toldAt.put(uid, version); // not older than what was told: stale() said so
      }
      before = told.put(uid, container);
    }
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
