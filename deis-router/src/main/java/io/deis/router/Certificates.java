package io.deis.router;

import io.deis.error.InvalidInputException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.Mapping;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS certificates a router serves, by host name, for SNI: exact names first, then a
 * wildcard one level up ({@code *.example.com} serves {@code www.example.com}), then the platform
 * certificate when the client sent no name that matches. Only the certificate's names are
 * logged, never its key.
 */
final class Certificates implements Mapping<String, SslContext> {
  private static final Logger log = LoggerFactory.getLogger(Certificates.class);
  private static final int SUBJECT_ALT_NAME_DNS = 2;

  /** One certificate with its key, ready to serve. */
  record Served(String commonName, Set<String> names, SslContext context) {}

  private final Map<String, Served> byName = new ConcurrentHashMap<>();
  private volatile Served platform;

  /** Parses and indexes a certificate; returns its common name. */
  synchronized String add(String certificatePem, String keyPem) {
    return add(null, certificatePem, keyPem);
  }

  /** As {@link #add(String, String)}, served also for {@code name} (a certificate the controller keeps under a name of its own). */
  synchronized String add(String name, String certificatePem, String keyPem) {
    Served parsed = parse(certificatePem, keyPem);
    Served served = name == null ? parsed : renamed(parsed, name.toLowerCase(Locale.ROOT));
    remove(served.commonName);
    served.names.forEach(n -> byName.put(n, served));
    log.info("serving TLS for {}", served.names);
    return served.commonName;
  }

  private static Served renamed(Served s, String name) {
    Set<String> names = new LinkedHashSet<>(s.names);
    names.add(name);
    return new Served(name, names, s.context);
  }

  /** The platform's certificate: the one for hosts no other certificate names. */
  synchronized void platform(String certificatePem, String keyPem) {
    platform = parse(certificatePem, keyPem);
    log.info("serving TLS for {} by default (the platform certificate)", platform.names);
  }

  synchronized void remove(String commonName) {
    if (commonName == null) {
      throw new InvalidInputException("common name is null: give the common name of a certificate");
    }
    String cn = commonName.toLowerCase(Locale.ROOT);
    byName.values().removeIf(s -> s.commonName.equals(cn));
  }

  boolean isEmpty() {
    return byName.isEmpty() && platform == null;
  }

  Optional<String> commonNameFor(String host) {
    Served s = find(host);
    return s == null ? Optional.empty() : Optional.of(s.commonName);
  }

  /** SNI lookup: called by Netty with the client's server name (null when it sent none). */
  @Override
  public SslContext map(String host) {
    Served s = find(host);
    if (s == null) {
      // Netty turns this into a failed handshake for that one connection.
      throw new IllegalArgumentException("no certificate for '" + host + "'");
    }
    return s.context;
  }

  private Served find(String host) {
    if (host != null) {
      String h = host.toLowerCase(Locale.ROOT);
      Served exact = byName.get(h);
      if (exact != null) {
        return exact;
      }
      int dot = h.indexOf('.');
      if (dot > 0) {
        Served wildcard = byName.get("*" + h.substring(dot));
        if (wildcard != null) {
          return wildcard;
        }
      }
    }
    return platform;
  }

  static Served parse(String certificatePem, String keyPem) {
    if (certificatePem == null || certificatePem.isBlank()) {
      throw new InvalidInputException("certificate is empty: give a PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    if (certificatePem.length() > io.deis.model.Certificate.MAX_PEM_BYTES) {
      throw new InvalidInputException("certificate is " + certificatePem.length() + " characters long: at most "
          + io.deis.model.Certificate.MAX_PEM_BYTES + " are accepted");
    }
    List<X509Certificate> chain = new ArrayList<>();
    try {
      for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)))) {
        chain.add((X509Certificate) c);
      }
      if (chain.isEmpty()) {
        throw new CertificateException("no certificate in it");
      }
    } catch (CertificateException | RuntimeException e) {
      throw new InvalidInputException("certificate is not a PEM X.509 certificate (-----BEGIN CERTIFICATE-----): "
          + e.getMessage());
    }
    X509Certificate leaf = chain.get(0);
    Set<String> names = names(leaf);
    String commonName = commonName(leaf).orElseGet(() -> names.isEmpty() ? "" : names.iterator().next());
    if (commonName.isEmpty()) {
      throw new InvalidInputException("certificate names no host: it has neither a subject CN nor a DNS subject alternative name");
    }
    PrivateKey key = io.deis.model.Certificate.readPrivateKey(keyPem);
    String keyProblem = "key does not match the certificate for " + commonName + ": give its private key";
    if (!io.deis.model.Certificate.matches(leaf, key)) {
      throw new InvalidInputException(keyProblem);
    }
    SslContext context;
    try {
      context = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0])).build();
    } catch (Exception e) {
      throw new InvalidInputException(keyProblem);
    }
    return new Served(commonName, names, context);
  }

  private static Optional<String> commonName(X509Certificate cert) {
    try {
      List<Rdn> rdns = new ArrayList<>(new LdapName(cert.getSubjectX500Principal().getName()).getRdns());
      for (Rdn rdn : rdns) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return Optional.of(rdn.getValue().toString().toLowerCase(Locale.ROOT));
        }
      }
    } catch (InvalidNameException e) {
      log.debug("unreadable subject {}", cert.getSubjectX500Principal());
    }
    return Optional.empty();
  }

  private static Set<String> names(X509Certificate cert) {
    Set<String> names = new LinkedHashSet<>();
    commonName(cert).ifPresent(names::add);
    try {
      Collection<List<?>> alternatives = cert.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> alt : alternatives) {
          if (alt.size() == 2 && Integer.valueOf(SUBJECT_ALT_NAME_DNS).equals(alt.get(0))) {
            names.add(alt.get(1).toString().toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException e) {
      log.debug("unreadable subject alternative names in the certificate of {}", cert.getSubjectX500Principal());
    }
    return names;
  }
}
