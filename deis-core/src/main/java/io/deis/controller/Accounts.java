package io.deis.controller;

import com.google.common.io.BaseEncoding;
import io.deis.error.AuthenticationException;
import io.deis.error.ConflictException;
import io.deis.error.DeisException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.model.Key;
import io.deis.model.SshPublicKey;
import io.deis.model.User;
import io.deis.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * Users and their credentials, for {@link Controller} (registration, log-in, authentication) and
 * {@link Session} (keys, passwords, tokens, administration): who may register, how passwords and
 * tokens are checked and kept, and the rule that a platform whose scheduler does not isolate
 * tenants serves one user. Callers have checked who may act on whom; this class checks the input
 * and keeps the store and the audit trail right.
 */
final class Accounts {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Tokens are 40 hex characters and fingerprints about 50: anything much longer is no credential. */
  private static final int MAX_TOKEN_LENGTH = 256;

  private final Controller controller;
  private final Store store;
  private final PasswordHasher passwords;
  private final RegistrationMode registrationMode;
  /** The scheduler does not isolate tenants and the embedder did not vouch for every user: one user only. */
  private final boolean singleTenant;

  Accounts(Controller controller, PasswordHasher passwords, RegistrationMode registrationMode, boolean singleTenant) {
    this.controller = controller;
    this.store = controller.store;
    this.passwords = passwords;
    this.registrationMode = registrationMode;
    this.singleTenant = singleTenant;
  }

  // ---------------------------------------------------------------- registration and authentication

  /** Registers a user on behalf of {@code by} (a session's user), or of nobody: the mode is checked here, once. */
  User register(String username, String password, String email, Optional<User> by) {
    User.checkUsername(username);
    PasswordHasher.check("password for '" + username + "'", password);
    User.checkEmail(email == null ? "" : email);
    boolean byAdmin = by.map(User::admin).orElse(false);
    boolean restricted = singleTenant
        || registrationMode == RegistrationMode.DISABLED || registrationMode == RegistrationMode.ADMIN_ONLY && !byAdmin;
    if (restricted && !store.users().isEmpty()) {
      throw registrationRefused();
    }
    String hash = passwords.hash(password);
    // The store makes the first user ever an administrator, atomically: never the next stranger
    // after the last administrator dropped their rights.
    User user = store.createUser(new User(username, email == null ? "" : email, false, controller.now()), hash);
    if (restricted && !user.admin()) {
      store.deleteUser(username); // another registration was first: only that one was allowed
      throw registrationRefused();
    }
    String actor = by.map(User::username).orElse(username);
    controller.emit(actor, AuditEvent.Kind.USER_REGISTERED, Optional.empty(),
        (actor.equals(username) ? username + " registered" : actor + " registered " + username)
            + (user.admin() ? " as an administrator" : ""));
    return user;
  }

  /** Checks a password and returns a new API token for the user. */
  String login(String username, String password) {
    if (username == null || password == null) {
      throw new InvalidInputException((username == null ? "username" : "password") + " is missing (null)");
    }
    String hash = store.passwordHash(username).orElse(null);
    // The dummy hash has the current iteration count, so an unknown user's attempt does the same work.
    boolean matches = passwords.matches(password, hash != null ? hash : passwords.unmatchable());
    if (hash == null || !matches) {
      throw new AuthenticationException("Unable to log in with provided credentials.");
    }
    checkTenancy();
    return issueToken(username);
  }

  /** The user an API token belongs to. */
  String authenticate(String token) {
    String username = token == null || token.length() > MAX_TOKEN_LENGTH ? null
        : store.tokenHolder(tokenHash(token)).map(User::username).orElse(null);
    if (username == null) {
      throw new AuthenticationException("Invalid token.");
    }
    checkTenancy();
    return username;
  }

  /** The owner of an SSH key, found by its SHA256 fingerprint. */
  String authenticateKey(String sha256Fingerprint) {
    if (sha256Fingerprint == null || sha256Fingerprint.length() > MAX_TOKEN_LENGTH) {
      throw new AuthenticationException("key fingerprint " + DeisException.quote(sha256Fingerprint)
          + " is not registered: add the key with 'deis keys:add'");
    }
    String owner = store.keyByFingerprint(sha256Fingerprint)
        .orElseThrow(() -> new AuthenticationException("key " + sha256Fingerprint + " is not registered: add it with 'deis keys:add'"))
        .owner();
    checkTenancy();
    return owner;
  }

  /** The user {@code token} still belongs to, if it is {@code username} (not revoked, not regenerated, not deleted). */
  Optional<User> holder(String username, String token) {
    return store.tokenHolder(tokenHash(token)).filter(u -> u.username().equals(username));
  }

  private PermissionDeniedException registrationRefused() {
    if (singleTenant) {
      return singleTenantRefusal();
    }
    return new PermissionDeniedException(registrationMode == RegistrationMode.DISABLED
        ? "Registration is disabled" : "Registration is restricted to administrators");
  }

  private static PermissionDeniedException singleTenantRefusal() {
    return new PermissionDeniedException("this platform serves one user: its scheduler (the local runtime) runs pushed code as "
        + "the host's own user, unconfined, so users are not isolated from each other. Use the Docker or Kubernetes backend "
        + "for several users, or, when every user is trusted with the host, build the controller with trustedUsersOnly(true)");
  }

  /** On a single-tenant scheduler, a store that holds several users (a shared store) serves none of them. */
  private void checkTenancy() {
    if (singleTenant && store.users().size() > 1) {
      throw singleTenantRefusal();
    }
  }

  // ---------------------------------------------------------------- tokens and passwords

  private String issueToken(String username) {
    byte[] bytes = new byte[20];
    RANDOM.nextBytes(bytes);
    String token = BaseEncoding.base16().lowerCase().encode(bytes);
    store.addToken(tokenHash(token), username);
    return token;
  }

  /** Tokens are stored as SHA-256 hashes, so a leaked store does not leak working tokens. */
  private static String tokenHash(String token) {
    try {
      return BaseEncoding.base16().lowerCase().encode(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void revoke(String token) {
    store.removeToken(tokenHash(token));
  }

  /** Replaces every token of {@code target} with one new token, which is returned. */
  String regenerateToken(User target) {
    store.removeTokens(target.username());
    return issueToken(target.username());
  }

  void regenerateAllTokens(User me) {
    for (User u : store.users()) {
      store.removeTokens(u.username());
      issueToken(u.username());
    }
    controller.emit(me.username(), AuditEvent.Kind.TOKENS_REGENERATED, Optional.empty(), me.username() + " regenerated every user's token");
  }

  void changePassword(User me, Optional<String> token, String currentPassword, String newPassword) {
    String hash = store.passwordHash(me.username()).orElseThrow();
    if (currentPassword == null || !passwords.matches(currentPassword, hash)) {
      throw new InvalidInputException("Current password does not match");
    }
    replacePassword(me, token, me, newPassword);
    controller.emit(me.username(), AuditEvent.Kind.PASSWORD_CHANGED, Optional.empty(), me.username() + " changed their password");
  }

  void setPassword(User me, Optional<String> token, User target, String newPassword) {
    replacePassword(me, token, target, newPassword);
    controller.emit(me.username(), AuditEvent.Kind.PASSWORD_CHANGED, Optional.empty(), me.username() + " set the password of " + target.username());
  }

  /**
   * Whoever knew the old password may hold a token, so every session of the user ends, except
   * {@code token}, the caller's own, when the caller is the user.
   */
  private void replacePassword(User me, Optional<String> token, User target, String newPassword) {
    PasswordHasher.check("new password", newPassword);
    store.setPasswordHash(target.username(), passwords.hash(newPassword));
    store.removeTokens(target.username());
    if (target.username().equals(me.username())) {
      token.ifPresent(t -> store.addToken(tokenHash(t), me.username()));
    }
  }

  // ---------------------------------------------------------------- keys and users

  Key addKey(User me, String id, String publicKey) {
    SshPublicKey parsed = SshPublicKey.parse(publicKey);
    String keyId = id != null && !id.isBlank() ? id.strip() : parsed.comment().isEmpty() ? parsed.fingerprintSha256() : parsed.comment();
    if (keyId.length() > Session.MAX_KEY_ID_LENGTH || keyId.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidInputException("key id " + DeisException.quote(keyId) + " is invalid: use at most "
          + Session.MAX_KEY_ID_LENGTH + " characters without control characters");
    }
    int has = store.keys(me.username()).size();
    if (has >= controller.limits.keysPerUser()) {
      throw new ConflictException(me.username() + " has " + has + " keys, the limit (keysPerUser " + controller.limits.keysPerUser()
          + "): remove one before adding another");
    }
    Key key = new Key(keyId, me.username(), parsed, controller.now());
    store.addKey(key);
    controller.emit(me.username(), AuditEvent.Kind.KEY_ADDED, Optional.empty(), me.username() + " added key " + keyId + " " + key.fingerprint());
    return key;
  }

  void removeKey(User me, String id) {
    if (!store.removeKey(me.username(), id)) {
      throw new NotFoundException("you have no key named '" + id + "'");
    }
    controller.emit(me.username(), AuditEvent.Kind.KEY_REMOVED, Optional.empty(), me.username() + " removed key " + id);
  }

  /** Deletes {@code target}'s account; refused while they still own apps (the store refuses the last administrator). */
  void deleteUser(User me, User target) {
    if (store.apps().stream().anyMatch(a -> a.owner().equals(target.username()))) {
      throw new ConflictException(target.username() + " still has applications assigned. Delete or transfer ownership");
    }
    store.deleteUser(target.username());
    controller.emit(me.username(), AuditEvent.Kind.USER_DELETED, Optional.empty(),
        me.username().equals(target.username()) ? me.username() + " deleted their account" : me.username() + " deleted the account of " + target.username());
  }

  User setAdmin(User me, String otherUser, boolean admin) {
    User other = store.user(otherUser).orElseThrow(() -> new NotFoundException("user '" + otherUser + "' does not exist"));
    User changed = other.withAdmin(admin);
    store.updateUser(changed);
    controller.emit(me.username(), admin ? AuditEvent.Kind.ADMIN_GRANTED : AuditEvent.Kind.ADMIN_REVOKED, Optional.empty(),
        me.username() + (admin ? " made " : " revoked administrator rights of ") + otherUser + (admin ? " an administrator" : ""));
    return changed;
  }
}
