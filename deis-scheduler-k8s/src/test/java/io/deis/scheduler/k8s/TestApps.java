package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Installation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Builds, releases and process commands for tests against the fake cluster. */
public final class TestApps {
  private TestApps() {}

  /** The installation every test scheduler here belongs to, unless a test needs a second one. */
  public static final Installation INSTALLATION = Installation.of("testinst01");

  /** {@code scheduler}, started for {@link #INSTALLATION}, as a Controller would start it. */
  public static KubernetesScheduler started(KubernetesScheduler scheduler) {
    scheduler.start(INSTALLATION);
    return scheduler;
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
   * A web process that answers $GREETING on / (404 elsewhere): busybox's httpd serving a file it
   * writes at start. It binds $POD_IP, not 0.0.0.0: the fake kubelet's pods share this machine's
   * network, each with its own loopback address, and every pod's PORT is 5000. busybox is what
   * .ci/run installs, so no interpreter is assumed.
   */
  public static String webCommand() {
    return "mkdir -p www && printf '%s' \"$GREETING\" > www/index.html && exec busybox httpd -f -p \"$POD_IP:$PORT\" -h www";
  }
}
