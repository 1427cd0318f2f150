package io.deis.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Self-signed certificates made by the real {@code openssl} command, as an operator would make them. */
final class TestCertificates {
  /** PEM certificate and PEM PKCS#8 key. */
  record Pair(String certificate, String key) {}

  private TestCertificates() {}

  static Pair make(Path dir, String commonName, String... dnsNames) throws IOException, InterruptedException {
    Path cert = Files.createTempFile(dir, "cert", ".pem");
    Path key = Files.createTempFile(dir, "key", ".pem");
    StringBuilder san = new StringBuilder("subjectAltName=");
    for (int i = 0; i < dnsNames.length; i++) {
      san.append(i == 0 ? "" : ",").append("DNS:").append(dnsNames[i]);
    }
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-days", "2", "-subj", "/CN=" + commonName, "-addext", san.toString(),
        "-keyout", key.toString(), "-out", cert.toString())).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl failed: " + output);
    }
    return new Pair(Files.readString(cert), Files.readString(key));
  }
}
