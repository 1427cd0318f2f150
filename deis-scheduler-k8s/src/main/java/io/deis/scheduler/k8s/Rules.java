package io.deis.scheduler.k8s;

import io.deis.error.InvalidInputException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The API server's rules for what the scheduler writes, checked here, before any request, so a
 * refusal names the Deis input and the rule rather than arriving as a 422 halfway through a
 * deploy. What every backend needs (process types that are label values) is the model's rule, in
 * deis-core; what only Kubernetes needs is here.
 */
final class Rules {
  /** A Secret's data may hold at most 1 MiB (the API server's limit, sized for etcd). */
  static final int MAX_SECRET_BYTES = 1024 * 1024;
  /** Namespaces (and label values) are DNS-1123 labels. */
  static final int MAX_LABEL_LENGTH = 63;
  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private Rules() {}

  /** The app becomes a namespace: a DNS-1123 label. App names already start with a letter. */
  static void checkApp(AppName app) {
    String name = app.value();
    if (name.length() > MAX_LABEL_LENGTH) {
      throw new InvalidInputException("app name '" + app + "' is " + name.length()
          + " characters long: the Kubernetes backend makes it a namespace (a DNS-1123 label), and those hold at most "
          + MAX_LABEL_LENGTH);
    }
    if (!DNS1123_LABEL.matcher(name).matches()) {
      throw new InvalidInputException("app name '" + app + "' cannot run on Kubernetes: it becomes a namespace, and a "
          + "namespace name (a DNS-1123 label) must end with a letter or digit");
    }
  }

  /** Everything a deploy, scale or run of {@code release} writes, checked before the first request. */
  static Build checkRelease(Release release) {
    checkApp(release.app());
    Build build = release.build().orElseThrow(() -> new InvalidInputException("release v" + release.version() + " of "
        + release.app() + " has no build: No build associated with this release"));
    PodSpecs.image(release);
    long bytes = release.config().values().values().stream().mapToLong(v -> v.getBytes(StandardCharsets.UTF_8).length).sum();
    if (bytes > MAX_SECRET_BYTES) {
      throw new InvalidInputException("config of v" + release.version() + " of " + release.app() + " holds " + bytes
          + " bytes of values: the Kubernetes backend keeps it in a Secret, and a Secret holds at most " + MAX_SECRET_BYTES
          + " bytes (1 MiB)");
    }
    for (ProcessType type : build.processTypes()) {
      checkType(type);
    }
    return build;
  }

  /** Every type of the formation: one the build declares, and never {@code run}. */
  static void checkFormation(Build build, Formation formation) {
    for (ProcessType type : formation.counts().keySet()) {
      if (ProcessType.RUN.equals(type)) {
        throw new InvalidInputException("process type 'run' is for one-off commands and cannot be in a formation");
      }
      checkType(type);
      build.command(type); // throws, naming the type and the build's types, when the build has no such type
    }
  }

  /**
   * A type labels pods as it is (a label value) and names their container with '_' as '-' (a
   * DNS-1123 label). deis-core's model refuses any type that breaks either; this keeps the promise
   * if that rule ever loosens.
   */
  private static void checkType(ProcessType type) {
    String container = Names.container(type);
    if (container.length() > MAX_LABEL_LENGTH || !DNS1123_LABEL.matcher(container).matches()) {
      throw new InvalidInputException("process type '" + type + "' cannot run on Kubernetes: it names a container and "
          + "labels its pods, so it must be a DNS-1123 label of at most " + MAX_LABEL_LENGTH
          + " characters (letters, digits and '-' or '_', starting and ending with a letter or digit)");
    }
  }
}
