package io.deis.store.jdbc;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.store.InMemoryStore;
import io.deis.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Config-change releases per second through the controller on each store, against the database's
 * own rate of committed single-row inserts measured in the same run, on the same connection pool:
 * small rows into a table with nothing but an identity key (the baseline), and rows shaped
 * like a release (the same columns, keys, index and foreign key, the same config JSON) inserted
 * by plain SQL, which separates what the database charges for a release row from what the
 * controller adds. A config change of an app without a build commits one single-statement
 * transaction (the release, saved as the current one) under the app's lock, after reading the
 * caller's token and user, the app and its current release. On PostgreSQL the lock lingers
 * between changes, the app and its current release are kept while it is held, and the token's
 * holder is kept until a change is notified, so in a burst a change is one statement and one
 * commit (a round trip the benchmark also prints). It changes nothing that runs, so no reconcile
 * follows. One app's changes
 * serialize on its lock by design, so 8 threads are measured on one app and on their own app each.
 * Rounds alternate the baselines and the work, and the ratio is the median of the rounds' ratios,
 * so a busy shared machine weighs on both alike.
 *
 * <pre>mvn -q -pl deis-store-jdbc -am -Pstore-bench -DskipTests process-test-classes</pre>
 */
public final class StoreBenchmark {
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
  private static final long ROUND_MILLIS = Long.getLong("bench.roundMillis", 2000);
  private static final long WARM_UP_MILLIS = 2000;

  private StoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path tmp = Files.createTempDirectory("deis-store-bench-");
    System.out.printf("each figure: the median of %d rounds of %d ms that alternate the baseline and the work, after a warm-up;"
        + " %d cores%n", ROUNDS, ROUND_MILLIS, Runtime.getRuntime().availableProcessors());
    try {
      run("in-memory (reference)", InMemoryStore::new, tmp.resolve("memory"), false);
      run("H2 file", () -> JdbcStore.h2(tmp.resolve("h2")), tmp.resolve("h2"), true);
      String why = TestPostgres.unavailable();
      if (why.isEmpty()) {
        run("PostgreSQL (embedded server, synchronous_commit=on)", TestPostgres::newStore, tmp.resolve("pg"), true);
      } else {
        System.out.println("PostgreSQL: skipped, " + why);
      }
    } finally {
      TestPostgres.closeQuietly();
      com.google.common.io.MoreFiles.deleteRecursively(tmp, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }

  private static void run(String name, Supplier<Store> open, Path data, boolean database) throws Exception {
    Store store = open.get();
    try (Controller deis = Fixtures.controller(store, Files.createDirectories(data.resolve("controller"))).build()) {
      deis.register(Fixtures.USER, Fixtures.PASSWORD, "alice@example.com");
      Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
      for (int i = 0; i < 8; i++) {
        alice.createApp("bench-" + i);
      }
      Work inserts = null;
      Work releaseRows = null;
      double roundTrips = 0;
      if (database) {
        Database db = ((JdbcStore) store).database();
        db.read("create the benchmark's tables", c -> {
          Sql.update(c, "CREATE TABLE bench_inserts (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, thread INTEGER NOT NULL,"
              + " payload TEXT NOT NULL)");
          // The releases table's shape: its columns, keys, index and foreign key, without the store.
          Sql.update(c, "CREATE TABLE bench_releases (app VARCHAR(64) NOT NULL REFERENCES apps (name), version BIGINT NOT NULL,"
              + " uuid TEXT NOT NULL, owner TEXT NOT NULL, created TIMESTAMP(6) WITH TIME ZONE NOT NULL, build TEXT, config TEXT NOT NULL,"
              + " summary TEXT NOT NULL, status VARCHAR(16) NOT NULL, failure TEXT, PRIMARY KEY (app, version))");
          // and its index: of PENDING releases on PostgreSQL (schema V3), by status on H2
          return Sql.update(c, db.dialect == Dialect.POSTGRESQL
              ? "CREATE INDEX bench_releases_pending ON bench_releases (app, version) WHERE status = 'PENDING'"
              : "CREATE INDEX bench_releases_by_status ON bench_releases (app, status, version DESC)");
        });
        inserts = (t, i) -> db.read("insert a row", c ->
            Sql.update(c, "INSERT INTO bench_inserts (thread, payload) VALUES (?, ?)", t, "row " + i + " of thread " + t));
        alice.setConfig("bench-0", Map.of("K0", "v0"));
        String config = ModelJson.config(store.latestRelease(io.deis.model.AppName.of("bench-0"), io.deis.model.Release.Status.SUCCEEDED)
            .orElseThrow().config());
        AtomicLong versions = new AtomicLong();
        releaseRows = (t, i) -> db.read("insert a release row", c -> Sql.update(c, "INSERT INTO bench_releases (app, version, uuid, owner,"
                + " created, build, config, summary, status, failure) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 'SUCCEEDED', NULL)",
            "bench-0", versions.incrementAndGet(), java.util.UUID.randomUUID().toString(), Fixtures.USER,
            Database.timestamp(java.time.Instant.now()), config, Fixtures.USER + " set K" + t));
        roundTrips = measure(1, (t, i) -> db.read("ask", c -> Sql.queryOne(c, "SELECT 1", rows -> 1)), WARM_UP_MILLIS);
      }
      Work oneApp = (t, i) -> alice.setConfig("bench-0", Map.of("K" + t, "v" + i));
      Work ownApp = (t, i) -> alice.setConfig("bench-" + t, Map.of("K", "v" + i));
      System.out.println();
      System.out.println(name + ":");
      if (roundTrips > 0) {
        System.out.printf("  a statement's round trip (SELECT 1 on the pool): %.0f us%n", 1e6 / roundTrips);
      }
      for (int threads : new int[] {1, 8}) {
        // Rounds that alternate the baseline and the measured work, so that the load of a shared
        // machine falls on both alike; the ratio is the median of the rounds' ratios.
        List<Double> base = new ArrayList<>();
        List<Double> rows = new ArrayList<>();
        List<Double> one = new ArrayList<>();
        List<Double> own = new ArrayList<>();
        List<Double> oneRatio = new ArrayList<>();
        List<Double> ownRatio = new ArrayList<>();
        List<Double> oneToRows = new ArrayList<>();
        measure(threads, oneApp, WARM_UP_MILLIS);
        for (int round = 0; round < ROUNDS; round++) {
          double b = inserts == null ? 0 : measure(threads, inserts, ROUND_MILLIS);
          double r = releaseRows == null ? 0 : measure(threads, releaseRows, ROUND_MILLIS);
          double o = measure(threads, oneApp, ROUND_MILLIS);
          double w = threads == 1 ? 0 : measure(threads, ownApp, ROUND_MILLIS);
          base.add(b);
          rows.add(r);
          one.add(o);
          own.add(w);
          oneRatio.add(b == 0 ? 0 : o / b);
          ownRatio.add(b == 0 ? 0 : w / b);
          oneToRows.add(r == 0 ? 0 : o / r);
        }
        String t = threads + (threads == 1 ? " thread " : " threads");
        if (inserts != null) {
          System.out.printf("  committed single-row inserts/s, %s:           %7.0f%n", t, median(base));
          System.out.printf("  committed release-shaped rows/s, %s:          %7.0f%n", t, median(rows));
        }
        report("config-change releases/s, " + t + ", one app:  ", one, oneRatio, inserts != null);
        if (inserts != null) {
          System.out.printf("      ratio to release-shaped rows/s: %.2f (rounds %s)%n", median(oneToRows),
              oneToRows.stream().map(x -> String.format("%.2f", x)).toList());
        }
        if (threads > 1) {
          report("config-change releases/s, " + t + ", own apps: ", own, ownRatio, inserts != null);
        }
      }
    } finally {
      if (store instanceof AutoCloseable closeable) {
        closeable.close();
      }
    }
  }

  private static void report(String what, List<Double> rates, List<Double> ratios, boolean baseline) {
    System.out.printf("  %s %7.0f%s%n", what, median(rates),
        baseline ? String.format("   ratio to inserts/s: %.2f (rounds %s)", median(ratios),
            ratios.stream().map(r -> String.format("%.2f", r)).toList()) : "");
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  interface Work {
    void run(int thread, long iteration) throws Exception;
  }

  private static double measure(int threads, Work work, long millis) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread worker = new Thread(() -> {
        try {
          start.await();
          for (long i = 0; !stop.get(); i++) {
            work.run(thread, System.nanoTime() + i);
            done.incrementAndGet();
          }
        } catch (Exception e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      });
      workers.add(worker);
      worker.start();
    }
    long began = System.nanoTime();
    start.countDown();
    Thread.sleep(millis);
    stop.set(true);
    long count = done.get();
    double elapsed = (System.nanoTime() - began) / 1e9;
    for (Thread worker : workers) {
      worker.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    return count / elapsed;
  }
}
