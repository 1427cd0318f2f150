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
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.model.User;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The operations that make releases or change what runs: deploy, rollback, config changes and
 * scaling. Each is called by {@link Session} holding the app's lock, with the caller already
 * authorized inside it.
 */
final class Releases {
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
    Config next = current.config().apply(change, UUID.randomUUID().toString(), me.username(), controller.now());
    if (next.sameSettings(current.config())) {
      return Optional.empty();
    }
    String summary = me.username() + " " + next.describeChangeFrom(current.config());
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
    controller.scheduler.scale(current, structure);
    controller.store.updateApp(app.withStructure(structure));
    controller.emit(me.username(), AuditEvent.Kind.SCALED, Optional.of(app.name()), me.username() + " scaled containers " + change);
    return structure;
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
