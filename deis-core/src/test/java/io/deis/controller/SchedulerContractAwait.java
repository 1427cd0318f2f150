package io.deis.controller;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Waits for something another thread (or process) makes true. */
final class SchedulerContractAwait {
  private SchedulerContractAwait() {}

  static void until(BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("condition not met within 20s");
      }
      Thread.sleep(50);
    }
  }
}
