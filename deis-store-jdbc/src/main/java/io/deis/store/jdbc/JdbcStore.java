package io.deis.store.jdbc;

import io.deis.error.InvalidInputException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Certificate;
import io.deis.model.Domain;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.User;
import io.deis.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable {@link Store}: the controller's state in a database, every write committed before
 * the call returns. Two databases:
 * <ul>
 *   <li>{@link #h2(Path)}: an H2 file under the controller's data directory, nothing to install;
 *       one process opens it (H2 locks the file), so one controller serves it.
 *   <li>{@link #postgres(String, String, String)}: PostgreSQL, which any number of controller
 *       processes may share; app locks are PostgreSQL advisory locks and the reconciler lease is a
 *       row judged on the database's clock, so they hold across processes.
 * </ul>
 * The schema is created and upgraded with Flyway's versioned scripts when the store opens.
 *
 * <pre>{@code
 * try (JdbcStore store = JdbcStore.h2(dataDirectory);
 *      Controller deis = Controller.builder().store(store).dataDirectory(dataDirectory).build()) {
 *   ...
 * }
 * }</pre>
 *
 * Close the store after the controllers that use it.
 */
public final class JdbcStore implements Store, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);
  private static final int MAX_HOLDER_LENGTH = 200;

  private final String description;
  private final Database db;
  private final Database lockPool; // PostgreSQL only
  private final AppLocks locks;
  private final TokenHolders tokenHolders; // PostgreSQL only
  private final Installation installation;
  private final InstallationRows installationRows;
  private final UserRows users;
  private final AppRows apps;
  private final DomainRows domains;

  private JdbcStore(Builder b) {
    Dialect dialect = Dialect.of(b.jdbcUrl);
    this.description = dialect == Dialect.H2 ? "H2 file " + b.h2File + ".mv.db" : "PostgreSQL " + Database.redact(b.jdbcUrl);
    this.db = new Database(dialect, b.jdbcUrl, b.user, b.password, "deis-store", b.maximumPoolSize, b.connectionTimeout, null);
    Database lockConnections = null;
    try {
      db.migrate();
      if (dialect == Dialect.POSTGRESQL) {
        lockConnections = new Database(dialect, b.jdbcUrl, b.user, b.password, "deis-store-locks", b.maxHeldAppLocks,
            b.connectionTimeout, "SET lock_timeout = '" + b.lockWaitTimeout.toMillis() + "ms'");
        this.locks = AppLocks.advisory(lockConnections, b.maxHeldAppLocks, b.lockWaitTimeout);
      } else {
        this.locks = AppLocks.inProcess(b.h2File, b.lockWaitTimeout);
      }
      this.installationRows = new InstallationRows(db);
      this.installation = installationRows.installation();
    } catch (RuntimeException e) {
      if (lockConnections != null) {
        lockConnections.close();
      }
      db.close();
      throw e;
    }
    this.lockPool = lockConnections;
    this.tokenHolders = dialect == Dialect.POSTGRESQL ? new TokenHolders(b.jdbcUrl, b.user, b.password) : null;
    this.users = new UserRows(db, tokenHolders == null ? () -> { } : tokenHolders::forgetAll);
    this.apps = new AppRows(db, locks::heldEpoch);
    this.domains = new DomainRows(db);
    log.info("store: {} (installation {})", description, installation);
  }

  /** The embedded default: an H2 file at {@code dataDirectory/store/deis.mv.db}, made on first use. */
  public static JdbcStore h2(Path dataDirectory) {
    return builder().h2(dataDirectory).build();
  }

  /** A PostgreSQL database, by JDBC URL ({@code jdbc:postgresql://host:5432/deis}); its schema is made on first use. */
  public static JdbcStore postgres(String jdbcUrl, String user, String password) {
    return builder().postgres(jdbcUrl, user, password).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The pool every call of this store uses: for this module's benchmark, which measures the database's own rate on it. */
  Database database() {
    return db;
  }

  /** Which database this store keeps its state in, for banners and logs (never a password). */
  @Override
  public String toString() {
    return description;
  }

  /** Closes the connection pools; app locks still held are released with their connections. */
  @Override
  public void close() {
    if (tokenHolders != null) {
      tokenHolders.close();
    }
    locks.close();
    if (lockPool != null) {
      lockPool.close();
    }
    db.close();
  }

  // ---------------------------------------------------------------- installation, locks, lease

  @Override
  public Installation installation() {
    return installation;
  }

  @Override
  public AppLock lock(AppName app) {
    return locks.lock(given(app, "app"));
  }

  @Override
  public Optional<AppLock> tryLock(AppName app) {
    return locks.tryLock(given(app, "app"));
  }

  @Override
  public boolean holdLease(String holder, Duration ttl) {
    Text.checkKey("lease holder", holder, MAX_HOLDER_LENGTH);
    if (given(ttl, "lease ttl").isNegative() || ttl.isZero()) {
      throw new InvalidInputException("lease ttl " + ttl + " must be more than zero");
    }
    return installationRows.hold(holder, ttl);
  }

  @Override
  public void releaseLease(String holder) {
    installationRows.release(given(holder, "lease holder"));
  }

  // ---------------------------------------------------------------- users, tokens and keys

  @Override
  public User createUser(User user, String passwordHash) {
    return users.create(given(user, "user"), passwordHash);
  }

  @Override
  public Optional<User> user(String username) {
    return users.user(given(username, "username"));
  }

  @Override
  public List<User> users() {
    return users.users();
  }

  @Override
  public void updateUser(User user) {
    users.update(given(user, "user"));
  }

  @Override
  public Optional<String> passwordHash(String username) {
    return users.passwordHash(given(username, "username"));
  }

  @Override
  public void setPasswordHash(String username, String passwordHash) {
    users.setPasswordHash(given(username, "username"), passwordHash);
  }

  @Override
  public void deleteUser(String username) {
    users.delete(given(username, "username"));
  }

  @Override
  public void addToken(String tokenHash, String username) {
    users.addToken(tokenHash, given(username, "username"));
  }

  @Override
  public Optional<User> tokenHolder(String tokenHash) {
    given(tokenHash, "token hash");
    return tokenHolders == null ? users.tokenHolder(tokenHash) : tokenHolders.holder(tokenHash, () -> users.tokenHolder(tokenHash));
  }

  @Override
  public Optional<String> userForToken(String tokenHash) {
    return users.userForToken(given(tokenHash, "token hash"));
  }

  @Override
  public void removeTokens(String username) {
    users.removeTokens(given(username, "username"));
  }

  @Override
  public void removeToken(String tokenHash) {
    users.removeToken(given(tokenHash, "token hash"));
  }

  @Override
  public void addKey(Key key) {
    users.addKey(given(key, "key"));
  }

  @Override
  public List<Key> keys(String owner) {
    return users.keys(given(owner, "owner"));
  }

  @Override
  public Optional<Key> keyByFingerprint(String sha256Fingerprint) {
    return users.keyByFingerprint(given(sha256Fingerprint, "fingerprint"));
  }

  @Override
  public boolean removeKey(String owner, String id) {
    return users.removeKey(given(owner, "owner"), given(id, "key id"));
  }

  // ---------------------------------------------------------------- apps and releases

  @Override
  public void createApp(App app, Release first) {
    apps.create(given(app, "app"), given(first, "first release"));
  }

  @Override
  public Optional<App> app(AppName name) {
    return apps.app(given(name, "app"));
  }

  @Override
  public List<App> apps() {
    return apps.apps();
  }

  @Override
  public void updateApp(App app) {
    apps.update(given(app, "app"));
  }

  @Override
  public void deleteApp(AppName name) {
    apps.delete(given(name, "app"));
  }

  @Override
  public Release appendRelease(AppName app, IntFunction<Release> make) {
    return apps.append(given(app, "app"), given(make, "release maker"));
  }

  @Override
  public void updateRelease(Release release) {
    apps.updateRelease(given(release, "release"));
  }

  @Override
  public void recordOutcome(Release release, Optional<Formation> structure) {
    apps.recordOutcome(given(release, "release"), given(structure, "structure"));
  }

  @Override
  public List<Release> releases(AppName app) {
    return apps.releases(given(app, "app"));
  }

  @Override
  public Optional<Release> release(AppName app, int version) {
    return apps.release(given(app, "app"), version);
  }

  @Override
  public Optional<Release> latestRelease(AppName app, Release.Status status) {
    return apps.latest(given(app, "app"), given(status, "status"));
  }

  @Override
  public List<Release> releases(AppName app, Release.Status status) {
    return apps.releases(given(app, "app"), given(status, "status"));
  }

  @Override
  public void grant(AppName app, String username) {
    apps.grant(given(app, "app"), given(username, "username"));
  }

  @Override
  public void revoke(AppName app, String username) {
    apps.revoke(given(app, "app"), given(username, "username"));
  }

  @Override
  public Set<String> collaborators(AppName app) {
    return apps.collaborators(given(app, "app"));
  }

  // ---------------------------------------------------------------- domains and certificates

  @Override
  public void addDomain(Domain domain) {
    domains.add(given(domain, "domain"));
  }

  @Override
  public List<Domain> domains(AppName app) {
    return domains.domains(given(app, "app"));
  }

  @Override
  public List<Domain> domains() {
    return domains.domains();
  }

  @Override
  public boolean removeDomain(AppName app, String domain) {
    return domains.remove(given(app, "app"), given(domain, "domain"));
  }

  @Override
  public void addCertificate(Certificate certificate, String privateKeyPem) {
    Text.checkKey("certificate common name", given(certificate, "certificate").commonName(), Domain.MAX_LENGTH);
    domains.addCertificate(certificate, privateKeyPem);
  }

  @Override
  public List<Certificate> certificates() {
    return domains.certificates();
  }

  @Override
  public Optional<Certificate> certificate(String commonName) {
    return domains.certificate(given(commonName, "common name"));
  }

  @Override
  public Optional<String> certificateKey(String commonName) {
    return domains.certificateKey(given(commonName, "common name"));
  }

  @Override
  public boolean removeCertificate(String commonName) {
    return domains.removeCertificate(given(commonName, "common name"));
  }

  private static <T> T given(T value, String what) {
    if (value == null) {
      throw new InvalidInputException(what + " is missing (null)");
    }
    return value;
  }

  /**
   * Configures a {@link JdbcStore}: which database ({@link #h2} or {@link #postgres}, one of them
   * required) and the bounds of its pools and waits, each with a default.
   */
  public static final class Builder {
    private String jdbcUrl;
    private String h2File;
    private String user;
    private String password;
    private int maximumPoolSize = 10;
    private int maxHeldAppLocks = 32;
    private Duration connectionTimeout = Duration.ofSeconds(30);
    private Duration lockWaitTimeout = Duration.ofMinutes(15);

    private Builder() {}

    /** An H2 file at {@code dataDirectory/store/deis.mv.db} (the directory is made when missing). */
    public Builder h2(Path dataDirectory) {
      Path directory = given(dataDirectory, "data directory").toAbsolutePath().normalize().resolve("store");
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the store's directory " + directory, e);
      }
      this.h2File = directory.resolve("deis").toString();
      // WRITE_DELAY=0: H2 writes every commit to the file before the commit returns (its default
      // waits up to half a second, and a process killed in between would lose acknowledged writes).
      // DB_CLOSE_ON_EXIT=FALSE: the store closes the database, not H2's own shutdown hook racing it.
      // QUERY_CACHE_SIZE: each connection keeps every statement of the store parsed (H2's default, 8, is fewer).
      this.jdbcUrl = "jdbc:h2:file:" + h2File + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE;QUERY_CACHE_SIZE=64";
      this.user = "sa";
      this.password = "";
      return this;
    }

    /** A PostgreSQL database by JDBC URL ({@code jdbc:postgresql://host[:port]/database}), user and password. */
    public Builder postgres(String jdbcUrl, String user, String password) {
      given(jdbcUrl, "JDBC URL");
      if (Dialect.of(jdbcUrl) != Dialect.POSTGRESQL) {
        throw new InvalidInputException("JDBC URL '" + Database.redact(jdbcUrl)
            + "' is not a PostgreSQL URL: use jdbc:postgresql://HOST[:PORT]/DATABASE, or h2(dataDirectory)");
      }
      this.jdbcUrl = jdbcUrl;
      this.h2File = null;
      this.user = user;
      this.password = password;
      return this;
    }

    /** Connections for reads and writes. Default 10; 1 to 200. */
    public Builder maximumPoolSize(int size) {
      this.maximumPoolSize = Bounds.between("maximumPoolSize", size, 1, 200);
      return this;
    }

    /**
     * PostgreSQL only: how many apps this process may hold locked at once, each on a connection of
     * its own for as long as it is held. Default 32; 1 to 1000.
     */
    public Builder maxHeldAppLocks(int count) {
      this.maxHeldAppLocks = Bounds.between("maxHeldAppLocks", count, 1, 1000);
      return this;
    }

    /** How long a call waits for a connection (and for the database to answer when the store opens). Default 30 s; 250 ms to 10 minutes. */
    public Builder connectionTimeout(Duration timeout) {
      this.connectionTimeout = Bounds.between("connectionTimeout", timeout, Duration.ofMillis(250), Duration.ofMinutes(10));
      return this;
    }

    /** How long {@link Store#lock} waits for an app busy with another operation. Default 15 minutes; 1 s to 24 hours. */
    public Builder lockWaitTimeout(Duration timeout) {
      this.lockWaitTimeout = Bounds.between("lockWaitTimeout", timeout, Duration.ofSeconds(1), Duration.ofHours(24));
      return this;
    }

    /**
     * Opens the store: connects, applies the schema scripts the database lacks, and reads (or on
     * first use makes) the installation id.
     *
     * @throws io.deis.error.StoreException when the database cannot be reached or migrated
     */
    public JdbcStore build() {
      if (jdbcUrl == null) {
        throw new InvalidInputException("no database chosen: call h2(dataDirectory) or postgres(jdbcUrl, user, password)");
      }
      return new JdbcStore(this);
    }
  }
}
