package io.deis.build;

import io.deis.error.BuildException;
import io.deis.model.Procfile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Reads a commit with JGit: its Procfile and Dockerfile, and its tree checked out into a
 * directory. Reads objects only, so it works on a bare repository and before any ref points
 * at the commit (a push that is still being checked).
 */
public final class GitSources {
  private GitSources() {}

  /** What a commit holds, with its tree checked out at {@code tree}. */
  public record CheckedOut(String sha, Optional<String> procfileText, Optional<String> dockerfile, Path tree) {
    /** The commit's Procfile, parsed; a malformed one throws with its line number. */
    public Procfile procfile() {
      return procfileText.map(Procfile::parse).orElse(Procfile.EMPTY);
    }
  }

  /**
   * Checks {@code revision} of {@code repository} out into {@code destination}/{@code <sha>}
   * (reused if it is there already: a commit's tree never changes).
   */
  public static CheckedOut checkout(Path repository, String revision, Path destination) {
    try (Repository repo = open(repository); RevWalk walk = new RevWalk(repo)) {
      ObjectId id = repo.resolve(revision);
      if (id == null) {
        throw new BuildException("revision '" + revision + "' does not exist in " + repository);
      }
      RevCommit commit = walk.parseCommit(id);
      String sha = commit.getName();
      Path tree = destination.resolve(sha);
      Optional<String> procfileText = Optional.empty();
      Optional<String> dockerfile = Optional.empty();
      Path partial = destination.resolve(sha + ".partial");
      boolean writeTree = !Files.isDirectory(tree);
      if (writeTree) {
        deleteRecursively(partial);
        Files.createDirectories(partial);
      }
      try (TreeWalk treeWalk = new TreeWalk(repo); ObjectReader reader = repo.newObjectReader()) {
        treeWalk.addTree(commit.getTree());
        treeWalk.setRecursive(true);
        while (treeWalk.next()) {
          String path = treeWalk.getPathString();
          FileMode mode = treeWalk.getFileMode(0);
          byte[] bytes = null;
          if (path.equals("Procfile") || path.equals("Dockerfile")) {
            bytes = reader.open(treeWalk.getObjectId(0)).getBytes();
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (path.equals("Procfile")) {
              procfileText = Optional.of(text);
            } else {
              dockerfile = Optional.of(text);
            }
          }
          if (writeTree) {
            writeEntry(reader, treeWalk.getObjectId(0), mode, partial.resolve(path), bytes);
          }
        }
      }
      if (writeTree) {
        Files.move(partial, tree, StandardCopyOption.ATOMIC_MOVE);
      }
      return new CheckedOut(sha, procfileText, dockerfile, tree);
    } catch (IOException e) {
      throw new BuildException("cannot read revision '" + revision + "' of " + repository + ": " + e.getMessage());
    }
  }

  private static Repository open(Path repository) throws IOException {
    FileRepositoryBuilder builder = new FileRepositoryBuilder().setMustExist(true);
    Path dotGit = repository.resolve(Constants.DOT_GIT);
    if (Files.isDirectory(dotGit)) {
      builder.setGitDir(dotGit.toFile());
    } else {
      builder.setGitDir(repository.toFile());
    }
    try {
      return builder.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new BuildException(repository + " is not a git repository: " + e.getMessage());
    }
  }

  private static void writeEntry(ObjectReader reader, ObjectId blob, FileMode mode, Path file, byte[] known) throws IOException {
    Files.createDirectories(file.getParent());
    if (mode == FileMode.SYMLINK) {
      String target = new String(reader.open(blob).getBytes(), StandardCharsets.UTF_8);
      Files.createSymbolicLink(file, Path.of(target));
      return;
    }
    if (mode == FileMode.GITLINK) {
      return; // submodules are not part of the pushed tree
    }
    if (known != null) {
      Files.write(file, known);
    } else {
      try (OutputStream out = Files.newOutputStream(file)) {
        reader.open(blob).copyTo(out);
      }
    }
    if (mode == FileMode.EXECUTABLE_FILE) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  static void deleteRecursively(Path path) throws IOException {
    if (Files.exists(path)) {
      com.google.common.io.MoreFiles.deleteRecursively(path, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }
}
