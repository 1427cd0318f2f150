package io.deis.build;

import io.deis.error.InvalidInputException;
import io.deis.model.Procfile;
import java.nio.file.Path;

/** Where a build comes from: a git commit (what {@code git push} delivers) or a ready image. */
public sealed interface BuildSource {

  /**
   * A commit of a git repository (bare or not). Its tree is checked out for the backend;
   * its Procfile and Dockerfile are read from the commit, not from any working tree.
   */
  record GitCommit(Path repository, String revision) implements BuildSource {
    public GitCommit {
      if (revision == null || revision.isBlank()) {
        throw new InvalidInputException("git revision is empty: give a sha, a branch or HEAD");
      }
    }
  }

  /** A ready image; its Procfile, when given, names process types other than {@code cmd}. */
  record Image(String reference, Procfile procfile) implements BuildSource {
    public Image {
      if (reference == null || reference.isBlank() || reference.chars().anyMatch(Character::isWhitespace)) {
        throw new InvalidInputException("image reference '" + reference + "' is invalid: use name[:tag], for example deis/example-go:latest");
      }
    }
  }

  static BuildSource commit(Path repository, String revision) {
    return new GitCommit(repository, revision);
  }

  static BuildSource image(String reference) {
    return new Image(reference, Procfile.EMPTY);
  }
}
