package io.deis.model;

import com.google.common.collect.ImmutableSortedSet;
import io.deis.error.InvalidInputException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.SortedSet;

/**
 * What a push (or an image deploy) produced. One of three kinds:
 * <ul>
 *   <li>an image build: {@code image} given, no source;
 *   <li>a Dockerfile build: source with a Dockerfile; the backend builds {@code image} from it;
 *   <li>a Procfile build: source without a Dockerfile; run as processes on a stack image
 *       (Docker) or straight from the checked-out tree (local runtime).
 * </ul>
 *
 * @param sha the git commit the build came from, when it came from git
 * @param image the runnable image, once a backend has one (empty for local Procfile builds)
 * @param sourceTree the checked-out source, kept for backends that run or build from it
 */
public record Build(
    String uuid,
    AppName app,
    String owner,
    Instant created,
    Optional<String> sha,
    Optional<String> image,
    Procfile procfile,
    Optional<String> dockerfile,
    Optional<Path> sourceTree) {

  public Build {
    if (image.isEmpty() && sourceTree.isEmpty()) {
      throw new InvalidInputException("a build needs an image or a source tree");
    }
  }

  /** True when the build's default process is an image's own command: image and Dockerfile builds. */
  public boolean hasImageDefaultCommand() {
    return dockerfile.isPresent() || sourceTree.isEmpty();
  }

  /** The process types a formation may name: the Procfile's, plus {@code cmd} for image and Dockerfile builds. */
  public SortedSet<ProcessType> processTypes() {
    ImmutableSortedSet.Builder<ProcessType> types = ImmutableSortedSet.naturalOrder();
    types.addAll(procfile.commands().keySet());
    if (hasImageDefaultCommand()) {
      types.add(ProcessType.CMD);
    }
    return types.build();
  }

  /**
   * The shell command a container of {@code type} runs, or empty for the image's default command
   * ({@code cmd} without a Procfile entry).
   */
  public Optional<String> command(ProcessType type) {
    Optional<String> declared = procfile.command(type);
    if (declared.isPresent() || type.equals(ProcessType.CMD) && hasImageDefaultCommand()) {
      return declared;
    }
    throw new InvalidInputException("Container type " + type + " does not exist in application " + app
        + ": the build declares " + processTypes());
  }

  /**
   * The formation Deis starts on an app's first build: web=1 when the Procfile has web, else cmd=1
   * for image and Dockerfile builds. A Procfile build without web starts nothing: Deis's cmd=1
   * would name a type such a build does not have, so the owner scales the types they want.
   */
  public Formation defaultFormation() {
    if (procfile.declares(ProcessType.WEB)) {
      return Formation.of(ProcessType.WEB, 1);
    }
    return hasImageDefaultCommand() ? Formation.of(ProcessType.CMD, 1) : Formation.EMPTY;
  }

  /** Deis's short form of what was deployed: the first 7 characters of the sha, or the image. */
  public String shortDescription() {
    return sha.map(s -> s.substring(0, Math.min(7, s.length()))).or(() -> image).orElseGet(() -> uuid.substring(0, Math.min(7, uuid.length())));
  }

  public Build withImage(String builtImage) {
    return new Build(uuid, app, owner, created, sha, Optional.of(builtImage), procfile, dockerfile, sourceTree);
  }
}
