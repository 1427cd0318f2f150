package io.deis.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.InvalidInputException;
import io.deis.model.AppName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS: the certificate picked by SNI per domain, the platform wildcard, and the redirect from HTTP. */
class TlsTest {
  static final AppName APP = AppName.of("shop");

  @TempDir
  static Path tmp;

  TestUpstream upstream;
  Router router;
  TestCertificates.Pair platform;

  @BeforeEach
  void start() throws Exception {
    upstream = new TestUpstream("shop-1");
    platform = TestCertificates.make(tmp, "*.local.deis", "*.local.deis");
    router = Router.builder().port(0).httpsPort(0).ioThreads(1).platformCertificate(platform.certificate(), platform.key())
        .build().start();
    router.routes().addApp(APP);
    router.routes().addUpstream(APP, upstream.endpoint());
  }

  @AfterEach
  void stop() {
    router.close();
    upstream.close();
  }

  @Test
  void eachDomainGetsItsOwnCertificateBySniAndAppsGetThePlatformOne() throws Exception {
    TestCertificates.Pair shop = TestCertificates.make(tmp, "shop.example.com", "shop.example.com", "www.shop.example.com");
    router.routes().addDomain(APP, "shop.example.com");
    assertThat(router.routes().addCertificate(shop.certificate(), shop.key())).isEqualTo("shop.example.com");

    Answer custom = get("shop.example.com");
    assertThat(custom.subject()).isEqualTo("CN=shop.example.com");
    assertThat(custom.http()).startsWith("HTTP/1.1 200 OK").endsWith("shop-1");

    Answer app = get("shop.local.deis");
    assertThat(app.subject()).isEqualTo("CN=*.local.deis");
    assertThat(app.http()).endsWith("shop-1");

    assertThat(get("www.shop.example.com").subject()).as("a DNS name of the certificate").isEqualTo("CN=shop.example.com");
    assertThat(router.routes().certificateFor("shop.example.com")).hasValue("shop.example.com");

    router.routes().removeCertificate("shop.example.com");
    assertThat(get("shop.example.com").subject()).as("back to the platform certificate").isEqualTo("CN=*.local.deis");
  }

  @Test
  void theRequestTellsTheAppItCameOverHttps() throws Exception {
    assertThat(get("shop.local.deis", "/headers").http()).contains("x-forwarded-proto: https\n",
        "x-forwarded-port: " + router.httpsPort() + "\n");
  }

  @Test
  void anAppCanRedirectHttpToHttps() throws Exception {
    router.routes().redirectToHttps(APP, true);
    try (RawHttp raw = new RawHttp(router.port())) {
      String r = raw.send("GET /cart?x=1 HTTP/1.1\r\nHost: shop.local.deis\r\nConnection: close\r\n\r\n").readToEnd();
      assertThat(r).startsWith("HTTP/1.1 301 Moved Permanently")
          .contains("location: https://shop.local.deis:" + router.httpsPort() + "/cart?x=1");
    }
    try (RawHttp raw = new RawHttp(router.port())) {
      String r = raw.send("POST /cart HTTP/1.1\r\nHost: shop.local.deis\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
          .readToEnd();
      assertThat(r).startsWith("HTTP/1.1 308 Permanent Redirect");
    }
    assertThat(get("shop.local.deis").http()).as("HTTPS itself is served").endsWith("shop-1");
    assertThat(upstream.requests.get()).isEqualTo(1);
  }

  @Test
  void withoutAPlatformCertificateAnUnknownNameFailsItsHandshakeOnly() throws Exception {
    router.close();
    router = Router.builder().port(0).httpsPort(0).ioThreads(1).build().start();
    router.routes().addApp(APP);
    router.routes().addUpstream(APP, upstream.endpoint());
    assertThatThrownBy(() -> get("shop.local.deis")).isInstanceOf(IOException.class);
    TestCertificates.Pair shop = TestCertificates.make(tmp, "shop.local.deis", "shop.local.deis");
    router.routes().addCertificate(shop.certificate(), shop.key());
    assertThat(get("shop.local.deis").http()).endsWith("shop-1");
  }

  @Test
  void badCertificatesAreRefusedWithoutQuotingTheKey() throws Exception {
    TestCertificates.Pair a = TestCertificates.make(tmp, "a.example.com", "a.example.com");
    TestCertificates.Pair b = TestCertificates.make(tmp, "b.example.com", "b.example.com");
    assertThatThrownBy(() -> router.routes().addCertificate("not a certificate", a.key()))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("certificate is not a PEM X.509 certificate");
    assertThatThrownBy(() -> router.routes().addCertificate(a.certificate(), "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"))
        .isInstanceOf(InvalidInputException.class).hasMessageNotContaining("c2VjcmV0");
    assertThatThrownBy(() -> router.routes().addCertificate(a.certificate(), b.key()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("key does not match the certificate for a.example.com: give its private key");
    assertThatThrownBy(() -> router.routes().addCertificate(null, a.key())).isInstanceOf(InvalidInputException.class);
  }

  record Answer(String subject, String http) {}

  Answer get(String serverName) throws Exception {
    return get(serverName, "/");
  }

  Answer get(String serverName, String path) throws Exception {
    return get(router.httpsPort(), serverName, path);
  }

  /** A JSSE client that sends {@code serverName} by SNI and as the Host, trusting whatever the router shows (the test checks it). */
  static Answer get(int httpsPort, String serverName, String path) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new TrustEverything()}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", httpsPort)) {
      socket.setSoTimeout(10_000);
      SSLParameters params = socket.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(serverName)));
      socket.setSSLParameters(params);
      socket.startHandshake();
      X509Certificate cert = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + serverName + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      String http = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return new Answer(cert.getSubjectX500Principal().getName(), http);
    } catch (SSLHandshakeException e) {
      throw e;
    }
  }

  static final class TrustEverything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
