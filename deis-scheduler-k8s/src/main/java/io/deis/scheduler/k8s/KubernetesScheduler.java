package io.deis.scheduler.k8s;

import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Release;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.SchedulerListener;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The {@link Scheduler} on Kubernetes, through the official Kubernetes Java client. An app is a
 * namespace; each process type a Deployment {@code <app>-<type>}; each release a Secret with its
 * config; the app's web (or cmd) pods sit behind a ClusterIP Service. Deis containers are read
 * from pods. Every wait is a watch, so calls return as soon as the API reports what they wait for.
 *
 * <pre>{@code
 * Scheduler scheduler = KubernetesScheduler.fromDefaultConfig();          // kubeconfig, or in-cluster
 * Scheduler scheduler = KubernetesScheduler.builder(apiClient)
 *     .deployDeadline(Duration.ofMinutes(2)).stopGrace(Duration.ofSeconds(20)).build();
 * }</pre>
 */
public final class KubernetesScheduler implements Scheduler {
  /** The API server wants a Deployment's progress deadline above its minReadySeconds (1 s). */
  static final Duration MIN_DEPLOY_DEADLINE = Duration.ofSeconds(2);
  static final Duration MAX_DEPLOY_DEADLINE = Duration.ofHours(1);
  static final Duration MAX_STOP_GRACE = Duration.ofMinutes(10);

  private final KubeApi api;
  private final boolean ownsClient;
  private final Duration deployDeadline;
  private final ExecutorService watchThreads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "deis-k8s-watch");
    t.setDaemon(true);
    return t;
  });
  private final Scope scope = new Scope();
  private final Inventory inventory;
  private final Namespaces namespaces;
  private final Logs logs;
  private final Rollouts rollouts;
  private final Restarts restarts;
  private final Runs runs;
  private final ImageBuilder imageBuilder = new KubernetesImageBuilder();
  private final Watches watches;
  private final Signals signals;

  private KubernetesScheduler(Builder builder) {
    this.api = new KubeApi(builder.client);
    this.ownsClient = builder.ownsClient;
    this.deployDeadline = builder.deployDeadline;
    this.watches = new Watches(api, watchThreads);
    this.inventory = new Inventory(api, scope);
    this.signals = new Signals(api, scope, inventory, watchThreads, watches);
    this.namespaces = new Namespaces(api, scope, watches);
    this.logs = new Logs(api, inventory);
    this.rollouts = new Rollouts(api, scope, watches, inventory, namespaces, logs, signals, builder.deployDeadline,
        builder.stopGrace, builder.drain);
    this.restarts = new Restarts(api, inventory, rollouts, signals, builder.deployDeadline);
    this.runs = new Runs(api, scope, watches, namespaces, logs, builder.stopGrace);
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
    if (client == null) {
      throw new InvalidInputException("Kubernetes API client is null: pass one from ClientBuilder, or use fromDefaultConfig()");
    }
    return new Builder(client);
  }

  /** Options of a {@link KubernetesScheduler}. */
  public static final class Builder {
    private final ApiClient client;
    private Duration deployDeadline = Duration.ofMinutes(5);
    private Duration stopGrace = Duration.ofSeconds(10);
    private Duration drain = Duration.ofSeconds(2);
    private boolean ownsClient;

    private Builder(ApiClient client) {
      this.client = client;
    }

    /**
     * How long a deploy (and a scale or restart) may take to become ready; past it the release
     * fails and the previous one keeps serving. It is also each Deployment's progress deadline.
     * Five minutes unless set; at least 2 seconds, at most an hour.
     */
    public Builder deployDeadline(Duration deadline) {
      if (deadline == null || deadline.compareTo(MIN_DEPLOY_DEADLINE) < 0 || deadline.compareTo(MAX_DEPLOY_DEADLINE) > 0) {
        throw new InvalidInputException("deploy deadline " + deadline + " is invalid: it must be at least "
            + MIN_DEPLOY_DEADLINE.toSeconds() + "s (a Deployment's progress deadline must exceed its 1 s minReadySeconds)"
            + " and at most " + MAX_DEPLOY_DEADLINE.toMinutes() + " minutes");
      }
      this.deployDeadline = deadline;
      return this;
    }

    /**
     * How long a container has to exit after SIGTERM before it is killed: its pods'
     * {@code terminationGracePeriodSeconds}, in whole seconds (rounded up). Ten seconds unless set,
     * as the local runtime's; from 0 to 10 minutes.
     */
    public Builder stopGrace(Duration grace) {
      if (grace == null || grace.isNegative() || grace.compareTo(MAX_STOP_GRACE) > 0) {
        throw new InvalidInputException("stop grace " + grace + " is invalid: it must be from 0 to "
            + MAX_STOP_GRACE.toMinutes() + " minutes");
      }
      this.stopGrace = grace;
      return this;
    }

    /**
     * How long a stopping container keeps running after the kubelet's SIGTERM before the app gets
     * it, so the Service's endpoints and any router told {@code retiring} stop sending to it first
     * (what a preStop sleep does). Two seconds unless set; whole seconds, at most {@link #stopGrace}.
     */
    public Builder drain(Duration drain) {
      if (drain == null || drain.isNegative() || drain.compareTo(MAX_STOP_GRACE) > 0) {
        throw new InvalidInputException("drain " + drain + " is invalid: it must be from 0 to "
            + MAX_STOP_GRACE.toMinutes() + " minutes, and within the stop grace");
      }
      this.drain = drain;
      return this;
    }

    public KubernetesScheduler build() {
      if (drain.compareTo(stopGrace) > 0) {
        throw new InvalidInputException("drain " + drain + " is longer than the stop grace " + stopGrace
            + ": the kubelet would kill the container before the app is told to stop; make the drain shorter");
      }
      return new KubernetesScheduler(this);
    }
  }

  /**
   * Binds the scheduler to its installation: from now on every object it makes carries the
   * installation's id, and it reads, changes and deletes only objects that carry it. An app name
   * whose namespace another installation made is refused. What the installation has on the
   * cluster already is simply found there (the cluster is the memory): nothing to adopt.
   */
  @Override
  public synchronized void start(Installation installation) {
    notNull(installation, "installation");
    if (scope.bound()) {
      throw new IllegalStateException("the scheduler is started already, for installation " + scope.installation().orElseThrow());
    }
    scope.bind(installation.id());
    signals.start();
  }

  /**
   * Registers a listener: from then on it hears every state move of the installation's pods,
   * {@code ready} for web and cmd pods that pass their readiness probe, and {@code retiring} for
   * those being deleted, within the drain time before their app gets SIGTERM. The installation's
   * pod watch runs while there is a listener: the first one (or the first after the last was
   * removed) starts it, and hears every pod's state as it is then.
   */
  @Override
  public void addListener(SchedulerListener listener) {
    signals.add(notNull(listener, "listener"));
  }

  /** What tells the listeners; for this package's tests, which feed it looks at pods out of order. */
  Signals signals() {
    return signals;
  }

  /**
   * Removes the listener; removing the last one ends the installation's pod watch (nothing else
   * needs it: rollouts and reconcile watch what they wait for themselves), so a scheduler nobody
   * listens to holds no watch open on the API server.
   */
  @Override
  public void removeListener(SchedulerListener listener) {
    signals.remove(listener);
  }

  @Override
  public ImageBuilder imageBuilder() {
    return imageBuilder;
  }

  /**
   * Makes the app's Deployments, Secret and Service say {@code release} at {@code formation}
   * without waiting for pods: a rolling update where another release or count runs, nothing where
   * they match. Crashed containers are the kubelet's to restart, so it never asks to be called back.
   */
  @Override
  public Optional<Duration> reconcile(Release release, Formation formation) {
    started();
    rollouts.reconcile(notNull(release, "release"), notNull(formation, "formation"));
    runs.sweep(release.app());
    return Optional.empty();
  }

  /** The deploy deadline: the controller refuses health-check settings that could not pass within it. */
  @Override
  public Optional<Duration> deployTimeout() {
    return Optional.of(deployDeadline);
  }

  /** The apps this installation has a namespace for (one that is not being deleted). */
  @Override
  public Set<AppName> apps() {
    started();
    return namespaces.apps();
  }

  @Override
  public void deploy(Release release, Formation formation) {
    started();
    rollouts.deploy(notNull(release, "release"), notNull(formation, "formation"));
  }

  @Override
  public void scale(Release release, Formation formation) {
    started();
    rollouts.scale(notNull(release, "release"), notNull(formation, "formation"));
  }

  @Override
  public List<Container> restart(AppName app, ContainerFilter filter) {
    started();
    return restarts.restart(notNull(app, "app"), notNull(filter, "container filter"));
  }

  /** The app's containers; none while its namespace is missing, terminating, or another installation's. */
  @Override
  public List<Container> containers(AppName app) {
    started();
    notNull(app, "app");
    Names.namespace(app);
    if (!namespaces.live(app)) {
      return List.of();
    }
    return inventory.containers(app);
  }

  @Override
  public List<LogLine> logs(AppName app, int lines) {
    started();
    return logs.logs(notNull(app, "app"), lines);
  }

  @Override
  public RunResult run(Release release, String command, Duration timeout) {
    started();
    return runs.run(notNull(release, "release"), command, timeout);
  }

  /** Deletes the app's namespace and returns once the cluster accepted that; the app has no containers from then on. */
  @Override
  public void destroy(AppName app) {
    started();
    notNull(app, "app");
    if (signals.active() && namespaces.live(app)) {
      signals.retiringBeforeDelete(app, inventory.pods(app));
    }
    namespaces.delete(app);
    inventory.forget(app);
  }

  /** Removes what one-off runs left behind in the app's namespace (their pods end at their deadline). */
  int sweep(AppName app) {
    return namespaces.live(app) ? runs.sweep(app) : 0;
  }

  @Override
  public void close() {
    signals.close();
    watchThreads.shutdownNow();
    if (ownsClient) {
      api.client.getHttpClient().dispatcher().executorService().shutdown();
      api.client.getHttpClient().connectionPool().evictAll();
    }
  }

  private void started() {
    if (!scope.bound()) {
      throw new IllegalStateException("the scheduler is not started: call start(installation) first (the Controller does)");
    }
  }

  private static <T> T notNull(T value, String what) {
    if (value == null) {
      throw new InvalidInputException(what + " is null: pass a value");
    }
    return value;
  }
}
