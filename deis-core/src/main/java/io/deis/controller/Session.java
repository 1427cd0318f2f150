package io.deis.controller;

import io.deis.build.BuildSource;
import io.deis.error.BuildException;
import io.deis.error.ConflictException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.model.App;
import io.deis.model.Certificate;
import io.deis.model.Domain;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Container;
import io.deis.model.Formation;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.User;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Everything one authenticated user can do: the Deis CLI's commands as methods. Every method
 * reads the user afresh (an administrator's rights can be taken away mid-session) and every app
 * operation is authorized by the controller before it touches anything.
 *
 * <p>App names are taken as strings, as a user types them, and validated here.
 */
public final class Session {
  /** How long a one-off {@link #run} may take unless told otherwise. */
  public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofMinutes(10);
  /** The longest name of an SSH key. */
  public static final int MAX_KEY_ID_LENGTH = 255;

  private final Controller controller;
  private final Releases releases;
  private final String username;
  private final Optional<String> token;

  Session(Controller controller, String username, Optional<String> token) {
    this.controller = controller;
    this.releases = new Releases(controller);
    this.username = username;
    this.token = token;
  }

  /**
   * The user this session acts as, read afresh. A session opened with a token checks it again on
   * every call, so a revoked token (log out, a password change, a regenerated token) stops working at once.
   *
   * @throws io.deis.error.AuthenticationException when the token was revoked or the user deleted
   */
  public User user() {
    if (token.isPresent()) {
      return controller.accounts.holder(username, token.get())
          .orElseThrow(() -> new io.deis.error.AuthenticationException("Invalid token."));
    }
    return controller.user(username);
  }

  /**
   * Runs {@code work} holding the app's lock, with the caller authorized inside it (and, when the
   * lock is taken, once before waiting, so a stranger is refused without waiting in line): an
   * operation that waited behind another sees the app, and the caller's rights, as they are when
   * its turn comes.
   */
  private <T> T locked(String name, Controller.Access access, java.util.function.BiFunction<User, App, T> work) {
    AppName appName = AppName.of(name);
    return controller.locked(appName, () -> controller.authorize(user(), appName, access), () -> {
      User me = user();
      return work.apply(me, controller.authorize(me, appName, access));
    });
  }

  /** {@link #locked} without the lock, for single atomic store changes that must not wait behind a long operation. */
  private <T> T unlocked(String name, Controller.Access access, java.util.function.BiFunction<User, App, T> work) {
    User me = user();
    return work.apply(me, controller.authorize(me, AppName.of(name), access));
  }

  private App readable(String name) {
    return controller.authorize(user(), AppName.of(name), Controller.Access.USE);
  }

  /** The API token this session was opened with; empty for sessions opened with an SSH key. */
  public Optional<String> token() {
    return token;
  }

  // ---------------------------------------------------------------- apps

  /** Creates an app with a generated name such as {@code violet-valkyrie}. */
  public App createApp() {
    return createApp(AppNames.generate(n -> controller.reservedNames.contains(n) || controller.store.app(AppName.of(n)).isPresent()));
  }

  /** Creates an app, and its release v1 (no build, empty config). */
  public App createApp(String name) {
    User me = user();
    AppName appName = AppName.of(name);
    if (controller.reservedNames.contains(appName.value())) {
      throw new InvalidInputException(appName + " is a reserved name.");
    }
    long owned = controller.store.apps().stream().filter(a -> a.owner().equals(me.username())).count();
    if (owned >= controller.limits.appsPerUser()) {
      throw new ConflictException(me.username() + " owns " + owned + " apps, the limit (appsPerUser " + controller.limits.appsPerUser()
          + "): destroy one before creating another");
    }
    App app = new App(appName, me.username(), controller.now(), Formation.EMPTY);
    Config config = Config.empty(Ids.uuid(), me.username(), controller.now());
    String summary = me.username() + " created initial release";
    Release v1 = new Release(Ids.uuid(), appName, 1, me.username(), controller.now(), Optional.empty(),
        config, summary, Release.Status.SUCCEEDED, Optional.empty());
    controller.store.createApp(app, v1);
    controller.emit(me.username(), AuditEvent.Kind.APP_CREATED, Optional.of(appName), summary);
    return app;
  }

  /** The apps this user owns or shares; an administrator sees every app. */
  public List<App> apps() {
    return controller.visibleApps(user());
  }

  public App app(String name) {
    return readable(name);
  }

  /**
   * Destroys the app: every container stopped and removed, its releases, domains and checkouts
   * deleted. Owner or administrator only. An operation that was waiting for the app then fails
   * with {@link NotFoundException} and leaves nothing behind.
   */
  public void destroyApp(String name) {
    locked(name, Controller.Access.OWN, (me, app) -> {
      controller.changingRuntime(app.name());
      controller.scheduler.destroy(app.name());
      controller.store.deleteApp(app.name());
      controller.emit(me.username(), AuditEvent.Kind.APP_DESTROYED, Optional.of(app.name()), me.username() + " destroyed " + app.name());
      controller.forgetApp(app.name());
      return null;
    });
  }

  /** Gives the app to another user. Owner or administrator only. */
  public App transferApp(String name, String newOwner) {
    requireArgument("new owner", newOwner);
    return locked(name, Controller.Access.OWN, (me, app) -> {
      User target = controller.store.user(newOwner).orElseThrow(() -> new NotFoundException("user '" + newOwner + "' does not exist"));
      App moved = app.withOwner(target.username());
      controller.store.updateApp(moved);
      controller.store.revoke(app.name(), target.username()); // an owner is no collaborator of their own app
      controller.emit(me.username(), AuditEvent.Kind.APP_TRANSFERRED, Optional.of(app.name()),
          me.username() + " transferred " + app.name() + " to " + target.username());
      return moved;
    });
  }

  // ---------------------------------------------------------------- sharing

  /** Lets another user do everything with the app but destroy or transfer it. Owner or administrator only. */
  public void share(String name, String otherUser) {
    requireArgument("username", otherUser);
    unlocked(name, Controller.Access.OWN, (me, app) -> {
      User other = controller.store.user(otherUser).orElseThrow(() -> new NotFoundException("user '" + otherUser + "' does not exist"));
      if (other.username().equals(app.owner())) {
        throw new InvalidInputException("user '" + otherUser + "' owns " + app.name() + " already: share it with someone else");
      }
      Set<String> has = controller.store.collaborators(app.name());
      if (!has.contains(other.username()) && has.size() >= controller.limits.collaboratorsPerApp()) {
        throw new ConflictException(app.name() + " is shared with " + has.size() + " users, the limit (collaboratorsPerApp "
            + controller.limits.collaboratorsPerApp() + "): unshare it with someone first");
      }
      controller.store.grant(app.name(), other.username());
      controller.emit(me.username(), AuditEvent.Kind.PERMISSION_GRANTED, Optional.of(app.name()),
          "User " + other.username() + " was granted access to " + app.name());
      return null;
    });
  }

  /**
   * Takes a collaborator's access away, at once: it does not wait for the app's lock, so an
   * operation of theirs still queued behind another is refused when its turn comes. Owner or
   * administrator; collaborators may remove only themselves.
   */
  public void unshare(String name, String otherUser) {
    requireArgument("username", otherUser);
    boolean removingSelf = username.equals(otherUser);
    unlocked(name, removingSelf ? Controller.Access.USE : Controller.Access.OWN, (me, app) -> {
      if (!controller.store.collaborators(app.name()).contains(otherUser)) {
        throw new NotFoundException("user '" + otherUser + "' is not a collaborator on " + app.name());
      }
      controller.store.revoke(app.name(), otherUser);
      controller.emit(me.username(), AuditEvent.Kind.PERMISSION_REVOKED, Optional.of(app.name()),
          "User " + otherUser + " was revoked access to " + app.name());
      return null;
    });
  }

  /** The users the app is shared with (not its owner). */
  public Set<String> collaborators(String name) {
    return controller.store.collaborators(readable(name).name());
  }

  // ---------------------------------------------------------------- builds and releases

  /** {@link #deploy(String, BuildSource, Consumer)} without progress output. */
  public Release deploy(String name, BuildSource source) {
    return deploy(name, source, line -> {});
  }

  /**
   * Builds {@code source} and deploys it as the app's next release: the glossary's "a new build
   * makes a new release". The first build scales the app to web=1 (or cmd=1); later builds keep
   * the app's formation, minus types the new build no longer declares.
   *
   * @param progress receives Deis-style progress lines as they happen
   * @throws BuildException when the source cannot be built (nothing is released)
   * @throws io.deis.scheduler.DeployException when the new containers do not come up (the release is
   *     recorded as failed and the previous one keeps running)
   */
  public Release deploy(String name, BuildSource source, Consumer<String> progress) {
    requireArgument("build source", source);
    requireArgument("progress", progress);
    return locked(name, Controller.Access.USE, (me, app) -> {
      try {
        return releases.deploy(me, app, source, progress);
      } finally {
        releases.pruneCheckouts(app.name());
      }
    });
  }

  /** The app's builds, oldest first: each distinct build of its releases (a rollback reuses a build, so lists it once). */
  public List<Build> builds(String name) {
    return releases(name).stream()
        .flatMap(r -> r.build().stream())
        .collect(java.util.stream.Collectors.toMap(Build::uuid, b -> b, (a, b) -> a, java.util.LinkedHashMap::new))
        .values().stream().toList();
  }

  /** The app's releases, oldest first. */
  public List<Release> releases(String name) {
    return controller.store.releases(readable(name).name());
  }

  public Release release(String name, int version) {
    App app = readable(name);
    return controller.store.release(app.name(), version)
        .orElseThrow(() -> new NotFoundException("release v" + version + " of " + app.name() + " does not exist"));
  }

  /** The release the app runs now: the newest one that deployed. */
  public Release currentRelease(String name) {
    return controller.current(readable(name).name());
  }

  /** Rolls back to the release before the current one, as a new release. */
  public Release rollback(String name) {
    return locked(name, Controller.Access.USE, (me, app) -> releases.rollback(me, app, OptionalInt.empty()));
  }

  /** Rolls back to {@code version}: a new release with that release's build and config. */
  public Release rollback(String name, int version) {
    return locked(name, Controller.Access.USE, (me, app) -> releases.rollback(me, app, OptionalInt.of(version)));
  }

  // ---------------------------------------------------------------- config

  /** The config of the app's current release. */
  public Config config(String name) {
    return controller.current(readable(name).name()).config();
  }

  /**
   * Applies {@code change} to the current config as one new release, deployed with zero downtime.
   *
   * @return the new release; empty when the change would leave the config as it is, in which
   *     case no release is made
   */
  public Optional<Release> setConfig(String name, ConfigChange change) {
    requireArgument("config change", change);
    return locked(name, Controller.Access.USE, (me, app) -> releases.setConfig(me, app, change));
  }

  /** Sets config values: {@code setConfig("app", Map.of("GREETING", "hi"))}. */
  public Optional<Release> setConfig(String name, Map<String, String> values) {
    requireArgument("config values", values);
    return setConfig(name, ConfigChange.builder().setAll(values).build());
  }

  /** Removes config values. */
  public Optional<Release> unsetConfig(String name, String... keys) {
    requireArgument("config keys", keys);
    ConfigChange.Builder change = ConfigChange.builder();
    for (String key : keys) {
      change.unset(key);
    }
    return setConfig(name, change.build());
  }

  // ---------------------------------------------------------------- containers

  /** Scales process types, in Deis CLI syntax: {@code scale("app", "web=3 worker=1")}. */
  public Formation scale(String name, String formation) {
    return scale(name, Formation.parse(formation));
  }

  /**
   * Sets how many containers of each named type run; types not named keep their count.
   *
   * @return the app's whole formation afterwards
   */
  public Formation scale(String name, Formation change) {
    requireArgument("formation", change);
    return locked(name, Controller.Access.USE, (me, app) -> releases.scale(me, app, change));
  }

  /** The app's containers, sorted by type and number: {@code deis ps}. */
  public List<Container> ps(String name) {
    return controller.scheduler.containers(readable(name).name());
  }

  /** The app's containers that {@code filter} selects (one type, or one container), sorted by type and number. */
  public List<Container> ps(String name, ContainerFilter filter) {
    if (filter == null) {
      throw new InvalidInputException("container filter is null: use ContainerFilter.all(), type(...) or one(...)");
    }
    return ps(name).stream().filter(filter::matches).toList();
  }

  /** Restarts all the app's containers, one type's ({@link ContainerFilter#type}) or one ({@link ContainerFilter#one}). */
  public List<Container> restart(String name, ContainerFilter filter) {
    requireArgument("container filter", filter);
    return locked(name, Controller.Access.USE, (me, app) -> {
      controller.changingRuntime(app.name());
      List<Container> restarted = controller.scheduler.restart(app.name(), filter);
      controller.emit(me.username(), AuditEvent.Kind.RESTARTED, Optional.of(app.name()),
          me.username() + " restarted " + filter + " (" + restarted.size() + " containers)");
      return restarted;
    });
  }

  /** Runs a one-off command in a temporary container of the current release: {@code deis run}. */
  public RunResult run(String name, String command) {
    return run(name, command, DEFAULT_RUN_TIMEOUT);
  }

  public RunResult run(String name, String command, Duration timeout) {
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.USE);
    if (command == null || command.isBlank()) {
      throw new InvalidInputException("command to run is empty");
    }
    int commandBytes = command.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (commandBytes > controller.limits.runCommandBytes()) {
      throw new InvalidInputException("command to run is " + commandBytes + " bytes long: the limit (runCommandBytes) is "
          + controller.limits.runCommandBytes());
    }
    if (command.indexOf(0) >= 0) {
      throw new InvalidInputException("command to run contains a NUL character, which no process can run");
    }
    requireArgument("timeout", timeout);
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(controller.limits.runTimeout()) > 0) {
      throw new InvalidInputException("run timeout " + timeout + " is out of range: more than 0 and at most the limit (runTimeout) "
          + controller.limits.runTimeout());
    }
    Release current = controller.current(app.name());
    if (current.build().isEmpty()) {
      throw new InvalidInputException("No build associated with this release to run this command");
    }
    controller.emit(me.username(), AuditEvent.Kind.RAN, Optional.of(app.name()), me.username() + " runs '" + command + "'");
    return controller.scheduler.run(current, command, timeout);
  }

  /**
   * The app's most recent {@code lines} log lines, oldest first: the controller's own lines about
   * it ({@code 2014-01-01T00:00:00UTC deis[api]: alice scaled containers web=2}) and its
   * containers' output ({@code ... myapp[web.1]: listening}), merged by time.
   */
  public List<String> logs(String name, int lines) {
    App app = readable(name);
    if (lines < 1 || lines > controller.limits.logLines()) {
      throw new InvalidInputException("log lines must be 1 to " + controller.limits.logLines() + " (the limit, logLines), not " + lines);
    }
    return LogLine.newest(List.of(controller.appLog(app.name(), lines), controller.scheduler.logs(app.name(), lines)), lines)
        .stream()
        .map(l -> l.source().equals(Controller.CONTROLLER_LOG_SOURCE) ? l.format("deis") : l.format(app.name().value()))
        .toList();
  }

  /** Where the app's up web and cmd containers answer, as URLs. */
  public List<String> endpoints(String name) {
    return releases.endpointUrls(readable(name).name());
  }

  // ---------------------------------------------------------------- domains

  /**
   * Adds a custom domain to the app ({@code deis domains:add}): the router sends its requests to the app.
   *
   * @throws InvalidInputException for a name that is not a valid host name (wildcards included)
   * @throws ConflictException when any app has the domain already
   */
  public Domain addDomain(String name, String domain) {
    String checked = Domain.check(domain);
    return locked(name, Controller.Access.USE, (me, app) -> controller.routing.addDomain(me, app, checked));
  }

  /** The app's custom domains, in the order they were added. */
  public List<Domain> domains(String name) {
    return controller.store.domains(readable(name).name());
  }

  /** Removes a domain from the app. Owner or administrator only, as every removal of the original's. */
  public void removeDomain(String name, String domain) {
    requireArgument("domain", domain);
    locked(name, Controller.Access.OWN, (me, app) -> {
      controller.routing.removeDomain(me, app, domain);
      return null;
    });
  }

  // ---------------------------------------------------------------- certificates

  /**
   * Adds a TLS certificate and its private key ({@code deis certs:add}); the router serves it for
   * its common name. The key is kept by the controller and never shown again.
   *
   * @param commonName the name to serve it for; empty takes the certificate's subject CN
   * @throws InvalidInputException for text that is not a certificate or key, a key that does not
   *     match, or a wildcard name; the message never quotes the key
   * @throws ConflictException when a certificate of that common name exists
   */
  public Certificate addCertificate(String certificatePem, String privateKeyPem, Optional<String> commonName) {
    requireArgument("common name", commonName);
    return controller.routing.addCertificate(user(), certificatePem, privateKeyPem, commonName);
  }

  /** The certificates this user added; an administrator sees every one. */
  public List<Certificate> certificates() {
    return controller.routing.certificates(user());
  }

  /** One certificate, by common name. */
  public Certificate certificate(String commonName) {
    requireArgument("common name", commonName);
    return controller.routing.certificate(user(), commonName);
  }

  /** Removes a certificate. Its owner or an administrator only. */
  public void removeCertificate(String commonName) {
    requireArgument("common name", commonName);
    controller.routing.removeCertificate(user(), commonName);
  }

  private static void requireArgument(String what, Object value) {
    if (value == null) {
      throw new InvalidInputException(what + " is missing (null)");
    }
  }

  // ---------------------------------------------------------------- keys

  /**
   * Registers an SSH public key (one line of an OpenSSH {@code .pub} file) for git push.
   *
   * @param id a name for the key; empty or null takes the key's comment, else its fingerprint
   */
  public Key addKey(String id, String publicKey) {
    return controller.accounts.addKey(user(), id, publicKey);
  }

  public List<Key> keys() {
    return controller.store.keys(user().username());
  }

  public void removeKey(String id) {
    requireArgument("key id", id);
    controller.accounts.removeKey(user(), id);
  }

  // ---------------------------------------------------------------- account and administration

  /** Revokes this session's token (log out); the session stops working. A session opened with an SSH key has none to revoke. */
  public void logout() {
    token.ifPresent(controller.accounts::revoke);
  }

  /** Replaces every token of this user with one new token, which is returned; this session's own token stops working. */
  public String regenerateToken() {
    return controller.accounts.regenerateToken(user());
  }

  public void changePassword(String currentPassword, String newPassword) {
    controller.accounts.changePassword(user(), token, currentPassword, newPassword);
  }

  /** Deletes this user's account; refused while they still own apps. */
  public void deleteAccount() {
    deleteUser(username);
  }

  /**
   * Registers another user, as this user: how an administrator adds users when the controller's
   * {@link RegistrationMode} is ADMIN_ONLY. In ENABLED mode anyone may; in DISABLED mode nobody.
   */
  public User register(String newUsername, String password, String email) {
    return controller.register(newUsername, password, email, Optional.of(user()));
  }

  /** Replaces every token of {@code otherUser} with one new token, which is returned. Administrators only, unless it is this user. */
  public String regenerateToken(String otherUser) {
    User target = selfOrAdministered(otherUser);
    String token = controller.accounts.regenerateToken(target);
    controller.emit(username, AuditEvent.Kind.TOKENS_REGENERATED, Optional.empty(), username + " regenerated the token of " + target.username());
    return token;
  }

  /**
   * Replaces every user's tokens, this user's included, each with one new token. Administrators
   * only. Every session opened with a token stops working; the new tokens are issued unseen, so
   * users log in again.
   */
  public void regenerateAllTokens() {
    controller.accounts.regenerateAllTokens(requireAdmin());
  }

  /** Sets another user's password without their current one. Administrators only, or this user's own with {@link #changePassword}. */
  public void setPassword(String otherUser, String newPassword) {
    User me = user();
    if (me.username().equals(otherUser) && !me.admin()) {
      throw new PermissionDeniedException("to change your own password give your current one as well");
    }
    controller.accounts.setPassword(me, token, selfOrAdministered(otherUser), newPassword);
  }

  /** Deletes another user's account; refused while they still own apps. Administrators only, unless it is this user. */
  public void deleteUser(String otherUser) {
    User me = user();
    controller.accounts.deleteUser(me, selfOrAdministered(otherUser));
  }

  /** The administrators. Administrators only. */
  public List<User> administrators() {
    requireAdmin();
    return controller.store.users().stream().filter(User::admin).toList();
  }

  /** Every user. Administrators only. */
  public List<User> users() {
    requireAdmin();
    return controller.store.users();
  }

  /** Makes another user an administrator, or takes it away. Administrators only. */
  public User setAdmin(String otherUser, boolean admin) {
    requireArgument("username", otherUser);
    return controller.accounts.setAdmin(requireAdmin(), otherUser, admin);
  }

  /** This user when {@code username} names them; else the named user, if this user is an administrator (403 otherwise, 404 for nobody). */
  private User selfOrAdministered(String username) {
    requireArgument("username", username);
    User me = user();
    if (me.username().equals(username)) {
      return me;
    }
    if (!me.admin()) {
      throw new PermissionDeniedException();
    }
    return controller.store.user(username).orElseThrow(() -> new NotFoundException("user '" + username + "' does not exist"));
  }

  private User requireAdmin() {
    User me = user();
    if (!me.admin()) {
      throw new PermissionDeniedException();
    }
    return me;
  }

  @Override
  public String toString() {
    return "Session[" + username + "]";
  }
}
