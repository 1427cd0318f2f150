package io.deis.store.jdbc;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.DeisException;
import io.deis.model.Release;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The child JVM of {@link CrashSafetyTest}: a controller on the store given, making config changes
 * from several threads until it is killed. Each thread appends {@code app version key value} to its
 * own file only after {@code setConfig} returned: those lines are the acknowledged writes. It also
 * prints {@code leader at MILLIS} or {@code follower at MILLIS} whenever it starts or stops being
 * the controller that reconciles ({@link Controller#reconcile()} is true on the lease holder only).
 *
 * <pre>ConfigWriterChild h2 DATA_DIR | postgres JDBC_URL USER PASSWORD DATA_DIR, then ACK_DIR THREADS [--key-prefix P] APP...</pre>
 */
public final class ConfigWriterChild {
  private ConfigWriterChild() {}

  public static void main(String[] args) throws Exception {
    int next = 0;
    JdbcStore store;
    Path data;
    if (args[next].equals("h2")) {
      data = Path.of(args[next + 1]);
      store = JdbcStore.h2(data);
      next += 2;
    } else {
      store = JdbcStore.postgres(args[next + 1], args[next + 2], args[next + 3]);
      next += 4;
      data = Path.of(args[next]);
      next++;
    }
    Path acks = Path.of(args[next++]);
    int threads = Integer.parseInt(args[next++]);
    String prefix = "K";
    if (args[next].equals("--key-prefix")) {
      prefix = args[next + 1];
      next += 2;
    }
    List<String> apps = List.of(args).subList(next, args.length);
    String keyPrefix = prefix;
    Controller deis = Fixtures.controller(store, data.resolve("controller")).build();
    Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String app = apps.get(t % apps.size());
      String key = keyPrefix + t;
      Path file = acks.resolve("thread-" + t);
      Thread writer = new Thread(() -> write(alice, app, key, file), "writer-" + t);
      writers.add(writer);
      writer.start();
    }
    System.out.println("writing");
    // Which controller reconciles: reconcile() does only on the lease holder. Printed on every change.
    Boolean leader = null;
    while (true) {
      boolean now = deis.reconcile();
      if (leader == null || now != leader) {
        System.out.println((now ? "leader" : "follower") + " at " + System.currentTimeMillis());
        leader = now;
      }
      Thread.sleep(100);
    }
  }

  private static void write(Session session, String app, String key, Path file) {
    try (OutputStream out = new FileOutputStream(file.toFile(), true)) {
      for (int i = 0; ; i++) {
        String value = key + "-" + i;
        Optional<Release> release;
        try {
          release = session.setConfig(app, Map.of(key, value));
        } catch (DeisException e) {
          System.out.println(app + ": the change of " + key + " was not acknowledged: " + e.getMessage());
          continue;
        }
        // Acknowledged: one write() per line, so a kill leaves whole lines only.
        out.write((app + " " + release.orElseThrow().version() + " " + key + " " + value + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      e.printStackTrace();
    }
  }
}
