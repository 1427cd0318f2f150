package io.deis.server.api;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real certificates for tests: made by the JDK's keytool, exported as PEM text. */
final class TestCertificates {
  private TestCertificates() {}

  /** A self-signed certificate for {@code commonName}: {@code [certificate PEM, PKCS#8 private key PEM]}. */
  static String[] selfSigned(Path dir, String commonName) throws Exception {
    Path store = Files.createTempFile(Files.createDirectories(dir), "cert-", ".p12");
    Files.delete(store);
    Process keytool = new ProcessBuilder(List.of("keytool", "-genkeypair", "-alias", "cert", "-keyalg", "RSA", "-keysize", "2048",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-dname", "CN=" + commonName, "-validity", "30"))
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes());
    if (!keytool.waitFor(2, TimeUnit.MINUTES) || keytool.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes());
    String cert = "-----BEGIN CERTIFICATE-----\n" + mime.encodeToString(ks.getCertificate("cert").getEncoded()) + "\n-----END CERTIFICATE-----\n";
    String key = "-----BEGIN PRIVATE KEY-----\n" + mime.encodeToString(ks.getKey("cert", "changeit".toCharArray()).getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    return new String[] {cert, key};
  }
}
