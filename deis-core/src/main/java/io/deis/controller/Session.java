package io.deis.controller;

import io.deis.build.BuildSource;
import io.deis.build.GitSources;
import io.deis.error.BuildException;
import io.deis.error.ConflictException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Container;
import io.deis.model.Formation;
import io.deis.model.Key;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.model.SshPublicKey;
import io.deis.model.User;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.RunResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

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

  private final Controller controller;
  private final String username;
  private final Optional<String> token;

  Session(Controller controller, String username, Optional<String> token) {
    this.controller = controller;
    this.username = username;
    this.token = token;
  }

  /** The user this session acts as. */
  public User user() {
    return controller.user(username);
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
    App app = new App(appName, me.username(), controller.now(), Formation.EMPTY);
    Config config = Config.empty(UUID.randomUUID().toString(), me.username(), controller.now());
    String summary = me.username() + " created initial release";
    Release v1 = new Release(UUID.randomUUID().toString(), appName, 1, me.username(), controller.now(), Optional.empty(),
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
    return controller.authorize(user(), AppName.of(name), Controller.Access.USE);
  }

  /** Destroys the app: every container stopped and removed, its releases and checkouts deleted. Owner or administrator only. */
  public void destroyApp(String name) {
    User me = user();
    AppName appName = AppName.of(name);
    controller.authorize(me, appName, Controller.Access.OWN);
    controller.locked(appName, () -> {
      controller.scheduler.destroy(appName);
      controller.store.deleteApp(appName);
      controller.emit(me.username(), AuditEvent.Kind.APP_DESTROYED, Optional.of(appName), me.username() + " destroyed " + appName);
      controller.forgetApp(appName);
      return null;
    });
  }

  /** Gives the app to another user. Owner or administrator only. */
  public App transferApp(String name, String newOwner) {
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.OWN);
    User target = controller.store.user(newOwner).orElseThrow(() -> new NotFoundException("user '" + newOwner + "' does not exist"));
    App moved = controller.locked(app.name(), () -> {
      App fresh = controller.store.app(app.name()).orElseThrow().withOwner(target.username());
      controller.store.updateApp(fresh);
      return fresh;
    });
    controller.emit(me.username(), AuditEvent.Kind.APP_TRANSFERRED, Optional.of(app.name()),
        me.username() + " transferred " + app.name() + " to " + target.username());
    return moved;
  }

  // ---------------------------------------------------------------- sharing

  /** Lets another user do everything with the app but destroy or transfer it. Owner or administrator only. */
  public void share(String name, String otherUser) {
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.OWN);
    User other = controller.store.user(otherUser).orElseThrow(() -> new NotFoundException("user '" + otherUser + "' does not exist"));
    controller.store.grant(app.name(), other.username());
    controller.emit(me.username(), AuditEvent.Kind.PERMISSION_GRANTED, Optional.of(app.name()),
        "User " + other.username() + " was granted access to " + app.name());
  }

  /** Takes a collaborator's access away. Owner or administrator; collaborators may remove only themselves. */
  public void unshare(String name, String otherUser) {
    User me = user();
    AppName appName = AppName.of(name);
    boolean removingSelf = me.username().equals(otherUser);
    App app = controller.authorize(me, appName, removingSelf ? Controller.Access.USE : Controller.Access.OWN);
    if (!controller.store.collaborators(app.name()).contains(otherUser)) {
      throw new NotFoundException("user '" + otherUser + "' is not a collaborator on " + app.name());
    }
    controller.store.revoke(app.name(), otherUser);
    controller.emit(me.username(), AuditEvent.Kind.PERMISSION_REVOKED, Optional.of(app.name()),
        "User " + otherUser + " was revoked access to " + app.name());
  }

  /** The users the app is shared with (not its owner). */
  public Set<String> collaborators(String name) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    return controller.store.collaborators(app.name());
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
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.USE);
    return controller.locked(app.name(), () -> {
      Build build = controller.scheduler.imageBuilder().build(readBuild(me, app.name(), source, progress), progress);
      Release current = controller.current(app.name());
      Formation formation = formationFor(app.name(), build);
      Release pending = controller.appendRelease(app.name(), me.username(), Optional.of(build), current.config(),
          me.username() + " deployed " + build.shortDescription());
      progress.accept("-----> Launching... ");
      Release done = controller.deploy(me.username(), app.name(), pending, formation);
      progress.accept("       done, " + app.name() + ":v" + done.version() + " deployed");
      endpointUrls(app.name()).forEach(url -> progress.accept("       " + url));
      return done;
    });
  }

  private Build readBuild(User me, AppName app, BuildSource source, Consumer<String> progress) {
    Build build;
    if (source instanceof BuildSource.GitCommit commit) {
      GitSources.CheckedOut out = GitSources.checkout(commit.repository(), commit.revision(), controller.buildsDirectory(app));
      progress.accept("-----> Building " + app + " from " + out.sha().substring(0, 7)
          + (out.dockerfile().isPresent() ? " (Dockerfile)" : ""));
      build = new Build(UUID.randomUUID().toString(), app, me.username(), controller.now(), Optional.of(out.sha()),
          Optional.empty(), out.procfile(), out.dockerfile(), Optional.of(out.tree()));
    } else {
      BuildSource.Image image = (BuildSource.Image) source;
      progress.accept("-----> Deploying image " + image.reference());
      build = new Build(UUID.randomUUID().toString(), app, me.username(), controller.now(), Optional.empty(),
          Optional.of(image.reference()), image.procfile(), Optional.empty(), Optional.empty());
    }
    if (build.procfile().isEmpty() && !build.hasImageDefaultCommand()) {
      throw new BuildException("the build of " + app + " has neither a Procfile nor a Dockerfile: add a Procfile "
          + "with a line such as 'web: ./server', so the platform knows what to run");
    }
    progress.accept("-----> Procfile declares types -> " + build.processTypes().stream()
        .map(ProcessType::value).collect(Collectors.joining(", ")));
    return build;
  }

  /** The app's builds, oldest first: each distinct build of its releases (a rollback reuses a build, so lists it once). */
  public List<Build> builds(String name) {
    return releases(name).stream()
        .flatMap(r -> r.build().stream())
        .collect(Collectors.toMap(Build::uuid, b -> b, (a, b) -> a, java.util.LinkedHashMap::new))
        .values().stream().toList();
  }

  /** The app's releases, oldest first. */
  public List<Release> releases(String name) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    return controller.store.releases(app.name());
  }

  public Release release(String name, int version) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    return controller.store.release(app.name(), version)
        .orElseThrow(() -> new NotFoundException("release v" + version + " of " + app.name() + " does not exist"));
  }

  /** The release the app runs now: the newest one that deployed. */
  public Release currentRelease(String name) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    return controller.current(app.name());
  }

  /** Rolls back to the release before the current one, as a new release. */
  public Release rollback(String name) {
    return rollback(name, OptionalInt.empty());
  }

  /** Rolls back to {@code version}: a new release with that release's build and config. */
  public Release rollback(String name, int version) {
    return rollback(name, OptionalInt.of(version));
  }

  private Release rollback(String name, OptionalInt version) {
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.USE);
    return controller.locked(app.name(), () -> {
      Release current = controller.current(app.name());
      List<Release> all = controller.store.releases(app.name());
      Release target;
      if (version.isPresent()) {
        int v = version.getAsInt();
        target = controller.store.release(app.name(), v).orElseThrow(() -> new NotFoundException(
            "release v" + v + " of " + app.name() + " does not exist: it has v1 to v" + all.size()));
      } else {
        target = all.stream().filter(r -> r.version() < current.version() && r.status() == Release.Status.SUCCEEDED)
            .reduce((a, b) -> b)
            .orElseThrow(() -> new InvalidInputException("nothing to roll back to: " + app.name() + " runs v"
                + current.version() + " and has no earlier release"));
      }
      Build build = target.build().orElseThrow(() -> new InvalidInputException("cannot roll back " + app.name() + " to v"
          + target.version() + ": it has no build. Roll back to a release that deployed code"));
      Formation formation = formationFor(app.name(), build);
      Release pending = controller.appendRelease(app.name(), me.username(), Optional.of(build), target.config(),
          me.username() + " rolled back to v" + target.version());
      return controller.deploy(me.username(), app.name(), pending, formation);
    });
  }

  // ---------------------------------------------------------------- config

  /** The config of the app's current release. */
  public Config config(String name) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    return controller.current(app.name()).config();
  }

  /**
   * Applies {@code change} to the current config as one new release, deployed with zero downtime.
   *
   * @return the new release; empty when the change would leave the config as it is, in which
   *     case no release is made
   */
  public Optional<Release> setConfig(String name, ConfigChange change) {
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.USE);
    return controller.locked(app.name(), () -> {
      Release current = controller.current(app.name());
      Config next = current.config().apply(change, UUID.randomUUID().toString(), me.username(), controller.now());
      if (next.sameSettings(current.config())) {
        return Optional.empty();
      }
      String summary = me.username() + " " + next.describeChangeFrom(current.config());
      Release pending = controller.appendRelease(app.name(), me.username(), current.build(), next, summary);
      Formation structure = controller.store.app(app.name()).orElseThrow().structure();
      return Optional.of(controller.deploy(me.username(), app.name(), pending, structure));
    });
  }

  /** Sets config values: {@code setConfig("app", Map.of("GREETING", "hi"))}. */
  public Optional<Release> setConfig(String name, Map<String, String> values) {
    return setConfig(name, ConfigChange.builder().setAll(values).build());
  }

  /** Removes config values. */
  public Optional<Release> unsetConfig(String name, String... keys) {
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
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.USE);
    return controller.locked(app.name(), () -> {
      Release current = controller.current(app.name());
      Build build = current.build().orElseThrow(() -> new InvalidInputException("No build associated with this release"));
      for (ProcessType type : change.counts().keySet()) {
        if (!build.processTypes().contains(type)) {
          throw new InvalidInputException("Container type " + type + " does not exist in application " + app.name()
              + ": its build declares " + build.processTypes());
        }
      }
      Formation structure = controller.store.app(app.name()).orElseThrow().structure().merge(change);
      controller.scheduler.scale(current, structure);
      controller.store.updateApp(controller.store.app(app.name()).orElseThrow().withStructure(structure));
      controller.emit(me.username(), AuditEvent.Kind.SCALED, Optional.of(app.name()), me.username() + " scaled containers " + change);
      return structure;
    });
  }

  /** The app's containers, sorted by type and number: {@code deis ps}. */
  public List<Container> ps(String name) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    return controller.scheduler.containers(app.name());
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
    User me = user();
    App app = controller.authorize(me, AppName.of(name), Controller.Access.USE);
    List<Container> restarted = controller.locked(app.name(), () -> controller.scheduler.restart(app.name(), filter));
    controller.emit(me.username(), AuditEvent.Kind.RESTARTED, Optional.of(app.name()),
        me.username() + " restarted " + filter + " (" + restarted.size() + " containers)");
    return restarted;
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
    Release current = controller.current(app.name());
    if (current.build().isEmpty()) {
      throw new InvalidInputException("No build associated with this release to run this command");
    }
    controller.emit(me.username(), AuditEvent.Kind.RAN, Optional.of(app.name()), me.username() + " runs '" + command + "'");
    return controller.scheduler.run(current, command, timeout);
  }

  /** The controller's log lines about the app, then its containers' most recent output; at most {@code lines} of each. */
  public List<String> logs(String name, int lines) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    if (lines < 1) {
      throw new InvalidInputException("log lines must be 1 or more, not " + lines);
    }
    List<String> out = new ArrayList<>(controller.appLog(app.name(), lines));
    out.addAll(controller.scheduler.logs(app.name(), lines));
    return out;
  }

  /** Where the app's up web and cmd containers answer, as URLs. */
  public List<String> endpoints(String name) {
    App app = controller.authorize(user(), AppName.of(name), Controller.Access.USE);
    return endpointUrls(app.name());
  }

  private List<String> endpointUrls(AppName app) {
    return controller.scheduler.containers(app).stream()
        .filter(c -> c.type().receivesTraffic())
        .flatMap(c -> c.endpoint().stream())
        .map(e -> e.url("/"))
        .toList();
  }

  // ---------------------------------------------------------------- keys

  /**
   * Registers an SSH public key (one line of an OpenSSH {@code .pub} file) for git push.
   *
   * @param id a name for the key; empty or null takes the key's comment, else its fingerprint
   */
  public Key addKey(String id, String publicKey) {
    User me = user();
    SshPublicKey parsed = SshPublicKey.parse(publicKey);
    String keyId = id != null && !id.isBlank() ? id.strip() : parsed.comment().isEmpty() ? parsed.fingerprintSha256() : parsed.comment();
    Key key = new Key(keyId, me.username(), parsed, controller.now());
    controller.store.addKey(key);
    controller.emit(me.username(), AuditEvent.Kind.KEY_ADDED, Optional.empty(), me.username() + " added key " + keyId + " " + key.fingerprint());
    return key;
  }

  public List<Key> keys() {
    return controller.store.keys(user().username());
  }

  public void removeKey(String id) {
    User me = user();
    if (!controller.store.removeKey(me.username(), id)) {
      throw new NotFoundException("you have no key named '" + id + "'");
    }
    controller.emit(me.username(), AuditEvent.Kind.KEY_REMOVED, Optional.empty(), me.username() + " removed key " + id);
  }

  // ---------------------------------------------------------------- account and administration

  /** Replaces every token of this user with one new token, which is returned. */
  public String regenerateToken() {
    User me = user();
    controller.store.removeTokens(me.username());
    return controller.issueToken(me.username());
  }

  public void changePassword(String currentPassword, String newPassword) {
    User me = user();
    String hash = controller.store.passwordHash(me.username()).orElseThrow();
    if (currentPassword == null || !controller.passwords.matches(currentPassword, hash)) {
      throw new InvalidInputException("Current password does not match");
    }
    if (newPassword == null || newPassword.isEmpty()) {
      throw new InvalidInputException("new password is empty");
    }
    controller.store.setPasswordHash(me.username(), controller.passwords.hash(newPassword));
    controller.emit(me.username(), AuditEvent.Kind.PASSWORD_CHANGED, Optional.empty(), me.username() + " changed their password");
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
    controller.store.removeTokens(target.username());
    String token = controller.issueToken(target.username());
    controller.emit(username, AuditEvent.Kind.TOKENS_REGENERATED, Optional.empty(), username + " regenerated the token of " + target.username());
    return token;
  }

  /**
   * Replaces every user's tokens, this user's included, each with one new token. Administrators
   * only. Every session opened with a token stops working; the new tokens are issued unseen, so
   * users log in again.
   */
  public void regenerateAllTokens() {
    User me = requireAdmin();
    for (User u : controller.store.users()) {
      controller.store.removeTokens(u.username());
      controller.issueToken(u.username());
    }
    controller.emit(me.username(), AuditEvent.Kind.TOKENS_REGENERATED, Optional.empty(), me.username() + " regenerated every user's token");
  }

  /** Sets another user's password without their current one. Administrators only, or this user's own with {@link #changePassword}. */
  public void setPassword(String otherUser, String newPassword) {
    User me = user();
    if (me.username().equals(otherUser) && !me.admin()) {
      throw new PermissionDeniedException("to change your own password give your current one as well");
    }
    User target = selfOrAdministered(otherUser);
    if (newPassword == null || newPassword.isEmpty()) {
      throw new InvalidInputException("new password is empty");
    }
    controller.store.setPasswordHash(target.username(), controller.passwords.hash(newPassword));
    controller.emit(me.username(), AuditEvent.Kind.PASSWORD_CHANGED, Optional.empty(), me.username() + " set the password of " + target.username());
  }

  /** Deletes another user's account; refused while they still own apps. Administrators only, unless it is this user. */
  public void deleteUser(String otherUser) {
    User me = user();
    User target = selfOrAdministered(otherUser);
    if (controller.store.apps().stream().anyMatch(a -> a.owner().equals(target.username()))) {
      throw new ConflictException(target.username() + " still has applications assigned. Delete or transfer ownership");
    }
    controller.store.deleteUser(target.username());
    controller.emit(me.username(), AuditEvent.Kind.USER_DELETED, Optional.empty(),
        me.username().equals(target.username()) ? me.username() + " deleted their account" : me.username() + " deleted the account of " + target.username());
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
    User me = requireAdmin();
    User other = controller.store.user(otherUser).orElseThrow(() -> new NotFoundException("user '" + otherUser + "' does not exist"));
    User changed = other.withAdmin(admin);
    controller.store.updateUser(changed);
    controller.emit(me.username(), admin ? AuditEvent.Kind.ADMIN_GRANTED : AuditEvent.Kind.ADMIN_REVOKED, Optional.empty(),
        me.username() + (admin ? " made " : " revoked administrator rights of ") + otherUser + (admin ? " an administrator" : ""));
    return changed;
  }

  /** This user when {@code username} names them; else the named user, if this user is an administrator (403 otherwise, 404 for nobody). */
  private User selfOrAdministered(String username) {
    if (username == null) {
      throw new InvalidInputException("username is null: name a user");
    }
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

  /**
   * The formation a new build runs at: the default for an app that never scaled, else the app's
   * structure without the types the build no longer declares (their containers go away).
   */
  private Formation formationFor(AppName app, Build build) {
    Formation structure = controller.store.app(app).orElseThrow().structure();
    if (structure.isEmpty()) {
      return build.defaultFormation();
    }
    return new Formation(structure.counts().entrySet().stream()
        .filter(e -> build.processTypes().contains(e.getKey()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
  }

  @Override
  public String toString() {
    return "Session[" + username + "]";
  }
}
