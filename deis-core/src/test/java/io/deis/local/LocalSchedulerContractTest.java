package io.deis.local;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.contract.ExecutingSchedulerContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

/** The local runtime passes the whole scheduler contract with real OS processes. */
class LocalSchedulerContractTest extends ExecutingSchedulerContract {
  @TempDir
  Path sources;

  @Override
  protected Scheduler newScheduler() {
    return new RuntimeScheduler(new LocalRuntime(sources.resolve("runtime")), fastOptions());
  }

  @Override
  protected Build runnableBuild(AppName app, Procfile procfile) {
    try {
      Path tree = Files.createDirectories(sources.resolve("src-" + UUID.randomUUID()));
      Files.writeString(tree.resolve("Procfile"), procfile.commands().entrySet().stream()
          .map(e -> e.getKey() + ": " + e.getValue()).reduce("", (a, b) -> a + b + "\n"));
      return new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.empty(), Optional.empty(),
          procfile, Optional.empty(), Optional.of(tree));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected Commands commands() {
    return new Commands(webCommand(), "exec sleep 1000", "exit 3", "sleep 2; exit 3");
  }

  /** A real HTTP server in a JVM of its own, started from this module's test classes. */
  static String webCommand() {
    try {
      Path classes = Path.of(TinyWebServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return "exec java -Xmx32m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp '" + classes + "' "
          + TinyWebServer.class.getName();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
