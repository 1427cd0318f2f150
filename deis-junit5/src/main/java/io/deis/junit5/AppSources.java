package io.deis.junit5;

import io.deis.build.BuildSource;
import io.deis.error.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * Turns a user's app directory into what {@code git push} would deliver: a commit of its files
 * in a repository of the session's own. The directory is copied first (without any {@code .git}),
 * so nothing is ever written into it and a repository it may sit in is never touched; {@code git
 * add} then honours its {@code .gitignore} and keeps file modes, as a push would.
 */
final class AppSources {
  private static final PersonIdent AUTHOR = new PersonIdent("deis-junit5", "deis-junit5@localhost");

  private AppSources() {}

  /** Commits the files of {@code directory} into a new repository at {@code repository}; returns its HEAD. */
  static BuildSource commit(Path directory, Path repository) {
    if (!Files.isDirectory(directory)) {
      throw new InvalidInputException("app directory " + directory.toAbsolutePath() + " does not exist or is not a directory: "
          + "give the directory that holds the app's Procfile or Dockerfile");
    }
    try {
      copy(directory, repository);
      try (Git git = Git.init().setDirectory(repository.toFile()).setInitialBranch("main").call()) {
        git.add().addFilepattern(".").call();
        git.commit().setMessage("deis-junit5: " + directory.toAbsolutePath()).setAuthor(AUTHOR).setCommitter(AUTHOR)
            .setSign(false).setAllowEmpty(true).call();
      }
      return BuildSource.commit(repository, "HEAD");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the app directory " + directory.toAbsolutePath() + " to commit it", e);
    } catch (GitAPIException e) {
      throw new IllegalStateException("cannot commit the app directory " + directory.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  /** Copies the tree without {@code .git}; links are copied as links, never followed. */
  private static void copy(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(from) && dir.getFileName().toString().equals(".git")) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Files.createDirectories(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (file.getFileName().toString().equals(".git")) {
          return FileVisitResult.CONTINUE; // a worktree's .git file
        }
        Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
