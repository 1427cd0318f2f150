package io.deis.store.jdbc;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the controller tests of this module set up the same way: one user, some apps. */
final class Fixtures {
  static final String USER = "alice";
  static final String PASSWORD = "s3cret-passw0rd";

  private Fixtures() {}

  static Controller.Builder controller(Store store, Path data) {
    // The shortest lease: a controller started after one was killed takes over within 3 s.
    return Controller.builder().store(store).dataDirectory(data).passwordHashIterations(1000).leaseTtl(Duration.ofSeconds(3));
  }

  /** Waits until the controller holds the reconciler lease (the one a killed controller held has expired) and has reconciled. */
  static void reconcileOnceLeader(Controller deis) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // a guard, not a timing assertion
    while (!deis.reconcile()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the controller did not get the reconciler lease within 60 s");
      }
      Thread.sleep(200);
    }
  }

  /** Registers alice (the administrator) and creates the apps, through a controller on the store that is closed again. */
  static void prepare(Store store, Path data, List<String> apps) {
    try (Controller deis = controller(store, data).build()) {
      deis.register(USER, PASSWORD, "alice@example.com");
      Session alice = deis.login(USER, PASSWORD);
      apps.forEach(alice::createApp);
    }
  }
}
