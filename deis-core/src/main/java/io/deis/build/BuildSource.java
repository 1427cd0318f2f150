package io.deis.build;

import io.deis.error.DeisException;
import io.deis.error.InvalidInputException;
import io.deis.model.Procfile;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Where a build comes from: a git commit (what {@code git push} delivers) or a ready image. */
public sealed interface BuildSource {

  /**
   * A commit of a git repository (bare or not). Its tree is checked out for the backend;
   * its Procfile and Dockerfile are read from the commit, not from any working tree. Every tree
   * entry is checked before anything is written (no {@code ..}, no {@code .git}, no absolute or
   * over-long names), so a hostile repository cannot write outside the build's directory.
   */
  record GitCommit(Path repository, String revision) implements BuildSource {
    /** The longest revision accepted: a full sha is 40 characters; a ref name rarely needs more. */
    public static final int MAX_REVISION_LENGTH = 256;

    public GitCommit {
      if (repository == null) {
        throw new InvalidInputException("git repository is missing (null): give the path of a repository");
      }
      if (revision == null || revision.isBlank() || revision.length() > MAX_REVISION_LENGTH
          || revision.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
        throw new InvalidInputException("git revision " + DeisException.quote(revision)
            + " is invalid: give a sha, a branch or HEAD (at most " + MAX_REVISION_LENGTH + " characters, no spaces)");
      }
    }
  }

  /**
   * A ready image; its Procfile, when given, names process types other than {@code cmd}. The
   * reference follows Docker's grammar: {@code [registry[:port]/]name[:tag][@sha256:digest]}, with
   * a lowercase name.
   */
  record Image(String reference, Procfile procfile) implements BuildSource {
    /** Docker refuses longer references. */
    public static final int MAX_REFERENCE_LENGTH = 255;
    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern REFERENCE = Pattern.compile(
        "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?/)?"
            + COMPONENT + "(?:/" + COMPONENT + ")*"
            + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
            + "(?:@sha256:[a-f0-9]{64})?");

    public Image {
      if (reference == null || reference.length() > MAX_REFERENCE_LENGTH || !REFERENCE.matcher(reference).matches()) {
        throw new InvalidInputException("image reference " + DeisException.quote(reference)
            + " is invalid: use [registry/]name[:tag][@sha256:digest] with a lowercase name, for example deis/example-go:latest");
      }
      if (procfile == null) {
        throw new InvalidInputException("the Procfile of image " + reference + " is missing (null): use Procfile.EMPTY for none");
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
