package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import io.deis.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's app locks linger for their own process after a release ({@link AppLocks}): how
 * long another process waits for them, and that they never keep a connection another lock needs.
 * Two stores on one database stand for two controller processes.
 */
@RequiresPostgres
class LingeringLockTest {
  private static final AppName APP = AppName.of("lingering");

  private String url;
  private JdbcStore here;
  private JdbcStore elsewhere;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void open() {
    url = TestPostgres.newDatabase();
    here = JdbcStore.builder().postgres(url, TestPostgres.USER, TestPostgres.PASSWORD).maxHeldAppLocks(4).build();
    elsewhere = JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD);
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    here.close();
    elsewhere.close();
  }

  @Test
  void aReleasedLockLingersBrieflyForItsOwnProcessThenGoes() throws Exception {
    here.lock(APP).close();
    Optional<Store.AppLock> meanwhile = elsewhere.tryLock(APP);
    meanwhile.ifPresent(Store.AppLock::close);
    assertThat(meanwhile).as("another process's tryLock right after the release").isEmpty();
    try (Store.AppLock again = here.tryLock(APP).orElseThrow()) {
      // taken again by its own process while it lingers
    }
    long released = System.nanoTime();
    Store.AppLock taken = awaitTryLock(elsewhere, APP, Duration.ofSeconds(5));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
    taken.close();
    assertThat(waited).as("ms until another process could take it").isLessThan(1_000);
  }

  @Test
  void aProcessThatKeepsUsingAnAppStillLetsAnotherTakeItsTurn() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Future<Integer> busy = threads.submit(() -> {
      int holds = 0;
      while (!stop.get()) {
        try (Store.AppLock held = here.lock(APP)) {
          holds++;
        }
      }
      return holds;
    });
    Thread.sleep(200); // the busy process holds it, lingering between holds
    long waited;
    try {
      waited = threads.submit(() -> {
        long asked = System.nanoTime();
        try (Store.AppLock mine = elsewhere.lock(APP)) {
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
        }
      }).get(10, TimeUnit.SECONDS);
    } finally {
      stop.set(true);
    }
    assertThat(waited).as("ms the other process waited (lingering holds last at most %s)", AppLocks.MAX_CONTINUOUS).isLessThan(2_000);
    assertThat(busy.get(10, TimeUnit.SECONDS)).as("holds by the busy process").isPositive();
  }

  @Test
  void lingeringLocksNeverKeepAnotherAppsLockWaitingForAConnection() throws Exception {
    // maxHeldAppLocks 4: one lock may linger; holding four apps at once needs its connection back.
    for (int i = 0; i < 20; i++) {
      here.lock(AppName.of("brief-" + i)).close();
    }
    CountDownLatch allHeld = new CountDownLatch(4);
    CountDownLatch done = new CountDownLatch(1);
    List<Future<?>> holders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      AppName app = AppName.of("held-" + i);
      holders.add(threads.submit(() -> {
        try (Store.AppLock held = here.lock(app)) {
          allHeld.countDown();
          done.await();
        }
        return null;
      }));
    }
    try {
      assertThat(allHeld.await(10, TimeUnit.SECONDS)).as("four apps held at once").isTrue();
    } finally {
      done.countDown();
    }
    for (Future<?> holder : holders) {
      holder.get(10, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 20; i++) {
      try (Store.AppLock theirs = awaitTryLock(elsewhere, AppName.of("brief-" + i), Duration.ofSeconds(5))) {
        // every brief lock was let go in the database in the end
      }
    }
  }

  @Test
  void closingTheStoreLetsItsLingeringLocksGoAtOnce() throws Exception {
    here.lock(APP).close();
    here.close();
    Optional<Store.AppLock> after = elsewhere.tryLock(APP);
    after.ifPresent(Store.AppLock::close);
    assertThat(after).as("another process's tryLock after the lingering store closed").isPresent();
  }

  private static Store.AppLock awaitTryLock(Store store, AppName app, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Optional<Store.AppLock> lock = store.tryLock(app);
      if (lock.isPresent()) {
        return lock.get();
      }
      assertThat(System.nanoTime()).as("still held after %s", within).isLessThan(deadline);
      Thread.sleep(2);
    }
  }
}
