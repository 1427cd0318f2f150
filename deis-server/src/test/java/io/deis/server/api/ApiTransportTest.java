package io.deis.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with a given certificate, and an endpoint at work outlasting the connection's idle timeout. */
class ApiTransportTest {
  @TempDir
  Path tmp;

  @Test
  void withAKeyStoreTheApiSpeaksHttpsAndAClientTrustingTheCertificateTalksToIt() throws Exception {
    Path keyStore = tmp.resolve("api.p12");
    Process keytool = new ProcessBuilder(List.of("keytool", "-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1",
        "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-dname", "CN=127.0.0.1",
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2")).redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes());
    assertThat(keytool.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();

    try (ApiFixture deis = new ApiFixture(tmp.resolve("deis"), ApiServer.builder().tls(keyStore, "changeit"))) {
      assertThat(deis.server.url().toString()).startsWith("https://127.0.0.1:");
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keyStore)) {
        trusted.load(in, "changeit".toCharArray());
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      V1Client client = deis.anonymous.using(HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build());

      assertThat(client.get("/v1/").status()).isEqualTo(401);
      V1Client alice = client.registerAndLogin("alice", "alice-pw");
      assertThat(alice.get("/v1/apps/").status()).isEqualTo(200);
      // plain HTTP to the TLS port gets no HTTP answer at all
      V1Client plain = new V1Client(java.net.URI.create(deis.server.url().toString().replace("https", "http")));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.get("/v1/")).isInstanceOf(java.io.UncheckedIOException.class);
    }
  }

  @Test
  void aRunLongerThanTheIdleTimeoutStillAnswers() {
    try (ApiFixture deis = new ApiFixture(tmp, ApiServer.builder().idleTimeout(Duration.ofMillis(500)))) {
      V1Client alice = deis.anonymous.registerAndLogin("alice", "alice-pw");
      assertThat(alice.post("/v1/apps/", "{\"id\":\"slow\"}").status()).isEqualTo(201);
      deis.deploy(alice, "slow", ApiFixture.WORKER_PROCFILE);

      V1Client.Response r = alice.post("/v1/apps/slow/run", "{\"command\":\"sleep 2; echo done\"}");

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().toString()).isEqualTo("[0,\"done\\n\"]");
    }
  }

  @Test
  void aPortInUseFailsStartWithAMessageNamingIt() throws Exception {
    try (ApiFixture deis = new ApiFixture(tmp)) {
      int taken = deis.server.port();
      ApiServer second = ApiServer.builder().controller(deis.controller).port(taken).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(second::start)
          .hasMessageContaining("cannot start the Deis API on 127.0.0.1:" + taken);
    }
  }
}
