package io.deis.store.jdbc;

import io.deis.error.ConflictException;
import io.deis.model.AppName;
import io.deis.model.Certificate;
import io.deis.model.Domain;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Apps' custom domains, and certificates with their private keys kept in a table of their own. */
final class DomainRows {
  private static final String DOMAIN_COLUMNS = "app, domain, owner, created";
  private static final String CERTIFICATE_COLUMNS = "common_name, owner, created, expires, certificate_pem";

  private final Database db;

  DomainRows(Database db) {
    this.db = db;
  }

  // ---------------------------------------------------------------- domains

  void add(Domain domain) {
    Text.check("domain owner", domain.owner());
    db.transaction("add domain '" + domain.domain() + "' to '" + domain.app() + "'", c -> {
      if (Sql.queryOne(c, "SELECT 1 FROM apps WHERE name = ?", rows -> 1, domain.app().value()).isEmpty()) {
        throw AppRows.missing(domain.app());
      }
      Optional<AppName> taken = holder(c, domain.key());
      if (taken.isPresent()) {
        throw inUse(domain, taken.get());
      }
      try {
        Sql.update(c, "INSERT INTO domains (domain_key, app, domain, owner, created) VALUES (?, ?, ?, ?, ?)",
            domain.key(), domain.app().value(), domain.domain(), domain.owner(), Database.timestamp(domain.created()));
      } catch (SQLException e) {
        if (Database.foreignKeyViolation(e)) {
          throw AppRows.missing(domain.app());
        }
        if (Database.uniqueViolation(e)) {
          throw new ConflictException("The domain " + domain.domain() + " is already in use"); // a concurrent add won
        }
        throw e;
      }
      return null;
    });
  }

  List<Domain> domains(AppName app) {
    return db.read("list the domains of '" + app + "'", c ->
        Sql.query(c, "SELECT " + DOMAIN_COLUMNS + " FROM domains WHERE app = ? ORDER BY seq", DomainRows::domain, app.value()));
  }

  List<Domain> domains() {
    return db.read("list domains", c -> Sql.query(c, "SELECT " + DOMAIN_COLUMNS + " FROM domains ORDER BY seq", DomainRows::domain));
  }

  boolean remove(AppName app, String domain) {
    return db.read("remove domain '" + domain + "' from '" + app + "'", c -> Sql.update(c,
        "DELETE FROM domains WHERE domain_key = ? AND app = ?", domain.toLowerCase(Locale.ROOT), app.value())) > 0;
  }

  private static Optional<AppName> holder(Connection c, String key) throws SQLException {
    return Sql.queryOne(c, "SELECT app FROM domains WHERE domain_key = ?", rows -> AppName.of(rows.getString(1)), key);
  }

  private static ConflictException inUse(Domain domain, AppName holder) {
    return new ConflictException("The domain " + domain.domain() + " is already in use by "
        + (holder.equals(domain.app()) ? "this app" : "another app"));
  }

  private static Domain domain(ResultSet rows) throws SQLException {
    return new Domain(AppName.of(rows.getString("app")), rows.getString("domain"), rows.getString("owner"), Database.instant(rows, "created"));
  }

  // ---------------------------------------------------------------- certificates

  /** The certificate and, in its own table, its private key: one transaction. */
  void addCertificate(Certificate certificate, String privateKeyPem) {
    Text.check("certificate owner", certificate.owner());
    Text.check("certificate", certificate.certificatePem());
    Text.check("private key", privateKeyPem);
    db.transaction("add the certificate for '" + certificate.commonName() + "'", c -> {
      if (Sql.queryOne(c, "SELECT 1 FROM certificates WHERE common_name_key = ?", rows -> 1, certificate.key()).isPresent()) {
        throw exists(certificate);
      }
      try {
        Sql.update(c, "INSERT INTO certificates (common_name_key, " + CERTIFICATE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)",
            certificate.key(), certificate.commonName(), certificate.owner(), Database.timestamp(certificate.created()),
            Database.timestamp(certificate.expires()), certificate.certificatePem());
        Sql.update(c, "INSERT INTO certificate_keys (common_name_key, private_key_pem) VALUES (?, ?)", certificate.key(), privateKeyPem);
      } catch (SQLException e) {
        if (Database.uniqueViolation(e)) {
          throw exists(certificate);
        }
        throw e;
      }
      return null;
    });
  }

  List<Certificate> certificates() {
    return db.read("list certificates", c ->
        Sql.query(c, "SELECT " + CERTIFICATE_COLUMNS + " FROM certificates", DomainRows::certificate)).stream()
        .sorted(Comparator.comparing(Certificate::key)).toList();
  }

  Optional<Certificate> certificate(String commonName) {
    return db.read("read the certificate for '" + commonName + "'", c -> Sql.queryOne(c,
        "SELECT " + CERTIFICATE_COLUMNS + " FROM certificates WHERE common_name_key = ?", DomainRows::certificate,
        commonName.toLowerCase(Locale.ROOT)));
  }

  Optional<String> certificateKey(String commonName) {
    return db.read("read the private key for '" + commonName + "'", c -> Sql.queryOne(c,
        "SELECT private_key_pem FROM certificate_keys WHERE common_name_key = ?", rows -> rows.getString(1),
        commonName.toLowerCase(Locale.ROOT)));
  }

  boolean removeCertificate(String commonName) {
    // The key's row goes with the certificate's (ON DELETE CASCADE).
    return db.read("remove the certificate for '" + commonName + "'", c -> Sql.update(c,
        "DELETE FROM certificates WHERE common_name_key = ?", commonName.toLowerCase(Locale.ROOT))) > 0;
  }

  private static Certificate certificate(ResultSet rows) throws SQLException {
    return new Certificate(rows.getString("common_name"), rows.getString("owner"), Database.instant(rows, "created"),
        Database.instant(rows, "expires"), rows.getString("certificate_pem"));
  }

  private static ConflictException exists(Certificate certificate) {
    return new ConflictException("a certificate for " + certificate.commonName() + " exists already: remove it first");
  }
}
