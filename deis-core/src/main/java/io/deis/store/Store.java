package io.deis.store;

import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Certificate;
import io.deis.model.Domain;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.User;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Where the controller keeps its state: the installation id, users, tokens, keys, apps, releases,
 * permissions, domains and certificates. The store is the platform's truth: the scheduler's
 * runtime is reconciled toward it.
 *
 * <p>Every method is one atomic step, committed before it returns; implementations must be
 * thread-safe, and a store shared by several controller processes (a database) must keep these
 * promises across processes too. Business rules stay in the controller, except the few that only
 * a single atomic step can keep: unique names, gapless release versions, the first user becoming
 * an administrator, and never losing the last administrator. {@code io.deis.store.contract.StoreContract}
 * in deis-core's test-jar is the suite every implementation must pass.
 */
public interface Store {

  // ---------------------------------------------------------------- installation, locks, lease

  /**
   * The id of the installation this store belongs to: made (randomly) when the store is first
   * used and the same for every controller that opens the same store afterwards.
   */
  Installation installation();

  /**
   * Takes the app's operation lock, waiting for it: one change at a time per app, across every
   * controller that shares this store. The lock need not be held for the app to exist.
   *
   * <p>Callers change an existing app's row or releases ({@link #updateApp}, {@link #deleteApp},
   * {@link #appendRelease}, {@link #updateRelease}, {@link #recordOutcome}) only holding its lock,
   * as the controller does. A store may rely on it: while a thread holds the lock without a break,
   * what it read of the app ({@link #app}, the current release) may be kept and not read again.
   * Changes made through the same store are always seen; a change made without the lock through
   * another instance may go unseen by a holder until its hold ends.
   *
   * @return the held lock; closing it releases it
   */
  AppLock lock(AppName app);

  /**
   * {@link #lock} without waiting: empty when another caller (in this process or another) holds the
   * app's lock. A store shared by processes may keep a released lock for its own process a little
   * longer, so that its next operation on the app takes it without asking the database (JdbcStore on
   * PostgreSQL keeps it for 10 ms after the last use, at most 100 ms in one go); another process's
   * {@code tryLock} finds the app busy meanwhile, and its {@link #lock} waits that much longer.
   */
  Optional<AppLock> tryLock(AppName app);

  /** A held {@link #lock}; {@link #close()} releases it and never throws. */
  interface AppLock extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes or renews the installation's reconciler lease for {@code holder}: exactly one controller
   * at a time reconciles the runtime and restarts crashed containers. Returns true when
   * {@code holder} holds the lease for {@code ttl} from now (it was free, expired, or already
   * {@code holder}'s), false when another live holder has it.
   */
  boolean holdLease(String holder, Duration ttl);

  /** Gives the lease up at once, when {@code holder} holds it (a controller that closes). */
  void releaseLease(String holder);

  // ---------------------------------------------------------------- users

  /**
   * Saves a new user with a password hash. The first user the store ever holds is saved as an
   * administrator, whatever {@code user.admin()} says, in the same atomic step: two concurrent
   * first registrations cannot both become administrators, and none can be skipped.
   *
   * @return the user as saved
   * @throws io.deis.error.ConflictException when the username is taken
   */
  User createUser(User user, String passwordHash);

  Optional<User> user(String username);

  List<User> users();

  /**
   * Replaces the stored user of the same username.
   *
   * @throws io.deis.error.ConflictException when it would take away the last administrator's rights
   */
  void updateUser(User user);

  Optional<String> passwordHash(String username);

  void setPasswordHash(String username, String passwordHash);

  /**
   * Removes the user with their tokens, keys and shares (certificates and domains they added stay).
   *
   * @throws io.deis.error.ConflictException when the user is the last administrator
   */
  void deleteUser(String username);

  // ---------------------------------------------------------------- tokens (stored as hashes only)

  void addToken(String tokenHash, String username);

  Optional<String> userForToken(String tokenHash);

  /**
   * The user a token belongs to, read whole: what {@link #userForToken} and {@link #user} give
   * together, which a store over a network answers in one round trip. Every call of a session
   * opened with a token makes it. A change through this store shows at once; a store shared by
   * processes may keep answers in memory, so a change through another process shows within
   * seconds (JdbcStore on PostgreSQL: as soon as the database notifies it, milliseconds).
   */
  default Optional<User> tokenHolder(String tokenHash) {
    return userForToken(tokenHash).flatMap(this::user);
  }

  /** Removes every token of the user. */
  void removeTokens(String username);

  /** Removes one token (a log out); does nothing for an unknown one. */
  void removeToken(String tokenHash);

  // ---------------------------------------------------------------- keys

  /**
   * Saves a key.
   *
   * @throws io.deis.error.ConflictException when any user has the same public key, or the owner has a key of the same id
   */
  void addKey(Key key);

  List<Key> keys(String owner);

  Optional<Key> keyByFingerprint(String sha256Fingerprint);

  /** Returns false when the owner has no key of that id. */
  boolean removeKey(String owner, String id);

  // ---------------------------------------------------------------- apps and releases

  /**
   * Saves a new app together with its first release, both or neither.
   *
   * @throws io.deis.error.ConflictException when the name is taken
   */
  void createApp(App app, Release first);

  Optional<App> app(AppName name);

  List<App> apps();

  void updateApp(App app);

  /** Removes the app, its releases, its permissions and its domains. */
  void deleteApp(AppName name);

  /**
   * Allocates the app's next release version and saves the release {@code make} builds for it,
   * in one atomic step: concurrent callers get distinct, gapless versions. {@code make} may be
   * called more than once (a store may retry with another version), so it only builds the release.
   */
  Release appendRelease(AppName app, IntFunction<Release> make);

  /** Replaces the stored release of the same app and version (to record how its deploy went). */
  void updateRelease(Release release);

  /**
   * Records how a release's deploy went, in one atomic step: the release replaces the stored one
   * of the same version, and when {@code structure} is given the app's structure (its formation)
   * becomes it. Nothing is visible half-written.
   *
   * @throws io.deis.error.NotFoundException when the app or the release does not exist
   */
  void recordOutcome(Release release, Optional<Formation> structure);

  /** All of the app's releases, oldest first. */
  List<Release> releases(AppName app);

  Optional<Release> release(AppName app, int version);

  /**
   * The app's newest release in {@code status}, if any: the app's current release is its newest
   * SUCCEEDED one. The default scans {@link #releases}; a database store answers from an index, so
   * the controller's every operation does not read the app's whole history.
   */
  default Optional<Release> latestRelease(AppName app, Release.Status status) {
    List<Release> all = releases(app);
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).status() == status) {
        return Optional.of(all.get(i));
      }
    }
    return Optional.empty();
  }

  /** The app's releases in {@code status}, oldest first (the reconciler looks for PENDING ones). The default filters {@link #releases}. */
  default List<Release> releases(AppName app, Release.Status status) {
    return releases(app).stream().filter(r -> r.status() == status).toList();
  }

  // ---------------------------------------------------------------- permissions

  void grant(AppName app, String username);

  void revoke(AppName app, String username);

  Set<String> collaborators(AppName app);

  // ---------------------------------------------------------------- domains

  /**
   * Saves a domain of an app.
   *
   * @throws io.deis.error.ConflictException when any app has the domain (compared without case)
   * @throws io.deis.error.NotFoundException when the app does not exist
   */
  void addDomain(Domain domain);

  /** The app's domains, in the order they were added. */
  List<Domain> domains(AppName app);

  /** Every domain of every app, for the router. */
  List<Domain> domains();

  /** Returns false when the app has no such domain (compared without case). */
  boolean removeDomain(AppName app, String domain);

  // ---------------------------------------------------------------- certificates

  /**
   * Saves a certificate with its private key.
   *
   * @throws io.deis.error.ConflictException when a certificate of the same common name exists (compared without case)
   */
  void addCertificate(Certificate certificate, String privateKeyPem);

  /** Every certificate, sorted by common name. */
  List<Certificate> certificates();

  Optional<Certificate> certificate(String commonName);

  /** The private key of a certificate, in PEM form: for the router only, never shown to users. */
  Optional<String> certificateKey(String commonName);

  /** Returns false when there is no certificate of that common name. */
  boolean removeCertificate(String commonName);
}
