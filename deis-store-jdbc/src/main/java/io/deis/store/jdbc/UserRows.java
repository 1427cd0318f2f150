package io.deis.store.jdbc;

import io.deis.error.ConflictException;
import io.deis.error.NotFoundException;
import io.deis.model.Key;
import io.deis.model.SshPublicKey;
import io.deis.model.User;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Users with their password hashes, API token hashes and SSH keys. */
final class UserRows {
  private static final String USER_COLUMNS = "username, email, admin, created";

  private final Database db;
  /** Told after every change that can alter who holds a token (a {@link TokenHolders} forgets what it kept). */
  private final Runnable holdersChanged;

  UserRows(Database db, Runnable holdersChanged) {
    this.db = db;
    this.holdersChanged = holdersChanged;
  }

  // ---------------------------------------------------------------- users

  User create(User user, String passwordHash) {
    Text.check("email", user.email());
    Text.check("password hash", passwordHash);
    return db.transaction("save user '" + user.username() + "'", c -> {
      InstallationRows.lockUsers(c); // so two first registrations cannot both see an empty table
      boolean first = Sql.queryOne(c, "SELECT COUNT(*) FROM users", rows -> rows.getLong(1)).orElse(0L) == 0;
      User saved = new User(user.username(), user.email(), first || user.admin(), Database.stored(user.created()));
      if (Sql.queryOne(c, "SELECT 1 FROM users WHERE username = ?", rows -> 1, user.username()).isPresent()) {
        throw taken(user.username());
      }
      try {
        Sql.update(c, "INSERT INTO users (username, email, admin, created, password_hash) VALUES (?, ?, ?, ?, ?)",
            saved.username(), saved.email(), saved.admin(), Database.timestamp(saved.created()), passwordHash);
      } catch (SQLException e) {
        if (Database.uniqueViolation(e)) {
          throw taken(user.username());
        }
        throw e;
      }
      return saved;
    });
  }

  Optional<User> user(String username) {
    return db.read("read user '" + username + "'", c ->
        Sql.queryOne(c, "SELECT " + USER_COLUMNS + " FROM users WHERE username = ?", UserRows::user, username));
  }

  List<User> users() {
    return db.read("list users", c -> Sql.query(c, "SELECT " + USER_COLUMNS + " FROM users ORDER BY seq", UserRows::user));
  }

  void update(User user) {
    Text.check("email", user.email());
    changingHolders("update user '" + user.username() + "'", c -> {
      InstallationRows.lockUsers(c);
      User before = Sql.queryOne(c, "SELECT " + USER_COLUMNS + " FROM users WHERE username = ?", UserRows::user, user.username())
          .orElseThrow(() -> missing(user.username()));
      if (before.admin() && !user.admin()) {
        requireAnotherAdmin(c, user.username(), "lose administrator rights");
      }
      return Sql.update(c, "UPDATE users SET email = ?, admin = ?, created = ? WHERE username = ?",
          user.email(), user.admin(), Database.timestamp(user.created()), user.username());
    });
  }

  Optional<String> passwordHash(String username) {
    return db.read("read the password hash of '" + username + "'", c ->
        Sql.queryOne(c, "SELECT password_hash FROM users WHERE username = ?", rows -> rows.getString(1), username));
  }

  void setPasswordHash(String username, String passwordHash) {
    Text.check("password hash", passwordHash);
    int changed = db.read("change the password of '" + username + "'", c ->
        Sql.update(c, "UPDATE users SET password_hash = ? WHERE username = ?", passwordHash, username));
    if (changed == 0) {
      throw missing(username);
    }
  }

  void delete(String username) {
    changingHolders("delete user '" + username + "'", c -> {
      InstallationRows.lockUsers(c);
      Optional<Boolean> admin = Sql.queryOne(c, "SELECT admin FROM users WHERE username = ?", rows -> rows.getBoolean(1), username);
      if (admin.isEmpty()) {
        return 0;
      }
      if (admin.get()) {
        requireAnotherAdmin(c, username, "be deleted");
      }
      Sql.update(c, "DELETE FROM collaborators WHERE username = ?", username);
      return Sql.update(c, "DELETE FROM users WHERE username = ?", username); // tokens and keys go with it (ON DELETE CASCADE)
    });
  }

  private static void requireAnotherAdmin(Connection c, String username, String what) throws SQLException {
    boolean another = Sql.queryOne(c, "SELECT 1 FROM users WHERE admin AND username <> ?", rows -> 1, username).isPresent();
    if (!another) {
      throw new ConflictException(username + " is the last administrator and cannot " + what
          + ": make another user an administrator first");
    }
  }

  private static User user(ResultSet rows) throws SQLException {
    return new User(rows.getString("username"), rows.getString("email"), rows.getBoolean("admin"), Database.instant(rows, "created"));
  }

  private static ConflictException taken(String username) {
    return new ConflictException("username '" + username + "' is taken");
  }

  private static NotFoundException missing(String username) {
    return new NotFoundException("user '" + username + "' does not exist");
  }

  // ---------------------------------------------------------------- tokens

  void addToken(String tokenHash, String username) {
    Text.check("token hash", tokenHash);
    int added = db.read("save a token of '" + username + "'", c -> {
      try {
        return Sql.update(c, "INSERT INTO tokens (token_hash, username) VALUES (?, ?)", tokenHash, username);
      } catch (SQLException e) {
        if (Database.foreignKeyViolation(e)) {
          throw missing(username);
        }
        if (Database.uniqueViolation(e)) {
          return -1; // the token is someone's already: it changes hands below
        }
        throw e;
      }
    });
    if (added == -1) {
      changingHolders("give a token to '" + username + "'", c ->
          Sql.update(c, "UPDATE tokens SET username = ? WHERE token_hash = ?", username, tokenHash));
    }
  }

  Optional<User> tokenHolder(String tokenHash) {
    return db.read("read a token's user", c -> Sql.queryOne(c, "SELECT u.username, u.email, u.admin, u.created FROM tokens t"
        + " JOIN users u ON u.username = t.username WHERE t.token_hash = ?", UserRows::user, tokenHash));
  }

  Optional<String> userForToken(String tokenHash) {
    return db.read("read a token", c ->
        Sql.queryOne(c, "SELECT username FROM tokens WHERE token_hash = ?", rows -> rows.getString(1), tokenHash));
  }

  void removeTokens(String username) {
    changingHolders("remove the tokens of '" + username + "'", c -> Sql.update(c, "DELETE FROM tokens WHERE username = ?", username));
  }

  void removeToken(String tokenHash) {
    changingHolders("remove a token", c -> Sql.update(c, "DELETE FROM tokens WHERE token_hash = ?", tokenHash));
  }

  /**
   * A change that can alter who holds a token: one transaction that, on PostgreSQL, also tells
   * every store sharing the database ({@link TokenHolders#announce}); then this store is told,
   * whether or not the change was made.
   */
  private int changingHolders(String what, Database.Work<Integer> change) {
    try {
      return db.transaction(what, c -> {
        int changed = change.run(c);
        if (changed > 0 && db.dialect == Dialect.POSTGRESQL) {
          TokenHolders.announce(c);
        }
        return changed;
      });
    } finally {
      holdersChanged.run();
    }
  }

  // ---------------------------------------------------------------- keys

  void addKey(Key key) {
    Text.checkKey("key id", key.id(), 255);
    db.transaction("save key '" + key.id() + "' of '" + key.owner() + "'", c -> {
      if (Sql.queryOne(c, "SELECT 1 FROM ssh_keys WHERE fingerprint = ?", rows -> 1, key.fingerprint()).isPresent()) {
        throw keyTaken(key);
      }
      if (Sql.queryOne(c, "SELECT 1 FROM ssh_keys WHERE owner = ? AND id = ?", rows -> 1, key.owner(), key.id()).isPresent()) {
        throw idTaken(key);
      }
      try {
        Sql.update(c, "INSERT INTO ssh_keys (fingerprint, owner, id, public_key, created) VALUES (?, ?, ?, ?, ?)",
            key.fingerprint(), key.owner(), key.id(), key.publicKey().toOpenSsh(), Database.timestamp(key.created()));
      } catch (SQLException e) {
        if (Database.foreignKeyViolation(e)) {
          throw missing(key.owner());
        }
        if (Database.uniqueViolation(e)) {
          throw keyTaken(key); // a concurrent add of the same key or id won
        }
        throw e;
      }
      return null;
    });
  }

  List<Key> keys(String owner) {
    return db.read("list the keys of '" + owner + "'", c ->
        Sql.query(c, "SELECT id, owner, public_key, created FROM ssh_keys WHERE owner = ? ORDER BY seq", UserRows::key, owner));
  }

  Optional<Key> keyByFingerprint(String fingerprint) {
    return db.read("read a key", c ->
        Sql.queryOne(c, "SELECT id, owner, public_key, created FROM ssh_keys WHERE fingerprint = ?", UserRows::key, fingerprint));
  }

  boolean removeKey(String owner, String id) {
    return db.read("remove key '" + id + "' of '" + owner + "'", c ->
        Sql.update(c, "DELETE FROM ssh_keys WHERE owner = ? AND id = ?", owner, id)) > 0;
  }

  private static Key key(ResultSet rows) throws SQLException {
    return new Key(rows.getString("id"), rows.getString("owner"), SshPublicKey.parse(rows.getString("public_key")),
        Database.instant(rows, "created"));
  }

  private static ConflictException keyTaken(Key key) {
    return new ConflictException("public key " + key.fingerprint() + " is already registered: This field must be unique.");
  }

  private static ConflictException idTaken(Key key) {
    return new ConflictException("you already have a key named '" + key.id() + "': remove it first or pick another name");
  }
}
