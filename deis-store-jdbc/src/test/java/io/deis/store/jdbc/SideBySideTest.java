package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Controller;
import io.deis.model.AppName;
import io.deis.model.Release;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two controller processes on one PostgreSQL database: both serve config changes to the same two
 * apps from 4 threads each; exactly one reconciles (holds the lease). The lease holder is killed
 * with SIGKILL mid-burst: the other goes on writing (the app locks the dead one held went with its
 * connections) and takes the lease over within seconds. Versions stay gapless and unique, every
 * release is whole and was made under the app's lock (no lost update across processes), and every
 * acknowledged change is there.
 */
@RequiresPostgres
class SideBySideTest {
  private static final List<String> APPS = List.of("shared-one", "shared-two");
  private static final Pattern ROLE = Pattern.compile("(leader|follower) at (\\d+)");

  @TempDir
  Path tmp;

  @Test
  void twoControllersShareOneDatabaseAndTheSurvivorTakesTheLeaseOver() throws Exception {
    String url = TestPostgres.newDatabase();
    try (JdbcStore store = JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD)) {
      Fixtures.prepare(store, tmp.resolve("prepare"), APPS);
    }
    Path acksA = Files.createDirectories(tmp.resolve("acks-a"));
    Path acksB = Files.createDirectories(tmp.resolve("acks-b"));
    try (ChildJvm a = start("a", url, acksA); ChildJvm b = start("b", url, acksB)) {
      awaitAcks(List.of(a, b), List.of(acksA, acksB), 80);
      // Exactly one of them reconciles.
      ChildJvm leader = await(() -> {
        boolean aLeads = role(a).equals("leader");
        boolean bLeads = role(b).equals("leader");
        assertThat(aLeads && bLeads).as("both reconcile at once").isFalse();
        return aLeads ? Optional.of(a) : bLeads ? Optional.of(b) : Optional.empty();
      }, "one controller holds the lease", a, b);
      ChildJvm survivor = leader == a ? b : a;
      Path survivorAcks = survivor == a ? acksA : acksB;
      // The other one says it follows (it may not have said anything yet when the leader spoke).
      await(() -> role(survivor).isEmpty() ? Optional.empty() : Optional.of(role(survivor)), "the other one's role", a, b);
      assertThat(role(survivor)).isEqualTo("follower");

      int before = Fixtures.acknowledged(survivorAcks).size();
      long killedAt = System.currentTimeMillis();
      assertThat(leader.kill9()).as("SIGKILL").isEqualTo(137);

      long tookOverAt = await(() -> roleSince(survivor, killedAt), "the survivor takes the lease over", survivor);
      awaitAcks(List.of(survivor), List.of(survivorAcks), before + 40); // its writes go on: the dead one's app locks are gone
      System.out.printf("lease taken over %d ms after the holder was killed (lease ttl 3 s); survivor wrote %d more changes%n",
          tookOverAt - killedAt, Fixtures.acknowledged(survivorAcks).size() - before);
      assertThat(survivor.kill9()).isEqualTo(137);
    }

    List<Fixtures.Ack> acked = new ArrayList<>(Fixtures.acknowledged(acksA));
    acked.addAll(Fixtures.acknowledged(acksB));
    try (JdbcStore store = JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD)) {
      for (String app : APPS) {
        List<Release> releases = store.releases(AppName.of(app));
        assertThat(releases).extracting(Release::version).as("%s: gapless and unique", app)
            .containsExactlyElementsOf(IntStream.rangeClosed(1, releases.size()).boxed().toList());
        Fixtures.assertEachReleaseWhole(releases);
      }
      for (Fixtures.Ack ack : acked) {
        assertThat(store.release(AppName.of(ack.app()), ack.version())).as("acknowledged %s", ack)
            .hasValueSatisfying(r -> assertThat(r.config().values()).containsEntry(ack.key(), ack.value()));
      }
      long fromA = acked.stream().filter(x -> x.key().startsWith("a")).count();
      assertThat(fromA).as("both controllers served writes").isPositive().isLessThan(acked.size());
      try (Controller deis = Fixtures.controller(store, tmp.resolve("after")).build()) {
        Fixtures.reconcileOnceLeader(deis);
        for (String app : APPS) {
          assertThat(store.releases(AppName.of(app))).noneMatch(r -> r.status() == Release.Status.PENDING);
        }
      }
    }
  }

  private ChildJvm start(String name, String url, Path acks) throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data-" + name));
    List<String> args = new ArrayList<>(List.of("postgres", url, TestPostgres.USER, TestPostgres.PASSWORD, data.toString(),
        acks.toString(), "4", "--key-prefix", name));
    args.addAll(APPS);
    return ChildJvm.start(ConfigWriterChild.class, tmp.resolve(name + ".log"), args.toArray(String[]::new));
  }

  /** The child's last printed role: leader, follower, or "" before it printed one. */
  private static String role(ChildJvm child) throws Exception {
    String role = "";
    Matcher m = ROLE.matcher(Files.readString(child.log));
    while (m.find()) {
      role = m.group(1);
    }
    return role;
  }

  /** When the child said it became the leader after {@code since}, if it did. */
  private static Optional<Long> roleSince(ChildJvm child, long since) throws Exception {
    Matcher m = ROLE.matcher(Files.readString(child.log));
    while (m.find()) {
      if (m.group(1).equals("leader") && Long.parseLong(m.group(2)) >= since) {
        return Optional.of(Long.parseLong(m.group(2)));
      }
    }
    return Optional.empty();
  }

  private static void awaitAcks(List<ChildJvm> children, List<Path> dirs, int count) throws Exception {
    await(() -> {
      int total = 0;
      for (Path dir : dirs) {
        total += Fixtures.acknowledged(dir).size();
      }
      return total >= count ? Optional.of(total) : Optional.empty();
    }, count + " acknowledged changes", children.toArray(ChildJvm[]::new));
  }

  interface Probe<T> {
    Optional<T> get() throws Exception;
  }

  /** Polls until the probe has a value; a guard of 3 minutes against a hung child, not a timing assertion. */
  private static <T> T await(Probe<T> probe, String what, ChildJvm... children) throws Exception {
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      for (ChildJvm child : children) {
        assertThat(child.alive()).as("%s: child runs; its log: %s", what, Fixtures.tail(child.log)).isTrue();
      }
      assertThat(System.nanoTime()).as("%s within 3 minutes", what).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
