package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image tags of an installation's apps: {@code deis-jvm/<installation>/<app>:build-...} made by
 * the builder, and {@code :v<release>} added here when a release's first container is created, so
 * that {@code docker images} says which image each release runs. Only this installation's
 * repositories are ever listed or untagged.
 */
final class ReleaseImages {
  private static final Logger log = LoggerFactory.getLogger(ReleaseImages.class);

  private final DockerClient docker;
  private final DockerNames names;
  /** Release tag to the image it was last tagged from, so each release is tagged once. */
  private final Map<String, String> tagged = new ConcurrentHashMap<>();

  ReleaseImages(DockerClient docker, DockerNames names) {
    this.docker = docker;
    this.names = names;
  }

  /** Tags {@code built} as the release's image and returns the tag. */
  String tag(AppName app, String release, String built) {
    String repository = names.repository(app);
    String tag = repository + ":v" + release;
    String previous = tagged.computeIfAbsent(tag, t -> {
      tagImage(built, repository, release, app);
      return built;
    });
    if (!previous.equals(built)) {
      // Another build was tagged for this release number (an app of the same name, destroyed and created again).
      tagImage(built, repository, release, app);
      tagged.put(tag, built);
    }
    return tag;
  }

  private void tagImage(String built, String repository, String release, AppName app) {
    try {
      docker.tagImageCmd(built, repository, "v" + release).withForce(true).exec();
    } catch (NotFoundException e) {
      throw new SchedulerException("image " + built + " of " + app + " v" + release
          + " is not on this Docker host: build it through DockerScheduler.imageBuilder() first");
    }
  }

  /** Removes every tag of the app's repository; the image data goes when no other tag (a stack or user image) names it. */
  void removeAll(AppName app) {
    String repository = names.repository(app);
    for (Image image : docker.listImagesCmd().withReferenceFilter(repository).exec()) {
      for (String tag : image.getRepoTags() == null ? new String[0] : image.getRepoTags()) {
        if (tag.startsWith(repository + ":")) {
          try {
            docker.removeImageCmd(tag).exec();
          } catch (NotFoundException e) {
            // gone already
          } catch (ConflictException e) {
            log.warn("{}: image {} is still in use, left in place: {}", app, tag, e.getMessage());
          }
        }
      }
    }
    tagged.keySet().removeIf(k -> k.startsWith(repository + ":"));
  }

  /** The apps this installation has image tags of. */
  Set<AppName> apps() {
    String root = names.repositories();
    Set<AppName> apps = new TreeSet<>();
    for (Image image : docker.listImagesCmd().withReferenceFilter(root + "*").exec()) {
      for (String tag : image.getRepoTags() == null ? new String[0] : image.getRepoTags()) {
        if (tag.startsWith(root)) {
          String component = tag.substring(root.length(), tag.contains(":") ? tag.lastIndexOf(':') : tag.length());
          DockerNames.appOf(component).ifPresent(apps::add);
        }
      }
    }
    return apps;
  }
}
