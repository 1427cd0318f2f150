package io.deis.scheduler.docker;

import io.deis.model.AppName;
import io.deis.model.Installation;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every name this backend gives a Docker object, decided here and nowhere else. Each one carries
 * the installation id, so two installations on one daemon may both have an app {@code web} at the
 * same time without their containers, networks or images colliding:
 * <ul>
 *   <li>container: {@code deis-jvm-<installation>-<app>_v2.web.1}, Deis's job name after the prefix;
 *   <li>one-off run: {@code deis-jvm-<installation>-<app>_v2.run.1-<8 random hex digits>};
 *   <li>app network: {@code deis-jvm-<installation>-<app>};
 *   <li>images: {@code deis-jvm/<installation>/<app>:build-<sha>} and {@code :v<release>}.
 * </ul>
 * Names are for people and for collisions; what an installation owns is decided by labels, which
 * every object carries as well.
 */
final class DockerNames {
  /** The first part of every container and network name. */
  static final String PREFIX = "deis-jvm-";
  /** The namespace of every image repository this SDK tags. */
  static final String REPOSITORY_ROOT = "deis-jvm/";
  /** {@code deis-jvm/<installation>/<app>}, optionally behind Docker Hub's own host name, then a tag or digest. */
  private static final Pattern SDK_REFERENCE = Pattern.compile(
      "(?:(?:docker\\.io|index\\.docker\\.io)/)?deis-jvm/([a-z0-9]+)/([a-z0-9.-]+)(?:[:@].*)?");

  private final Installation installation;

  DockerNames(Installation installation) {
    this.installation = installation;
  }

  Installation installation() {
    return installation;
  }

  /** The Docker name of the container with Deis's job name {@code myapp_v2.web.1}. */
  String container(String jobName) {
    return PREFIX + installation.id() + "-" + jobName;
  }

  /** A fresh name for a one-off run container: runs of one controller restart counting, so a random suffix keeps them apart. */
  String runContainer(String jobName) {
    return container(jobName) + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  String network(AppName app) {
    return PREFIX + installation.id() + "-" + app.value();
  }

  /** {@code deis-jvm/<installation>/<app>}: the repository of every image of the app. */
  String repository(AppName app) {
    return repositories() + pathComponent(app);
  }

  /** {@code deis-jvm/<installation>/}: what the repository of every image of the installation starts with. */
  String repositories() {
    return REPOSITORY_ROOT + installation.id() + "/";
  }

  /**
   * The app as a Docker repository path component. App names may end in dashes, which a path
   * component may not, and never contain dots: {@code app--} becomes {@code app.2}, so the mapping
   * stays one to one.
   */
  static String pathComponent(AppName app) {
    String name = app.value();
    int end = name.length();
    while (name.charAt(end - 1) == '-') {
      end--;
    }
    return end == name.length() ? name : name.substring(0, end) + "." + (name.length() - end);
  }

  /** The inverse of {@link #pathComponent}; empty for a component it never makes. */
  static Optional<AppName> appOf(String component) {
    int dot = component.indexOf('.');
    try {
      if (dot < 0) {
        return Optional.of(AppName.of(component));
      }
      int dashes = Integer.parseInt(component.substring(dot + 1));
      return dashes < 1 ? Optional.empty() : Optional.of(AppName.of(component.substring(0, dot) + "-".repeat(dashes)));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Who an image reference in this SDK's namespace belongs to, read from its name alone; empty for
   * a reference outside the namespace ({@code busybox}, {@code registry.example.com/deis-jvm/...}).
   * A reference inside it that no installation of this version makes has an owner with no app.
   */
  static Optional<Owner> ownerByName(String reference) {
    String ref = reference.strip();
    String bare = ref.replaceFirst("^(docker\\.io|index\\.docker\\.io)/", "");
    if (!bare.startsWith(REPOSITORY_ROOT)) {
      return Optional.empty();
    }
    Matcher m = SDK_REFERENCE.matcher(ref);
    if (!m.matches()) {
      return Optional.of(new Owner(Optional.empty(), Optional.empty()));
    }
    Optional<Installation> owner;
    try {
      owner = Optional.of(Installation.of(m.group(1)));
    } catch (RuntimeException e) {
      owner = Optional.empty();
    }
    return Optional.of(new Owner(owner, appOf(m.group(2))));
  }

  /** The installation and app an image name or label says an image was built for; empty parts where it says nothing valid. */
  record Owner(Optional<Installation> installation, Optional<AppName> app) {}
}
