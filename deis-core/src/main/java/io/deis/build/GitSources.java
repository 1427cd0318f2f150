package io.deis.build;

import io.deis.error.BuildException;
import io.deis.error.DeisException;
import io.deis.model.Procfile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.LargeObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Reads a commit with JGit: its Procfile and Dockerfile, and its tree checked out into a
 * directory. Reads objects only, so it works on a bare repository and before any ref points
 * at the commit (a push that is still being checked).
 *
 * <p>The repository is not trusted. Before anything is written, every tree of the commit is
 * checked as git's fsck does (JGit's {@link ObjectChecker}: no {@code .}, {@code ..} or
 * {@code .git} in any case or disguise, no {@code /} or NUL inside a name, no duplicate or
 * unsorted entries) and every name and path against the file system's limits, and the checkout's
 * size is counted against {@link CheckoutLimits}: a bad tree is a {@link BuildException}, and
 * nothing is written outside the destination.
 */
public final class GitSources {
  /** The longest file name most file systems take (NAME_MAX), in bytes. */
  public static final int MAX_NAME_BYTES = 255;
  /** The longest path Linux takes (PATH_MAX), in bytes, relative to the checkout. */
  public static final int MAX_PATH_BYTES = 4096;
  /** The largest Procfile or Dockerfile read into memory. */
  public static final int MAX_DESCRIPTOR_BYTES = 64 * 1024;

  private GitSources() {}

  /**
   * How much one checkout may write: a small pack can describe a huge tree (one blob or subtree
   * named many times), so what is received is no bound on what is checked out.
   */
  public record CheckoutLimits(long files, long bytes) {
    /** 100,000 files and 1 GiB. */
    public static final CheckoutLimits DEFAULT = new CheckoutLimits(100_000, 1L << 30);

    public CheckoutLimits {
      if (files < 1 || bytes < 1) {
        throw new io.deis.error.InvalidInputException("checkout limits must be positive, not " + files + " files and " + bytes + " bytes");
      }
    }
  }

  /** What a commit holds, with its tree checked out at {@code tree}. */
  public record CheckedOut(String sha, Optional<String> procfileText, Optional<String> dockerfile, Path tree) {
    /** The commit's Procfile, parsed; a malformed one throws with its line number. */
    public Procfile procfile() {
      return procfileText.map(Procfile::parse).orElse(Procfile.EMPTY);
    }
  }

  /** {@link #checkout(Path, String, Path, CheckoutLimits)} with the {@link CheckoutLimits#DEFAULT default limits}. */
  public static CheckedOut checkout(Path repository, String revision, Path destination) {
    return checkout(repository, revision, destination, CheckoutLimits.DEFAULT);
  }

  /**
   * Checks {@code revision} of {@code repository} out into {@code destination}/{@code <sha>}
   * (reused if it is there already: a commit's tree never changes).
   *
   * @throws BuildException when the revision does not exist, a tree entry is unsafe or the checkout is over {@code limits}
   */
  public static CheckedOut checkout(Path repository, String revision, Path destination, CheckoutLimits limits) {
    Path[] started = new Path[1];
    try (Repository repo = open(repository); RevWalk walk = new RevWalk(repo)) {
      ObjectId id;
      try {
        id = repo.resolve(revision);
      } catch (RuntimeException e) { // JGit's RevisionSyntaxException and friends, for a malformed revision
        throw new BuildException("revision " + DeisException.quote(revision) + " is not a valid git revision: " + e.getMessage());
      }
      if (id == null) {
        throw new BuildException("revision " + DeisException.quote(revision) + " does not exist in " + repository);
      }
      RevCommit commit = walk.parseCommit(id);
      String sha = commit.getName();
      Path tree = destination.resolve(sha);
      Optional<String> procfileText = Optional.empty();
      Optional<String> dockerfile = Optional.empty();
      Path partial = destination.resolve(sha + ".partial");
      boolean writeTree = !Files.isDirectory(tree);
      try (ObjectReader reader = repo.newObjectReader()) {
        // Every entry is checked before the first file is written.
        new TreeCheck(reader, limits).tree(commit.getTree(), "");
        if (writeTree) {
          deleteRecursively(partial);
          Files.createDirectories(partial);
          started[0] = partial;
        }
        try (TreeWalk treeWalk = new TreeWalk(repo, reader)) {
          treeWalk.addTree(commit.getTree());
          treeWalk.setRecursive(true);
          while (treeWalk.next()) {
            String path = treeWalk.getPathString();
            FileMode mode = treeWalk.getFileMode(0);
            byte[] bytes = null;
            if (path.equals("Procfile") || path.equals("Dockerfile")) {
              long size = reader.getObjectSize(treeWalk.getObjectId(0), Constants.OBJ_BLOB);
              if (size > MAX_DESCRIPTOR_BYTES) {
                throw new BuildException("the " + path + " of " + sha.substring(0, 7) + " is " + size + " bytes: at most "
                    + MAX_DESCRIPTOR_BYTES + " are read");
              }
              bytes = reader.open(treeWalk.getObjectId(0)).getBytes();
              String text = new String(bytes, StandardCharsets.UTF_8);
              if (path.equals("Procfile")) {
                procfileText = Optional.of(text);
              } else {
                dockerfile = Optional.of(text);
              }
            }
            if (writeTree) {
              writeEntry(reader, treeWalk.getObjectId(0), mode, partial, path, bytes);
            }
          }
        }
      }
      if (writeTree) {
        Files.move(partial, tree, StandardCopyOption.ATOMIC_MOVE);
      }
      return new CheckedOut(sha, procfileText, dockerfile, tree);
    } catch (BuildException e) {
      deleteQuietly(started[0]);
      throw e;
    } catch (MissingObjectException | CorruptObjectException | LargeObjectException e) {
      throw new BuildException("revision " + DeisException.quote(revision) + " of " + repository + " cannot be read: " + e.getMessage());
    } catch (IOException e) {
      throw new BuildException("cannot read revision " + DeisException.quote(revision) + " of " + repository + ": " + e.getMessage());
    }
  }

  /** Removes the partial checkout a refused tree left, if it got that far. */
  private static void deleteQuietly(Path partial) {
    if (partial == null) {
      return;
    }
    try {
      deleteRecursively(partial);
    } catch (IOException e) {
      // best effort: the next checkout of the same sha starts by deleting its partial directory
    }
  }

  /**
   * Walks every tree of a commit once per distinct path, checking each tree object with git's
   * fsck rules and each name and path against the limits, and counting files and bytes.
   */
  private static final class TreeCheck {
    private final ObjectReader reader;
    private final CheckoutLimits limits;
    private final ObjectChecker checker = new ObjectChecker().setSafeForMacOS(true);
    private final Set<ObjectId> checkedTrees = new HashSet<>();
    private long files;
    private long bytes;

    TreeCheck(ObjectReader reader, CheckoutLimits limits) {
      this.reader = reader;
      this.limits = limits;
    }

    void tree(ObjectId id, String path) throws IOException {
      byte[] raw = reader.open(id, Constants.OBJ_TREE).getCachedBytes(Integer.MAX_VALUE);
      if (checkedTrees.add(id.copy())) {
        try {
          checker.checkTree(id, raw);
        } catch (CorruptObjectException e) {
          throw new BuildException("the commit's tree is unsafe to check out" + (path.isEmpty() ? "" : " at "
              + DeisException.quote(path)) + ": " + e.getMessage());
        }
      }
      CanonicalTreeParser entries = new CanonicalTreeParser();
      entries.reset(raw);
      for (; !entries.eof(); entries.next()) {
        byte[] name = new byte[entries.getNameLength()];
        entries.getName(name, 0);
        String entryPath = (path.isEmpty() ? "" : path + "/") + new String(name, 0, name.length, StandardCharsets.UTF_8);
        if (name.length > MAX_NAME_BYTES) {
          throw new BuildException("the commit's tree has a name of " + name.length + " bytes at " + DeisException.quote(entryPath)
              + ": at most " + MAX_NAME_BYTES + " are allowed");
        }
        if (entryPath.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
          throw new BuildException("the commit's tree has a path over " + MAX_PATH_BYTES + " bytes: " + DeisException.quote(entryPath));
        }
        FileMode mode = entries.getEntryFileMode();
        // Directories count as files: a tree naming one subtree many times, nested, is a bomb without any file.
        files++;
        if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE || mode == FileMode.SYMLINK) {
          bytes += reader.getObjectSize(entries.getEntryObjectId(), Constants.OBJ_BLOB);
        }
        if (files > limits.files() || bytes > limits.bytes()) {
          throw new BuildException("the commit's tree is too large to check out: over " + limits.files() + " files or "
              + limits.bytes() + " bytes (the checkout limits)");
        }
        if (mode == FileMode.TREE) {
          tree(entries.getEntryObjectId(), entryPath);
        }
      }
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

  /**
   * Writes one checked entry under {@code root}. The path was checked already; resolving it must
   * still land inside {@code root}, and no entry is written through a symbolic link another entry made.
   */
  private static void writeEntry(ObjectReader reader, ObjectId blob, FileMode mode, Path root, String path, byte[] known)
      throws IOException {
    Path file = root.resolve(path).normalize();
    if (!file.startsWith(root) || file.equals(root)) {
      throw new BuildException("the commit's tree names a path outside the checkout: " + DeisException.quote(path));
    }
    for (Path dir = file.getParent(); !dir.equals(root); dir = dir.getParent()) {
      if (Files.isSymbolicLink(dir)) {
        throw new BuildException("the commit's tree writes through a symbolic link: " + DeisException.quote(path));
      }
    }
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
    if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      com.google.common.io.MoreFiles.deleteRecursively(path, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }
}
