package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Procfile;
import io.deis.model.Release;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Builds, releases and process commands for tests against the fake cluster. */
public final class TestApps {
  private static volatile String webCommand;

  private TestApps() {}

  /**
   * Waits for something the cluster does on its own time (a process writing its log); polls,
   * because the test has no watch for it. Fails naming how long it waited.
   */
  static void await(Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("condition not met within " + timeout.toSeconds() + "s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }

  /** An image build: the only kind the Kubernetes backend runs. */
  public static Build imageBuild(AppName app, Procfile procfile) {
    return new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.empty(),
        Optional.of("registry.example.com/deis/" + app + ":git-1a2b3c4"), procfile, Optional.empty(), Optional.empty());
  }

  public static Release release(AppName app, int version, Build build, Map<String, String> values) {
    Config config = Config.empty(UUID.randomUUID().toString(), "tester", Instant.now())
        .apply(ConfigChange.builder().setAll(values).build(), UUID.randomUUID().toString(), "tester", Instant.now());
    return new Release(UUID.randomUUID().toString(), app, version, "tester", Instant.now(), Optional.of(build), config,
        "tester deployed v" + version, Release.Status.PENDING, Optional.empty());
  }

  static Release release(AppName app, int version, Build build, Config config) {
    return new Release(UUID.randomUUID().toString(), app, version, "tester", Instant.now(), Optional.of(build), config,
        "tester deployed v" + version, Release.Status.PENDING, Optional.empty());
  }

  /**
   * A web process that answers $GREETING on / (404 elsewhere). It binds $POD_IP, not 0.0.0.0:
   * the fake kubelet's pods share this machine's network, each with its own loopback address,
   * and every pod's PORT is 5000.
   */
  static synchronized String webCommand() {
    if (webCommand == null) {
      try {
        Path script = Files.createTempDirectory("deis-k8s-web").resolve("web.py");
        Files.writeString(script, String.join("\n",
            "import http.server, os",
            "greeting = os.environ.get('GREETING', '').encode()",
            "class Handler(http.server.BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        ok = self.path == '/'",
            "        body = greeting if ok else b'not found'",
            "        self.send_response(200 if ok else 404)",
            "        self.send_header('Content-Length', str(len(body)))",
            "        self.end_headers()",
            "        self.wfile.write(body)",
            "    def log_message(self, *args):",
            "        pass",
            "print('listening on %s:%s' % (os.environ['POD_IP'], os.environ['PORT']), flush=True)",
            "http.server.ThreadingHTTPServer((os.environ['POD_IP'], int(os.environ['PORT'])), Handler).serve_forever()",
            ""));
        webCommand = "exec " + python() + " " + script;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return webCommand;
  }

  /** The real interpreter, not a version manager's shim script, so a pod starts in milliseconds. */
  private static String python() throws IOException {
    Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes()).strip();
      return p.waitFor() == 0 && !out.isEmpty() ? out : "python3";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "python3";
    }
  }
}
