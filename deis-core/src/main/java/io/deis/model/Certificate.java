package io.deis.model;

import io.deis.error.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A TLS certificate for a domain ({@code deis certs:add}): the router serves it for its common name
 * (SNI). This value holds only what anyone may see; the private key is kept apart, by the store,
 * and never leaves the controller through a {@code Session}.
 *
 * @param commonName the host name it serves, from the certificate's subject unless the user named one
 * @param certificatePem the certificate (chain) in PEM form, as given
 */
public record Certificate(String commonName, String owner, Instant created, Instant expires, String certificatePem) {
  /** The largest PEM text accepted for a certificate chain or a key. */
  public static final int MAX_PEM_BYTES = 64 * 1024;
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

  public Certificate {
    Objects.requireNonNull(commonName, "commonName");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(expires, "expires");
    Objects.requireNonNull(certificatePem, "certificatePem");
  }

  /** The common name in lowercase, as certificates are looked up. */
  public String key() {
    return commonName.toLowerCase(Locale.ROOT);
  }

  /**
   * Reads a PEM certificate and its private key, checks that they belong together, and returns the
   * certificate's public part.
   *
   * @param commonName the name to serve it for; empty takes the certificate subject's CN
   * @throws InvalidInputException for text that is not a certificate or a key, a key that does not
   *     match, a wildcard name, or a name that is not a valid domain. The message never quotes the key.
   */
  public static Certificate parse(String certificatePem, String privateKeyPem, Optional<String> commonName, String owner,
      Instant now) {
    X509Certificate cert = readCertificate(certificatePem);
    PrivateKey key = readPrivateKey(privateKeyPem);
    if (!matches(cert, key)) {
      throw new InvalidInputException("key does not match the certificate: give the private key of "
          + cert.getSubjectX500Principal().getName());
    }
    String name = commonName.filter(n -> !n.isBlank()).orElseGet(() -> subjectCommonName(cert));
    if (name.startsWith("*")) {
      throw new InvalidInputException("common_name '" + name + "': Wildcard certificates are not supported");
    }
    Domain.check(name);
    return new Certificate(name, owner, now, cert.getNotAfter().toInstant(), certificatePem.strip());
  }

  /** The private key of a PEM text, PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}). */
  public static PrivateKey readPrivateKey(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new InvalidInputException("key is empty: give the certificate's private key in PEM form");
    }
    if (pem.length() > MAX_PEM_BYTES) {
      throw new InvalidInputException("key is " + pem.length() + " characters long: at most " + MAX_PEM_BYTES + " are accepted");
    }
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new InvalidInputException("key is not in PEM form: expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("key is not valid base64 inside its PEM armour");
    }
    String kind = m.group(1);
    byte[] pkcs8 = switch (kind) {
      case "PRIVATE KEY" -> der;
      case "RSA PRIVATE KEY" -> rsaPkcs1ToPkcs8(der);
      default -> throw new InvalidInputException("key of kind '" + kind + "' is not supported: give a PKCS#8 key (BEGIN PRIVATE KEY)"
          + " or an RSA key (BEGIN RSA PRIVATE KEY); 'openssl pkcs8 -topk8 -nocrypt' converts others");
    };
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new InvalidInputException("key could not be read as an RSA, EC or EdDSA private key");
  }

  /** The first certificate of a PEM text (a chain may follow it). */
  public static X509Certificate readCertificate(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new InvalidInputException("certificate is empty: give it in PEM form (-----BEGIN CERTIFICATE-----)");
    }
    if (pem.length() > MAX_PEM_BYTES) {
      throw new InvalidInputException("certificate is " + pem.length() + " characters long: at most " + MAX_PEM_BYTES + " are accepted");
    }
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.strip().getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException | ClassCastException e) {
      throw new InvalidInputException("certificate could not be read: give an X.509 certificate in PEM form (-----BEGIN CERTIFICATE-----)");
    }
  }

  /** Whether {@code key} is the private key of {@code cert}: it signs a random challenge that the certificate's public key verifies. */
  public static boolean matches(X509Certificate cert, PrivateKey key) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448
    };
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String subjectCommonName(X509Certificate cert) {
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      // fall through to the error below
    }
    throw new InvalidInputException("certificate subject has no common name (CN): give common_name");
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, which the JDK reads. */
  private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octets = concat(derHeader(0x04, pkcs1.length), pkcs1);
    byte[] body = concat(concat(version, algorithm), octets);
    return concat(derHeader(0x30, body.length), body);
  }

  private static byte[] derHeader(int tag, int length) {
    if (length < 0x80) {
      return new byte[] {(byte) tag, (byte) length};
    }
    int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
    byte[] header = new byte[2 + bytes];
    header[0] = (byte) tag;
    header[1] = (byte) (0x80 | bytes);
    for (int i = 0; i < bytes; i++) {
      header[2 + i] = (byte) (length >>> (8 * (bytes - 1 - i)));
    }
    return header;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public String toString() {
    return "certificate " + commonName + " (expires " + expires + ")";
  }
}
