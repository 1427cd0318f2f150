package io.deis.store;

import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.User;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Where the controller keeps its state: users, tokens, keys, apps, releases and permissions.
 * Every method is one atomic step; implementations must be thread-safe. It holds no business
 * rules beyond uniqueness, so a durable implementation (JDBC) is a mechanical job.
 */
public interface Store {

  // ---------------------------------------------------------------- users

  /**
   * Saves a new user with a password hash.
   *
   * @throws io.deis.error.ConflictException when the username is taken
   */
  void createUser(User user, String passwordHash);

  Optional<User> user(String username);

  List<User> users();

  /** Replaces the stored user of the same username. */
  void updateUser(User user);

  Optional<String> passwordHash(String username);

  void setPasswordHash(String username, String passwordHash);

  /** Removes the user with their tokens and keys. */
  void deleteUser(String username);

  // ---------------------------------------------------------------- tokens (stored as hashes only)

  void addToken(String tokenHash, String username);

  Optional<String> userForToken(String tokenHash);

  void removeTokens(String username);

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

  /** Removes the app, its releases and its permissions. */
  void deleteApp(AppName name);

  /**
   * Allocates the app's next release version and saves the release {@code make} builds for it,
   * in one atomic step: concurrent callers get distinct, gapless versions.
   */
  Release appendRelease(AppName app, IntFunction<Release> make);

  /** Replaces the stored release of the same app and version (to record how its deploy went). */
  void updateRelease(Release release);

  /** All of the app's releases, oldest first. */
  List<Release> releases(AppName app);

  Optional<Release> release(AppName app, int version);

  // ---------------------------------------------------------------- permissions

  void grant(AppName app, String username);

  void revoke(AppName app, String username);

  Set<String> collaborators(AppName app);
}
