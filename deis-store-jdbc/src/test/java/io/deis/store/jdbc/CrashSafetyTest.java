package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Controller;
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
 * changes from 8 threads on 2 apps; each thread writes down a version only after the call returned.
 * The child is killed with SIGKILL mid-burst, the store opened again, and every acknowledged
 * release must be there, whole, with versions gapless and unique. A controller started on it then
 * marks the deploy the kill interrupted (a PENDING release) as failed, and numbering goes on.
 */
class CrashSafetyTest {
  private static final List<String> APPS = List.of("crash-one", "crash-two");
  private static final int THREADS = 8;
  /** Acknowledged changes to wait for before the kill: enough that every thread is mid-burst. */
  private static final int ACKNOWLEDGED_BEFORE_KILL = 120;

  @TempDir
  Path tmp;

  @Test
  void h2KeepsEveryAcknowledgedReleaseAfterKill9() throws Exception {
    Path data = tmp.resolve("data");
    try (JdbcStore store = JdbcStore.h2(data)) {
      Fixtures.prepare(store, data.resolve("controller"), APPS);
    } // closed: H2 lets one process open the file, and the child is that process now
    crashAndCheck(() -> JdbcStore.h2(data), data, "h2", data.toString());
  }

  @Test
  @RequiresPostgres
  void postgresKeepsEveryAcknowledgedReleaseAfterKill9() throws Exception {
    Path data = tmp.resolve("data");
    String url = TestPostgres.newDatabase();
    Supplier<JdbcStore> open = () -> JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD);
    try (JdbcStore store = open.get()) {
      Fixtures.prepare(store, data.resolve("controller"), APPS);
    }
    crashAndCheck(open, data, "postgres", url, TestPostgres.USER, TestPostgres.PASSWORD, data.toString());
  }

  private void crashAndCheck(Supplier<JdbcStore> open, Path data, String... storeArgs) throws Exception {
    Path acks = Files.createDirectories(tmp.resolve("acks"));
    List<String> args = new ArrayList<>(List.of(storeArgs));
    args.addAll(List.of(acks.toString(), Integer.toString(THREADS)));
    args.addAll(APPS);
    int exit;
    try (ChildJvm child = ChildJvm.start(ConfigWriterChild.class, tmp.resolve("child.log"), args.toArray(String[]::new))) {
      long deadline = System.nanoTime() + 180_000_000_000L; // a guard against a hung child, not a timing assertion
      while (Fixtures.acknowledged(acks).size() < ACKNOWLEDGED_BEFORE_KILL) {
        assertThat(child.alive()).as("the child runs; its log: %s", Fixtures.tail(child.log)).isTrue();
        assertThat(System.nanoTime()).as("acknowledged writes within 3 minutes; child log: %s", Fixtures.tail(child.log)).isLessThan(deadline);
        Thread.sleep(50);
      }
      Thread.sleep(ThreadLocalRandom.current().nextInt(0, 100)); // land somewhere in the burst
      exit = child.kill9();
    }
    assertThat(exit).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
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
        assertThat(releases.stream().filter(r -> r.status() == Release.Status.FAILED)).isEmpty();
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
        for (String app : APPS) {
          AppName name = AppName.of(app);
          assertThat(store.releases(name)).noneMatch(r -> r.status() == Release.Status.PENDING);
          int last = store.releases(name).size();
          Release next = deis.login(Fixtures.USER, Fixtures.PASSWORD).setConfig(app, Map.of("AFTER", "restart")).orElseThrow();
          assertThat(next.version()).isEqualTo(last + 1);
        }
      }
    }
  }

}
