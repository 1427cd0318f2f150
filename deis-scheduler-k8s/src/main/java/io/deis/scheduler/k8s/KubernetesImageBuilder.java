package io.deis.scheduler.k8s;

import io.deis.error.BuildException;
import io.deis.model.Build;
import io.deis.scheduler.ImageBuilder;
import java.util.function.Consumer;

/**
 * Kubernetes runs images; it has nowhere to build one from a source tree. Image builds pass
 * through unchanged; source-only builds are refused with what to do instead.
 */
final class KubernetesImageBuilder implements ImageBuilder {
  @Override
  public Build build(Build build, Consumer<String> progress) {
    if (build.image().isPresent()) {
      progress.accept("-----> Kubernetes will pull image " + build.image().get());
      return build;
    }
    throw new BuildException("build " + build.shortDescription() + " of app " + build.app()
        + " has a source tree but no image: the Kubernetes backend runs image builds only. Build the image with "
        + "the Docker backend's builder, push it to a registry the cluster can pull from, and deploy that image");
  }
}
