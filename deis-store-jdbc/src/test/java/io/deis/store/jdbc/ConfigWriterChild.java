package io.deis.store.jdbc;

import io.deis.controller.Controller;
import io.deis.controller.Session;
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
 * own file only after {@code setConfig} returned: those lines are the acknowledged writes.
 *
 * <pre>ConfigWriterChild h2 DATA_DIR | postgres JDBC_URL USER PASSWORD, then ACK_DIR THREADS APP...</pre>
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
    List<String> apps = List.of(args).subList(next, args.length);
    Controller deis = Fixtures.controller(store, data.resolve("controller")).build();
    Session alice = deis.login(Fixtures.USER, Fixtures.PASSWORD);
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String app = apps.get(t % apps.size());
      String key = "K" + t;
      Path file = acks.resolve("thread-" + t);
      Thread writer = new Thread(() -> write(alice, app, key, file), "writer-" + t);
      writers.add(writer);
      writer.start();
    }
    System.out.println("writing");
    for (Thread writer : writers) {
      writer.join();
    }
  }

  private static void write(Session session, String app, String key, Path file) {
    try (OutputStream out = new FileOutputStream(file.toFile(), true)) {
      for (int i = 0; ; i++) {
        String value = key + "-" + i;
        Optional<Release> release = session.setConfig(app, Map.of(key, value));
        // Acknowledged: one write() per line, so a kill leaves whole lines only.
        out.write((app + " " + release.orElseThrow().version() + " " + key + " " + value + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      e.printStackTrace();
    }
  }
}
