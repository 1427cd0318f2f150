package io.deis.scheduler;

import io.deis.model.Container;

/**
 * Told what a {@link Scheduler} does to containers, as it happens: the controller's reconciler
 * learns of crashes this way, and a router learns where to send traffic. Methods are called on
 * the scheduler's threads; an exception thrown by a listener is logged and otherwise ignored.
 */
public interface SchedulerListener {

  /**
   * A container moved to a new state; {@link Container#lastChange()} says why (see
   * {@link io.deis.model.StateChange#unasked()} for crashes). Must return quickly.
   */
  default void changed(Container container) {}

  /**
   * A web or cmd container is up and ready to receive traffic: it passed the readiness checks of
   * its deploy (its port accepts connections, its health check answers), or it was found running
   * when the scheduler started. Must return quickly.
   */
  default void ready(Container container) {}

  /**
   * The scheduler is about to stop {@code container}, which is up (a deploy retiring the old
   * release, a scale down, a restart, a destroy). The scheduler waits for every listener to
   * return before it stops the container, so a router can stop sending it new requests and let
   * those in flight finish; a listener must return within its own bounded drain window.
   */
  default void retiring(Container container) {}
}
