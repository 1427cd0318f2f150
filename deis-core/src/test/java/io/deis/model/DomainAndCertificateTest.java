package io.deis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Domain names by the original controller's rules, and certificates read from PEM with their keys checked. */
class DomainAndCertificateTest {

  @ParameterizedTest
  @ValueSource(strings = {"test-domain.example.com", "django.paas-sandbox", "domain", "3com.com", "w3.example.com", "MYDOMAIN.NET",
      "autotest.127.0.0.1.xip.io", "not.too.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "trailing.example.com."})
  void acceptsWhatTheOriginalAccepted(String domain) {
    assertThat(Domain.check(domain)).isEqualTo(domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain);
  }

  @ParameterizedTest
  @ValueSource(strings = {"this_is_an.invalid.domain", "this-is-an.invalid.1", "django.pass--sandbox", "domain1", "3333.com",
      "too.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "*.deis.example.com", "a..b", "", "-lead.example.com",
      "sp ace.example.com", "nul\u0000.example.com"})
  void refusesWhatTheOriginalRefused(String domain) {
    assertThatThrownBy(() -> Domain.check(domain)).isInstanceOf(InvalidInputException.class).hasMessageContaining("domain");
  }

  @Test
  void refusesOverlongAndNullNames() {
    assertThatThrownBy(() -> Domain.check("a.".repeat(200) + "com")).hasMessageContaining("255 characters or less");
    assertThatThrownBy(() -> Domain.check(null)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void readsAnRsaCertificateWithItsKeyInEitherForm() throws IOException {
    for (String key : new String[] {"rsa-key-pkcs8.pem", "rsa-key-pkcs1.pem"}) {
      Certificate cert = Certificate.parse(pem("rsa-cert.pem"), pem(key), Optional.empty(), "alice", Instant.now());
      assertThat(cert.commonName()).isEqualTo("www.example.com");
      assertThat(cert.expires()).isAfter(Instant.now().plusSeconds(86400L * 365 * 50));
      assertThat(cert.toString()).doesNotContain("PRIVATE");
    }
  }

  @Test
  void readsAnEcCertificateAndTakesAGivenCommonName() throws IOException {
    Certificate cert = Certificate.parse(pem("ec-cert.pem"), pem("ec-key.pem"), Optional.of("foo.example.com"), "alice", Instant.now());
    assertThat(cert.commonName()).isEqualTo("foo.example.com");
  }

  @Test
  void refusesAKeyOfAnotherCertificateWithoutQuotingIt() throws IOException {
    String key = pem("ec-key.pem");
    assertThatThrownBy(() -> Certificate.parse(pem("rsa-cert.pem"), key, Optional.empty(), "alice", Instant.now()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("key does not match the certificate")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(key.lines().skip(1).findFirst().orElseThrow()));
  }

  @Test
  void refusesWildcardsGarbageAndOversizedInput() throws IOException {
    assertThatThrownBy(() -> Certificate.parse(pem("rsa-cert.pem"), pem("rsa-key-pkcs8.pem"), Optional.of("*.example.com"), "a", Instant.now()))
        .hasMessageContaining("Wildcard certificates are not supported");
    assertThatThrownBy(() -> Certificate.parse("not a cert", pem("rsa-key-pkcs8.pem"), Optional.empty(), "a", Instant.now()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("certificate could not be read");
    assertThatThrownBy(() -> Certificate.parse(pem("rsa-cert.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        Optional.empty(), "a", Instant.now())).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Certificate.parse("x".repeat(Certificate.MAX_PEM_BYTES + 1), "k", Optional.empty(), "a", Instant.now()))
        .hasMessageContaining("at most");
  }

  private static String pem(String name) throws IOException {
    try (InputStream in = DomainAndCertificateTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
