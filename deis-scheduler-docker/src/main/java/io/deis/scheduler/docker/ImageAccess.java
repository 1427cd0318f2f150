package io.deis.scheduler.docker;

import com.github.dockerjava.api.command.InspectImageResponse;
import io.deis.error.PermissionDeniedException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.scheduler.Labels;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Tenant isolation of images: an app may run or build on an image made for another app only when
 * the deploying user may use that app, since the image holds that app's code and whatever was
 * baked into it. An image is "made for app X" when its name is in X's repository
 * ({@code deis-jvm/<installation>/X}) or when it carries the labels this builder puts on every
 * image it builds (installation and app); images of another installation are never used. Any
 * other image (a public one, a stack) belongs to no app.
 */
final class ImageAccess {
  private final DockerNames names;

  ImageAccess(DockerNames names) {
    this.names = names;
  }

  /** Refuses {@code reference} by its name alone, before anything is pulled. */
  void checkName(String reference, String usedAs, Build build, Predicate<AppName> mayUse) {
    DockerNames.ownerByName(reference).ifPresent(owner -> check(owner, reference, usedAs, build, mayUse));
  }

  /** Refuses the inspected image of {@code reference} by the labels it carries (a reference by id or digest has no telling name). */
  void checkLabels(InspectImageResponse image, String reference, String usedAs, Build build, Predicate<AppName> mayUse) {
    Map<String, String> labels = image.getConfig() == null || image.getConfig().getLabels() == null
        ? Map.of() : image.getConfig().getLabels();
    if (!Labels.HERITAGE_VALUE.equals(labels.get(Labels.HERITAGE)) || !labels.containsKey(Labels.APP)) {
      return;
    }
    Optional<io.deis.model.Installation> installation;
    Optional<AppName> app;
    try {
      installation = Optional.of(io.deis.model.Installation.of(labels.get(Labels.INSTALLATION)));
    } catch (RuntimeException e) {
      installation = Optional.empty();
    }
    try {
      app = Optional.of(AppName.of(labels.get(Labels.APP)));
    } catch (RuntimeException e) {
      app = Optional.empty();
    }
    check(new DockerNames.Owner(installation, app), reference, usedAs, build, mayUse);
  }

  private void check(DockerNames.Owner owner, String reference, String usedAs, Build build, Predicate<AppName> mayUse) {
    if (owner.installation().isEmpty() || !owner.installation().get().equals(names.installation()) || owner.app().isEmpty()) {
      throw new PermissionDeniedException(usedAs + " " + reference + " belongs to another Deis installation on this "
          + "Docker host (or to none this version knows): it cannot be used by " + build.app());
    }
    AppName app = owner.app().get();
    if (!app.equals(build.app()) && !mayUse.test(app)) {
      throw new PermissionDeniedException(usedAs + " " + reference + " was built for another app, which " + build.owner()
          + " may not use: use an image of an app you own or collaborate on");
    }
  }
}
