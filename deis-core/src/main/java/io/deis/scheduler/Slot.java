package io.deis.scheduler;

import io.deis.model.Container;
import java.time.Instant;
import java.util.OptionalInt;

/** One container of a {@link RuntimeScheduler} and the scheduler's bookkeeping about it. Guarded by its {@link AppContainers}. */
final class Slot {
  volatile Container container;
  /** True until a deploy or scale accepts the container: a crash then fails the deploy instead of waiting for a restart. */
  volatile boolean pending = true;
  /** True while the scheduler itself stops the container, so its exit is not taken for a crash. */
  volatile boolean stopping;
  volatile Instant startedAt = Instant.EPOCH;
  /** An exit reported while start() was still under way. */
  volatile OptionalInt earlyExit = OptionalInt.empty();
  /** Crashes since the container last ran for the longest back-off; the back-off doubles with each. */
  int crashesInARow;
  /** When a crashed container may be started again. */
  Instant restartAt = Instant.EPOCH;

  Slot(Container container) {
    this.container = container;
  }
}
