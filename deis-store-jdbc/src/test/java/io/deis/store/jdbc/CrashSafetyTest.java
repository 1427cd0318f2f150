package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.AppName;
import io.deis.model.Release;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety, proven with kill -9: a child JVM runs a controller on the store and makes config
 * changes from 8 threads on 3 apps (one of them with a build, so its changes deploy a worker on
 * the local runtime); each thread writes down a version only after the call returned. The child
 * is killed with SIGKILL mid-burst, the store opened again, and every acknowledged release must be
 * there, whole, with versions gapless and unique. A controller started on it then marks a deploy
 * the kill interrupted (a PENDING release) as failed, runs the current release of the built app
 * again, and numbering goes on.
 */
class CrashSafetyTest {
  /** Two apps without a build (a change is one store transaction) and one with a build (a change deploys: PENDING, then its outcome). */
  private static final List<String> APPS = List.of("crash-one", "crash-two", "crash-built");
  private static final String BUILT = "crash-built";
  private static final int THREADS = 8;
  /** Acknowledged changes to wait for before the kill: enough that every thread is mid-burst. */
  private static final int ACKNOWLEDGED_BEFORE_KILL = 120;

  @TempDir
  Path tmp;

  @Test
  void h2KeepsEveryAcknowledgedReleaseAfterKill9() throws Exception {
    Path data = tmp.resolve("data");
    prepare(JdbcStore.h2(data), data); // closed again: H2 lets one process open the file, and the child is that process now
    crashAndCheck(() -> JdbcStore.h2(data), data, "h2", data.toString());
  }

  @Test
  @RequiresPostgres
  void postgresKeepsEveryAcknowledgedReleaseAfterKill9() throws Exception {
    Path data = tmp.resolve("data");
    String url = TestPostgres.newDatabase();
    Supplier<JdbcStore> open = () -> JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD);
    prepare(open.get(), data);
    crashAndCheck(open, data, "postgres", url, TestPostgres.USER, TestPostgres.PASSWORD, data.toString());
  }

  /**
   * Prints the database's sessions (H2: who blocks whom, and what each runs) and this JVM's threads,
   * for a store call that failed after the restart. Seen once in about 16 runs of the H2 test: the
   * first config change after the restart waited 10 s for a lock (SQL state HYT00) and failed;
   * not reproduced since.
   */
  private static void diagnose(JdbcStore store) {
    try {
      if (store.database().dialect == Dialect.H2) {
        store.database().read("list the sessions", c -> Sql.query(c, "SELECT SESSION_ID, BLOCKER_ID, CONTAINS_UNCOMMITTED, SESSION_STATE,"
            + " SLEEP_SINCE, EXECUTING_STATEMENT FROM INFORMATION_SCHEMA.SESSIONS", rows -> {
              System.err.printf("session %s blocked by %s, uncommitted changes %s, %s since %s: %s%n", rows.getString(1),
                  rows.getString(2), rows.getString(3), rows.getString(4), rows.getString(5), rows.getString(6));
              return null;
            }));
      }
    } catch (RuntimeException e) {
      System.err.println("listing the sessions failed: " + e);
    }
    for (java.lang.management.ThreadInfo thread : java.lang.management.ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      System.err.print(thread);
    }
  }

  /** alice, the apps, and a worker deployed to the built app; then the store is closed. */
  private void prepare(JdbcStore opened, Path data) throws Exception {
    Path repo = tmp.resolve("repo");
    Fixtures.commit(repo, "worker: exec sleep 1000\n");
    try (JdbcStore store = opened) {
      Fixtures.prepare(store, data.resolve("controller"), APPS);
      try (Controller deis = Fixtures.controller(store, data.resolve("controller")).build()) {
        Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
        alice.deploy(BUILT, BuildSource.commit(repo, "HEAD"));
        alice.scale(BUILT, "worker=1");
      }
    }
  }

  private void crashAndCheck(Supplier<JdbcStore> open, Path data, String... storeArgs) throws Exception {
    Path acks = Files.createDirectories(tmp.resolve("acks"));
    List<String> args = new ArrayList<>(List.of(storeArgs));
    args.addAll(List.of(acks.toString(), Integer.toString(THREADS)));
    args.addAll(APPS);
    int exit;
    try (ChildJvm child = ChildJvm.start(ConfigWriterChild.class, tmp.resolve("child.log"), args.toArray(String[]::new))) {
      long deadline = System.nanoTime() + 180_000_000_000L; // a guard against a hung child, not a timing assertion
      while (Fixtures.acknowledged(acks).size() < ACKNOWLEDGED_BEFORE_KILL
          || Fixtures.acknowledged(acks).stream().filter(a -> a.app().equals(BUILT)).count() < 2) {
        assertThat(child.alive()).as("the child runs; its log: %s", Fixtures.tail(child.log)).isTrue();
        assertThat(System.nanoTime()).as("acknowledged writes within 3 minutes; child log: %s", Fixtures.tail(child.log)).isLessThan(deadline);
        Thread.sleep(50);
      }
      Thread.sleep(ThreadLocalRandom.current().nextInt(0, 100)); // land somewhere in the burst
      exit = child.kill9();
    }
    assertThat(exit).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
    // The built app's worker runs in a process group of its own, so it outlives the kill; the
    // next local runtime on the same data directory ends what the killed one left (checked below).
    List<ProcessHandle> orphans = Fixtures.processesUnder(data);
    System.out.printf("processes left running by the killed controller: %d %s%n", orphans.size(),
        orphans.stream().map(p -> p.pid() + " " + p.info().command().orElse("?")).toList());
    List<Fixtures.Ack> acked = Fixtures.acknowledged(acks);

    try (JdbcStore store = open.get()) {
      Map<String, Integer> pendingPerApp = new HashMap<>();
      for (String app : APPS) {
        List<Release> releases = store.releases(AppName.of(app));
        assertThat(releases).extracting(Release::version).as("%s: gapless and unique", app)
            .containsExactlyElementsOf(IntStream.rangeClosed(1, releases.size()).boxed().toList());
        Fixtures.assertEachReleaseWhole(releases);
        List<Release> pending = releases.stream().filter(r -> r.status() == Release.Status.PENDING).toList();
        assertThat(pending.size()).as("%s: at most one release was in flight (its lock serializes changes)", app).isLessThanOrEqualTo(1);
        pending.forEach(p -> assertThat(p.version()).as("the one in flight is the newest").isEqualTo(releases.size()));
        assertThat(releases.stream().filter(r -> r.status() == Release.Status.FAILED)).as("no deploy failed before the kill").isEmpty();
        pendingPerApp.put(app, pending.size());
      }
      for (Fixtures.Ack ack : acked) {
        assertThat(store.release(AppName.of(ack.app()), ack.version())).as("acknowledged %s", ack)
            .hasValueSatisfying(r -> assertThat(r.config().values()).containsEntry(ack.key(), ack.value()));
      }
      System.out.printf("kill -9 after %d acknowledged changes: %s; releases in flight at the kill: %s%n", acked.size(),
          APPS.stream().map(a -> a + " v1..v" + store.releases(AppName.of(a)).size()).toList(), pendingPerApp);

      // A controller restarted on the store reconciles: the interrupted deploy is marked failed, numbering goes on.
      try (Controller deis = Fixtures.controller(store, data.resolve("controller")).build()) {
        Fixtures.reconcileOnceLeader(deis); // once the killed child's lease has expired
        try {
          assertThat(Fixtures.awaitEnded(orphans)).as("the killed controller's processes, ended by the next local runtime").isEmpty();
        } finally {
          orphans.forEach(ProcessHandle::destroyForcibly); // by pid, should they not be
        }
        Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
        int current = alice.currentRelease(BUILT).version();
        assertThat(alice.ps(BUILT)).extracting(c -> c.type() + "." + c.num() + " v" + c.release() + " " + c.state())
            .as("the built app's current release runs again").containsExactly("worker.1 v" + current + " up");
        for (String app : APPS) {
          AppName name = AppName.of(app);
          assertThat(store.releases(name)).noneMatch(r -> r.status() == Release.Status.PENDING);
          store.releases(name).stream().filter(r -> r.status() == Release.Status.FAILED)
              .forEach(r -> assertThat(r.failure()).hasValue("the deploy did not finish: its controller stopped"));
          int last = store.releases(name).size();
          Release next;
          try {
            next = alice.setConfig(app, Map.of("AFTER", "restart")).orElseThrow();
          } catch (io.deis.error.StoreException e) {
            diagnose(store); // once, an H2 lock wait timed out here: say who held what
            throw e;
          }
          assertThat(next.version()).isEqualTo(last + 1);
        }
      }
    }
  }

}
