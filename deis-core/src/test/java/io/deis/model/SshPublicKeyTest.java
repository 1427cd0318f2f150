package io.deis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.InvalidInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Fingerprints are checked against what {@code ssh-keygen -l} (and {@code -E md5}) printed for the same keys. */
class SshPublicKeyTest {
  static final String RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDH4dPEhDUkL65a4ERze1zGmp3GA2pIhmqkLxKS6JO01JqBfVJea/XqsHTVmYjXZnglhUuu3F5fymrOHUqncnrIf9ZYOZihqxNpDwXFCuRSZXQ8BvmlI16Sw+D9Lx1IRXcf7pTNXBvsiAn9DDFuQ6uBpvvp5sFJQqdAZDfjRcNYy2nmbXBEfJjdZwKyft1nqf/w+FH5knk5fvk0WP2tuISDuroacKu42hoNrv8tdhMWsVlas+41uwv5JuNoDNoITOu8WpKWgzafwTswsCtznCYvL9xEKtdctncxd2Rf2e1fIW25rlWsgW/z1EsGv8LmDMo+Qklj9+pvB5xrw+VO92x3QJ9h/dxbYf3gBcVy173ldsFb6pOhZhy6R21Qnl0viDU4aS9qxOGR/rGvzaMtUB9zie+xBrTbzCi9pBIRPav5FWRVcZ873qSICGVcXICekH9AY7qPf06rvg5Ydjm37dH5OXizC0ADeqjNc61E8Mkc7eaFZPYMNH3hHmUFZ6+rby8= test-rsa@deis";
  static final String ECDSA = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDk2ArC12P4EerVNIrS4Mrz7NZbAQikUC3osBvjR/GzDt0dq+1OFiKwJLiRLKVgDg5cDPucr1nBGN5qtUzYWPWs= test-ecdsa@deis";
  static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK test-ed25519@deis";

  @ParameterizedTest
  @CsvSource({
      "rsa, SHA256:wF4ogkPB0TfNShgs00cKYW+PgSxIWRgTHsmGHYPhpLY, e0:26:79:d7:89:ca:0e:d2:5b:0d:0f:ad:02:12:c5:88, test-rsa@deis",
      "ecdsa, SHA256:MZ7Qguuch+BuCAyS/UBhOzyrCcw73rYxjhHD75/W9qI, 90:0c:6d:f3:5c:9d:81:43:d3:c5:c8:d0:48:15:f8:a2, test-ecdsa@deis",
      "ed25519, SHA256:P1JI1ruT1CKgfrZbEhVaHPLOotxiMKdaIuNcg6TuEgI, 46:7b:20:54:f9:58:23:8d:98:8f:9c:70:15:69:f8:fe, test-ed25519@deis"})
  void fingerprintsMatchOpenSsh(String kind, String sha256, String md5, String comment) {
    String text = switch (kind) {
      case "rsa" -> RSA;
      case "ecdsa" -> ECDSA;
      default -> ED25519;
    };
    SshPublicKey key = SshPublicKey.parse(text);
    assertThat(key.fingerprintSha256()).isEqualTo(sha256);
    assertThat(key.fingerprintMd5()).isEqualTo(md5);
    assertThat(key.comment()).isEqualTo(comment);
    assertThat(SshPublicKey.parse(key.toOpenSsh())).isEqualTo(key);
  }

  @Test
  void malformedKeysAreRejectedWithAReason() {
    assertThatThrownBy(() -> SshPublicKey.parse("ssh-rsa foo_bar")).isInstanceOf(InvalidInputException.class).hasMessageContaining("base64");
    assertThatThrownBy(() -> SshPublicKey.parse("ssh-dss AAAA")).hasMessageContaining("'ssh-dss' is not supported");
    assertThatThrownBy(() -> SshPublicKey.parse("ssh-rsa")).hasMessageContaining("no key data");
    assertThatThrownBy(() -> SshPublicKey.parse("")).hasMessageContaining("empty");
    // An ed25519 blob declared as rsa: the type inside the blob gives it away.
    String mislabelled = "ssh-rsa " + ED25519.split(" ")[1];
    assertThatThrownBy(() -> SshPublicKey.parse(mislabelled)).hasMessageContaining("not a ssh-rsa key").hasMessageContaining("ssh-ed25519");
  }
}
