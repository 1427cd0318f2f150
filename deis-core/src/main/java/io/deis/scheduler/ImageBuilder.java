package io.deis.scheduler;

import io.deis.model.AppName;
import io.deis.model.Build;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A backend's builder: makes a {@link Build} runnable on that backend. The Docker backend builds
 * an image from the source tree; the local runtime runs the checked-out tree as it is.
 */
public interface ImageBuilder {
  /**
   * Returns {@code build}, with {@link Build#image()} set when this builder made an image. A
   * builder that can reach other apps' artifacts (Docker: another app's image named in a
   * deployed image reference or a Dockerfile's {@code FROM}) allows only the build's own app's here.
   *
   * @param progress receives one line at a time, as the build goes, for the pusher's terminal
   * @throws io.deis.error.BuildException when the build fails; the message says why
   */
  Build build(Build build, Consumer<String> progress);

  /**
   * {@link #build(Build, Consumer)} with the deploying user's rights: a builder that finds another
   * app's artifact in the build asks {@code mayUse} whether the user who deploys ({@link Build#owner()})
   * may use that app, and refuses the build when not. The controller passes its own authorization
   * ("owner, collaborator or administrator of the app"). Builders that never reach another app's
   * artifacts need not override this.
   *
   * @param mayUse whether the deploying user may use an app; false for an app that does not exist
   * @throws io.deis.error.PermissionDeniedException when the build names an artifact of an app the user may not use
   */
  default Build build(Build build, Predicate<AppName> mayUse, Consumer<String> progress) {
    return build(build, progress);
  }
}
