package io.deis.controller;

import io.deis.build.BuildSource;
import io.deis.build.GitSources;
import io.deis.error.BuildException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Formation;
import io.deis.model.HealthCheck;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.model.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations that make releases or change what runs: deploy, rollback, config changes and
 * scaling. Each is called by {@link Session} holding the app's lock, with the caller already
 * authorized inside it.
 */
final class Releases {
  private static final Logger log = LoggerFactory.getLogger(Releases.class);
  private final Controller controller;

  Releases(Controller controller) {
    this.controller = controller;
  }

  Release deploy(User me, App app, BuildSource source, Consumer<String> progress) {
    // The builder may find other apps' artifacts (another app's image): it asks with the deployer's rights.
    Build build = controller.scheduler.imageBuilder().build(readBuild(me, app.name(), source, progress),
        other -> mayUse(me, other), progress);
    Release current = controller.current(app.name());
    Formation formation = formationFor(app, build);
    Release pending = controller.appendRelease(app.name(), me.username(), Optional.of(build), current.config(),
        me.username() + " deployed " + build.shortDescription());
    progress.accept("-----> Launching... ");
    Release done = controller.deploy(me.username(), app.name(), pending, formation);
    progress.accept("       done, " + app.name() + ":v" + done.version() + " deployed");
    endpointUrls(app.name()).forEach(url -> progress.accept("       " + url));
    return done;
  }

  /** Whether {@code me} may use {@code app}, decided by {@link Controller#authorize} as for any other call. */
  private boolean mayUse(User me, AppName app) {
    try {
      controller.authorize(me, app, Controller.Access.USE);
      return true;
    } catch (NotFoundException | PermissionDeniedException e) {
      return false;
    }
  }

  private Build readBuild(User me, AppName app, BuildSource source, Consumer<String> progress) {
    Build build;
    if (source instanceof BuildSource.GitCommit commit) {
      GitSources.CheckedOut out = GitSources.checkout(commit.repository(), commit.revision(), controller.buildsDirectory(app),
          new GitSources.CheckoutLimits(controller.limits.checkoutFiles(), controller.limits.checkoutBytes()));
      progress.accept("-----> Building " + app + " from " + out.sha().substring(0, 7)
          + (out.dockerfile().isPresent() ? " (Dockerfile)" : ""));
      build = new Build(Ids.uuid(), app, me.username(), controller.now(), Optional.of(out.sha()),
          Optional.empty(), out.procfile(), out.dockerfile(), Optional.of(out.tree()));
    } else {
      BuildSource.Image image = (BuildSource.Image) source;
      progress.accept("-----> Deploying image " + image.reference());
      build = new Build(Ids.uuid(), app, me.username(), controller.now(), Optional.empty(),
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

  Release rollback(User me, App app, OptionalInt version) {
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
    Formation formation = formationFor(app, build);
    Release pending = controller.appendRelease(app.name(), me.username(), Optional.of(build), target.config(),
        me.username() + " rolled back to v" + target.version());
    return controller.deploy(me.username(), app.name(), pending, formation);
  }

  Optional<Release> setConfig(User me, App app, ConfigChange change) {
    Release current = controller.current(app.name());
    Config next = current.config().apply(change, Ids.uuid(), me.username(), controller.now());
    if (next.sameSettings(current.config())) {
      return Optional.empty();
    }
    checkLimits(app.name(), change, current.config(), next);
    String summary = me.username() + " " + next.describeChangeFrom(current.config());
    if (current.build().isEmpty()) {
      // Nothing runs without a build, so nothing is deployed: the release is saved as the current
      // one in one store transaction, not as a PENDING release and then its outcome.
      Release done = controller.appendRelease(app.name(), me.username(), Optional.empty(), next, summary, Release.Status.SUCCEEDED);
      controller.emit(me.username(), AuditEvent.Kind.RELEASE_CREATED, Optional.of(app.name()), summary);
      return Optional.of(done);
    }
    Release pending = controller.appendRelease(app.name(), me.username(), current.build(), next, summary);
    return Optional.of(controller.deploy(me.username(), app.name(), pending, app.structure()));
  }

  Formation scale(User me, App app, Formation change) {
    Release current = controller.current(app.name());
    Build build = current.build().orElseThrow(() -> new InvalidInputException("No build associated with this release"));
    for (ProcessType type : change.counts().keySet()) {
      if (!build.processTypes().contains(type)) {
        throw new InvalidInputException("Container type " + type + " does not exist in application " + app.name()
            + ": its build declares " + build.processTypes());
      }
    }
    Formation structure = app.structure().merge(change);
    checkLimits(app.name(), structure);
    controller.changingRuntime(app.name());
    controller.scheduler.scale(current, structure);
    controller.store.updateApp(app.withStructure(structure));
    controller.emit(me.username(), AuditEvent.Kind.SCALED, Optional.of(app.name()), me.username() + " scaled containers " + change);
    return structure;
  }

  /**
   * Refuses a formation over the container limits, before anything is made: a count such as
   * {@code web=2000000000} never reaches the scheduler.
   */
  private void checkLimits(AppName app, Formation structure) {
    Limits limits = controller.limits;
    long total = 0;
    for (Map.Entry<ProcessType, Integer> e : structure.counts().entrySet()) {
      if (e.getValue() > limits.containersPerType()) {
        throw new InvalidInputException("cannot scale " + app + " to " + e.getKey() + "=" + e.getValue() + ": the limit is "
            + limits.containersPerType() + " containers per process type (containersPerType)");
      }
      total += e.getValue();
    }
    if (total > limits.containersPerApp()) {
      throw new InvalidInputException("cannot scale " + app + " to " + structure + " (" + total + " containers): the limit is "
          + limits.containersPerApp() + " containers per app (containersPerApp)");
    }
  }

  /**
   * Refuses a config change that takes the config over a limit, or further over it (limits may
   * have been lowered since the config was made): how many values, how large each one the change
   * sets, how large all of them, and the health check's durations. Messages name keys, never values.
   */
  private void checkLimits(AppName app, ConfigChange change, Config before, Config after) {
    Limits limits = controller.limits;
    if (after.values().size() > limits.configKeys() && after.values().size() > before.values().size()) {
      throw new InvalidInputException(app + " would have " + after.values().size() + " config values: the limit is "
          + limits.configKeys() + " (configKeys)");
    }
    if (after.tags().size() > limits.tagsPerApp() && after.tags().size() > before.tags().size()) {
      throw new InvalidInputException(app + " would have " + after.tags().size() + " tags: the limit is " + limits.tagsPerApp()
          + " (tagsPerApp)");
    }
    for (Map.Entry<String, Optional<String>> e : change.values().entrySet()) {
      if (e.getValue().isPresent()) {
        int bytes = Config.checkValue(e.getKey(), e.getValue().get());
        if (bytes > limits.configValueBytes()) {
          throw new InvalidInputException("config value of " + e.getKey() + " is " + bytes + " bytes: the limit is "
              + limits.configValueBytes() + " bytes per value (configValueBytes)");
        }
      }
    }
    long total = configBytes(after);
    if (total > limits.configBytes() && total > configBytes(before)) {
      throw new InvalidInputException(app + "'s config values would take " + total + " bytes: the limit is " + limits.configBytes()
          + " bytes for all keys and values together (configBytes)");
    }
    Optional<HealthCheck> check = after.healthCheck();
    boolean checkChanged = change.values().keySet().stream().anyMatch(k -> k.startsWith("HEALTHCHECK_"));
    if (check.isPresent() && checkChanged) {
      HealthCheck h = check.get();
      if (h.timeout().compareTo(limits.healthCheckTimeout()) > 0) {
        throw new InvalidInputException(HealthCheck.TIMEOUT_KEY + " is over the limit of " + limits.healthCheckTimeout().toSeconds()
            + " seconds (healthCheckTimeout)");
      }
      if (h.initialDelay().compareTo(limits.healthCheckInitialDelay()) > 0) {
        throw new InvalidInputException(HealthCheck.INITIAL_DELAY_KEY + " is over the limit of "
            + limits.healthCheckInitialDelay().toSeconds() + " seconds (healthCheckInitialDelay)");
      }
      Optional<Duration> deployTimeout = controller.scheduler.deployTimeout();
      if (deployTimeout.isPresent() && h.initialDelay().plus(h.timeout()).compareTo(deployTimeout.get()) >= 0) {
        throw new InvalidInputException(HealthCheck.INITIAL_DELAY_KEY + " and " + HealthCheck.TIMEOUT_KEY + " together must be "
            + "shorter than the scheduler's deploy timeout of " + deployTimeout.get().toSeconds() + " seconds, or no container could pass");
      }
    }
  }

  private static long configBytes(Config config) {
    long bytes = 0;
    for (Map.Entry<String, String> e : config.values().entrySet()) {
      bytes += e.getKey().length() + Config.checkValue(e.getKey(), e.getValue());
    }
    return bytes;
  }

  /**
   * Deletes the app's build checkouts ({@code builds/<app>/<sha>}) that no release of the app uses:
   * those of builds that failed before they became a release, and partial ones a stopped
   * controller left. Called holding the app's lock, after every deploy, so no checkout in use goes.
   */
  void pruneCheckouts(AppName app) {
    Path dir = controller.buildsDirectory(app);
    if (!Files.isDirectory(dir)) {
      return;
    }
    Set<Path> used = controller.store.releases(app).stream()
        .flatMap(r -> r.build().flatMap(Build::sourceTree).stream())
        .map(p -> p.toAbsolutePath().normalize())
        .collect(Collectors.toSet());
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        if (!used.contains(entry.toAbsolutePath().normalize())) {
          Controller.deleteRecursively(entry);
        }
      }
    } catch (IOException e) {
      log.warn("{}: could not prune build checkouts in {}: {}", app, dir, e.toString());
    }
  }

  List<String> endpointUrls(AppName app) {
    return controller.scheduler.containers(app).stream()
        .filter(c -> c.type().receivesTraffic())
        .flatMap(c -> c.endpoint().stream())
        .map(e -> e.url("/"))
        .toList();
  }

  /**
   * The formation a new build runs at: the default for an app that never scaled, else the app's
   * structure without the types the build no longer declares (their containers go away).
   */
  private static Formation formationFor(App app, Build build) {
    Formation structure = app.structure();
    if (structure.isEmpty()) {
      return build.defaultFormation();
    }
    return new Formation(structure.counts().entrySet().stream()
        .filter(e -> build.processTypes().contains(e.getKey()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
  }
}
