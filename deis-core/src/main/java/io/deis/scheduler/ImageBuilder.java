package io.deis.scheduler;

import io.deis.model.Build;
import java.util.function.Consumer;

/**
 * A backend's builder: makes a {@link Build} runnable on that backend. The Docker backend builds
 * an image from the source tree; the local runtime runs the checked-out tree as it is.
 */
public interface ImageBuilder {
  /**
   * Returns {@code build}, with {@link Build#image()} set when this builder made an image.
   *
   * @param progress receives one line at a time, as the build goes, for the pusher's terminal
   * @throws io.deis.error.BuildException when the build fails; the message says why
   */
  Build build(Build build, Consumer<String> progress);
}
