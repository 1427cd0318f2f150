package io.deis.scheduler;

import io.deis.model.Installation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The imperative SPI: one container at a time. A backend that implements this gets the whole
 * {@link Scheduler} (rolling deploys, scaling, crash restarts, the state machine) from
 * {@link RuntimeScheduler}, which calls these methods from several threads at once.
 *
 * <p>The glossary's ephemeral filesystem is the runtime's promise: {@link #stop} throws the
 * container's filesystem away, and a {@link #start} after a stop begins from the build again.
 */
public interface ContainerRuntime extends AutoCloseable {

  /**
   * Binds the runtime to the installation whose containers it makes; called once by
   * {@link RuntimeScheduler#start} before any other method but {@link #imageBuilder}. A runtime
   * whose names are shared with other programs (Docker container, network and image names) puts
   * the installation id in them; {@link #list} and {@link #addExitListener} need not filter by it,
   * because every spec's labels carry it and {@code RuntimeScheduler} lists by it.
   */
  default void start(Installation installation) {}

  ImageBuilder imageBuilder();

  /** Whether containers of different users are kept apart ({@link Scheduler#isolatesTenants()}). Default true. */
  default boolean isolatesTenants() {
    return true;
  }

  /** Creates, but does not start, a container; returns its id. */
  String create(ContainerSpec spec);

  /** Starts a created or stopped container with a fresh filesystem. */
  void start(String id);

  /**
   * Stops the container (SIGTERM, then SIGKILL after {@code grace}) and discards its filesystem.
   * Does nothing to a container that is not running. The exit it causes is not reported to
   * {@link ExitListener}s: only exits nobody asked for are.
   */
  void stop(String id, Duration grace);

  /** Removes every trace of the container, stopping it first if needed; does nothing when it is gone already. */
  void destroy(String id);

  /** What the runtime knows of the container now, or empty when it does not exist. */
  Optional<RuntimeContainer> inspect(String id);

  /** Every container (of this runtime) that carries all of {@code labels}. */
  List<RuntimeContainer> list(Map<String, String> labels);

  /**
   * The last {@code lines} lines the container wrote to stdout and stderr (in all its runs since it
   * was created, as far as the runtime keeps them), oldest first, each with the time it was written
   * and no source; empty for an unknown container.
   */
  List<LogLine> logs(String id, int lines);

  /** Runs {@code spec} once to completion (or until {@code timeout}), removes it, and returns what it did. */
  RunResult run(ContainerSpec spec, Duration timeout);

  /** Registers a listener for containers that exit without being stopped. */
  void addExitListener(ExitListener listener);

  @Override
  void close();

  /** Told when a container's process ends on its own: crashed, or exited. */
  @FunctionalInterface
  interface ExitListener {
    void exited(String id, int exitCode);
  }
}
