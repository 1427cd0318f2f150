package io.deis.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.controller.Session;
import io.deis.model.AppName;
import io.deis.model.Release;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zero-downtime scenario every backend's test runs (this module's on the local runtime,
 * deis-scheduler-docker's on the real daemon): deploy, redeploy, scale up and down, roll back,
 * all under continuous load through a router that follows the controller. Not one request may
 * fail or be answered outside 2xx.
 */
public final class ZeroDowntime {
  private static final Logger log = LoggerFactory.getLogger(ZeroDowntime.class);

  private ZeroDowntime() {}

  public static void scenario(Session alice, Router router, String app, BuildSource source, String path, Map<String, String> extraConfig)
      throws Exception {
    alice.createApp(app);
    // The load names the app by a custom domain, added through the controller: java.net.http sets Host from the URI only.
    alice.addDomain(app, "localhost");
    alice.setConfig(app, merged(extraConfig, "GREETING", "v-one"));
    alice.deploy(app, source, line -> { });
    assertThat(router.routes().upstreams(AppName.of(app))).hasSize(1);
    assertThat(router.routes().domains(AppName.of(app))).containsExactly("localhost");

    try (LoadDriver load = new LoadDriver(router.port(), path, 4, Duration.ofMinutes(5))) {
      load.awaitMore(50);
      Release two = alice.setConfig(app, Map.of("GREETING", "v-two")).orElseThrow();  // redeploy: new containers, old drained
      load.awaitMore(50);
      alice.scale(app, "web=3");
      load.awaitMore(50);
      assertThat(router.routes().upstreams(AppName.of(app))).hasSize(3);
      alice.scale(app, "web=1");
      load.awaitMore(50);
      alice.setConfig(app, Map.of("GREETING", "v-three"));
      load.awaitMore(50);
      alice.rollback(app, two.version());                                              // back to v-two's config
      load.awaitMore(50);
      alice.scale(app, "web=2");
      load.awaitMore(50);
      load.close();

      log.info("zero downtime on {}: {} requests answered 2xx, {} failed; bodies {}", app, load.ok.get(),
          load.failures.size(), load.bodies);
      assertThat(load.failures).as("failed or non-2xx requests").isEmpty();
      assertThat(load.ok.get()).isGreaterThan(350);
      assertThat(load.bodies.keySet()).contains("v-one", "v-two", "v-three");
    }
    assertThat(router.routes().upstreams(AppName.of(app))).hasSize(2);
    alice.destroyApp(app);
    assertThat(router.routes().apps()).doesNotContain(AppName.of(app));
  }

  private static Map<String, String> merged(Map<String, String> extra, String key, String value) {
    java.util.Map<String, String> all = new java.util.HashMap<>(extra);
    all.put(key, value);
    return all;
  }
}
