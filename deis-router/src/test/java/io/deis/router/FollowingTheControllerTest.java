package io.deis.router;

import static io.deis.router.RoutingTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.AppName;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router that follows a controller learns apps, domains and certificates from the controller's
 * events, whether they existed before it started or came after; containers are covered by the
 * zero-downtime tests.
 */
class FollowingTheControllerTest {
  @TempDir
  Path tmp;

  @Test
  void appsDomainsAndCertificatesFollowTheControllersEvents() throws Exception {
    try (Controller deis = Controller.builder().dataDirectory(tmp.resolve("data")).passwordHashIterations(1000).build()) {
      deis.register("alice", "alice-password", "");
      Session alice = deis.login("alice", "alice-password");
      alice.createApp("early");
      alice.addDomain("early", "www.early.example");

      try (Router router = Router.builder().controller(deis).port(0).httpsPort(0).ioThreads(1).build().start()) {
        // Known before the start: an app without containers answers 503, not 404.
        assertThat(get(router, "early.local.deis", "/").statusCode()).isEqualTo(503);
        assertThat(get(router, "www.early.example", "/").statusCode()).isEqualTo(503);

        alice.createApp("late");
        assertThat(get(router, "late.local.deis", "/").statusCode()).isEqualTo(503);
        alice.addDomain("late", "shop.late.example");
        assertThat(router.routes().domains(AppName.of("late"))).containsExactly("shop.late.example");
        alice.removeDomain("late", "shop.late.example");
        assertThat(get(router, "shop.late.example", "/").statusCode()).isEqualTo(404);

        TestCertificates.Pair cert = TestCertificates.make(tmp, "secure.late.example", "secure.late.example");
        alice.addCertificate(cert.certificate(), cert.key(), Optional.empty());
        assertThat(router.routes().certificateFor("secure.late.example")).hasValue("secure.late.example");
        assertThat(TlsTest.get(router.httpsPort(), "secure.late.example", "/").subject()).isEqualTo("CN=secure.late.example");
        alice.removeCertificate("secure.late.example");
        assertThat(router.routes().certificateFor("secure.late.example")).isEmpty();

        alice.destroyApp("late");
        assertThat(get(router, "late.local.deis", "/").statusCode()).isEqualTo(404);
        assertThat(router.routes().apps()).containsExactly(AppName.of("early"));
      }
      // A closed router no longer follows, and the controller goes on without it.
      alice.createApp("after");
      alice.destroyApp("early");
    }
  }
}
