package io.deis.scheduler;

import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Release;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The declarative scheduler SPI: "run this release at this formation". The controller talks only
 * to this interface. Kubernetes implements it directly; the local and Docker backends implement
 * the smaller {@link ContainerRuntime} and get this through {@link RuntimeScheduler}.
 *
 * <p>Implementations must be thread-safe. The controller serializes the calls for one app, but
 * calls for different apps arrive concurrently.
 *
 * <p>A scheduler belongs to one {@link Installation}: {@link #start} binds it, and from then on
 * it labels everything it makes with the installation's id and never lists, adopts, changes or
 * removes anything that carries another id (or none), so installations that share a Docker
 * daemon or a Kubernetes cluster never see each other.
 */
public interface Scheduler extends AutoCloseable {

  /**
   * Binds the scheduler to {@code installation} and starts watching the backend: what the
   * installation already has running (left by an earlier controller on the same store) is
   * adopted as it is, to be {@linkplain #reconcile reconciled} by the controller. Called once,
   * by the {@code Controller}, before any other method but {@link #imageBuilder} and
   * {@link #addListener}.
   *
   * @throws IllegalStateException when called a second time
   */
  void start(Installation installation);

  /** Registers a listener for every container change from now on. */
  void addListener(SchedulerListener listener);

  /**
   * Stops telling {@code listener} anything from now on (a call already under way may still end);
   * does nothing for a listener never added. A program that stops following the scheduler (a
   * router that closes) removes its listener, so a long-lived scheduler does not keep it.
   */
  void removeListener(SchedulerListener listener);

  /** Turns builds into something this backend can run (Docker: an image). */
  ImageBuilder imageBuilder();

  /**
   * Runs {@code release} at {@code formation}, with zero downtime: the new containers come up
   * (and pass the release's health check, when one is configured) before the app's old
   * containers are stopped. Types missing from the formation, or at 0, end with no containers.
   *
   * @throws DeployException when the new containers do not come up; they are removed and the old
   *     ones keep running, untouched
   */
  void deploy(Release release, Formation formation);

  /**
   * Changes only how many containers of the running {@code release} there are: new ones are
   * numbered after the highest, and the highest-numbered go first when scaling down.
   *
   * @throws SchedulerException when new containers do not come up; they are removed again
   */
  void scale(Release release, Formation formation);

  /**
   * Restarts the app's containers that {@code filter} selects: each is stopped (its filesystem
   * discarded) and started fresh. Returns the restarted containers.
   */
  List<Container> restart(AppName app, ContainerFilter filter);

  /**
   * Makes what runs of the app match {@code release} at {@code formation}, whatever the backend
   * holds now: containers of any other release (a half-deployed newer one included), and
   * surplus ones, are removed; missing ones are created and started; crashed ones are started
   * again once their back-off has passed. Level-triggered: calling it again with the same
   * arguments from any state converges on the same result. It does not wait for new containers
   * to become ready.
   *
   * @return when the app needs reconciling again (a crashed container waits out its back-off),
   *     or empty when it matches
   */
  Optional<Duration> reconcile(Release release, Formation formation);

  /**
   * Every app this installation has anything of on the backend (containers, networks, namespaces),
   * so the controller can remove what the store no longer knows.
   */
  Set<AppName> apps();

  /** The app's containers, sorted by type and number; empty for an unknown app. */
  List<Container> containers(AppName app);

  /**
   * Runs {@code command} once in a temporary container of {@code release} (its build and
   * config), waits for it to end, removes it and returns its exit code and output.
   */
  RunResult run(Release release, String command, Duration timeout);

  /**
   * The most recent {@code lines} log lines of the app's containers, merged by time, oldest first;
   * each line's source is the container, as {@code web.1}.
   */
  List<LogLine> logs(AppName app, int lines);

  /** Stops and removes every container and resource of the app. Nothing of it keeps running. */
  void destroy(AppName app);

  /**
   * Whether the backend keeps apps of different users apart: their processes, files and network.
   * The controller serves only one user on a scheduler that does not (the local runtime) unless
   * the embedder vouches for every user. Default true: a backend that runs apps unconfined must say so.
   */
  default boolean isolatesTenants() {
    return true;
  }

  /**
   * How long a deploy waits for new containers to come up, when the backend has such a bound: the
   * controller refuses health-check settings that could not pass within it. Default: none known.
   */
  default Optional<Duration> deployTimeout() {
    return Optional.empty();
  }

  /** Releases the backend's resources (connections, threads). Running containers are left running. */
  @Override
  void close();
}
