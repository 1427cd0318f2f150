package io.deis.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.BuildException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Repositories that did not come through the git server's fsck: trees written with JGit's
 * low-level ObjectInserter and TreeFormatter, naming entries git itself would never write. Each is
 * a BuildException before anything is written, inside or outside the build directory.
 */
class HostileRepositoryTest {
  @TempDir
  Path tmp;
  Path repoDir;
  Path builds;

  @BeforeEach
  void setUp() throws IOException {
    repoDir = tmp.resolve("hostile.git");
    // The build directory is deep inside tmp, so an escape (../..) would land in tmp, where the test looks.
    builds = Files.createDirectories(tmp.resolve("data").resolve("builds").resolve("app"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", ".", ".git", ".GIT", ".Git", "../../escaped", "/tmp/absolute", "a/b", ".g\u200cit", "x\u0000y"})
  void aTreeEntryGitsFsckRefusesIsABuildExceptionAndNothingIsWritten(String name) throws Exception {
    String sha = commit(Map.of(name, blob("pwned"), "Procfile", blob("web: exec sleep 1\n")));

    assertThatThrownBy(() -> GitSources.checkout(repoDir, sha, builds)).isInstanceOf(BuildException.class)
        .hasMessageContaining("the commit's tree is unsafe to check out");
    assertNothingWritten();
  }

  @Test
  void anUnsafeNameDeepInASubtreeIsFoundToo() throws Exception {
    ObjectId inner = tree(Map.of("..", blob("pwned")));
    String sha = commit(Map.of("Procfile", blob("web: exec sleep 1\n"), "sub", inner));

    assertThatThrownBy(() -> GitSources.checkout(repoDir, sha, builds)).isInstanceOf(BuildException.class)
        .hasMessageContaining("at 'sub'");
    assertNothingWritten();
  }

  @Test
  void overLongNamesAreRefused() throws Exception {
    String sha = commit(Map.of("n".repeat(300), blob("long")));
    assertThatThrownBy(() -> GitSources.checkout(repoDir, sha, builds)).isInstanceOf(BuildException.class)
        .hasMessageContaining("a name of 300 bytes").hasMessageContaining("at most 255");
    assertNothingWritten();
  }

  @Test
  void aSmallRepositoryThatNamesAHugeTreeIsRefusedBeforeAnythingIsWritten() throws Exception {
    // Seven levels of ten entries that all name the same subtree: a few hundred bytes of objects, ten million files.
    ObjectId level = blob("x");
    for (int depth = 0; depth < 7; depth++) {
      Map<String, ObjectId> entries = new LinkedHashMap<>();
      for (int i = 0; i < 10; i++) {
        entries.put("d" + i, level);
      }
      level = tree(entries);
    }
    String sha = commitTree(level);

    assertThatThrownBy(() -> GitSources.checkout(repoDir, sha, builds, new GitSources.CheckoutLimits(10_000, 1L << 30)))
        .isInstanceOf(BuildException.class).hasMessageContaining("too large to check out: over 10000 files");
    assertNothingWritten();
  }

  @Test
  void anOversizedProcfileIsABuildExceptionNotJGitsLargeObjectException() throws Exception {
    String sha = commit(Map.of("Procfile", blob("web: x\n" + "#".repeat(100_000))));
    assertThatThrownBy(() -> GitSources.checkout(repoDir, sha, builds)).isInstanceOf(BuildException.class)
        .hasMessageContaining("at most 65536 are read");
  }

  @Test
  void anOrdinaryTreeIsCheckedOutAsBefore() throws Exception {
    ObjectId inner = tree(Map.of("app.sh", blob("echo hi\n")));
    String sha = commit(Map.of("Procfile", blob("web: sh bin/app.sh\n"), "bin", inner));
    GitSources.CheckedOut out = GitSources.checkout(repoDir, sha, builds);
    assertThat(out.tree()).isEqualTo(builds.resolve(sha));
    assertThat(Files.readString(out.tree().resolve("bin/app.sh"))).isEqualTo("echo hi\n");
    assertThat(out.procfile().commands()).hasSize(1);
  }

  private void assertNothingWritten() throws IOException {
    try (Stream<Path> all = Files.walk(tmp)) {
      assertThat(all.filter(p -> !p.startsWith(repoDir)).filter(Files::isRegularFile).toList())
          .as("files written outside the repository").isEmpty();
    }
    try (Stream<Path> left = Files.list(builds)) {
      assertThat(left.toList()).as("checkouts left").isEmpty();
    }
  }

  // ---------------------------------------------------------------- writing raw objects

  private Repository repo() throws IOException {
    Repository repo = new FileRepositoryBuilder().setGitDir(repoDir.toFile()).build();
    if (!Files.exists(repoDir)) {
      repo.create(true);
    }
    return repo;
  }

  private ObjectId blob(String text) throws IOException {
    try (Repository repo = repo(); ObjectInserter ins = repo.newObjectInserter()) {
      ObjectId id = ins.insert(Constants.OBJ_BLOB, text.getBytes(StandardCharsets.UTF_8));
      ins.flush();
      return id;
    }
  }

  /** A tree of blobs and trees (by whether the id names a tree), entries in git's order for the names given. */
  private ObjectId tree(Map<String, ObjectId> entries) throws IOException {
    try (Repository repo = repo(); ObjectInserter ins = repo.newObjectInserter()) {
      TreeFormatter tree = new TreeFormatter();
      entries.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
        boolean isTree = isTree(repo, e.getValue());
        tree.append(e.getKey(), isTree ? FileMode.TREE : FileMode.REGULAR_FILE, e.getValue());
      });
      ObjectId id = ins.insert(tree);
      ins.flush();
      return id;
    }
  }

  private static boolean isTree(Repository repo, ObjectId id) {
    try {
      return repo.open(id).getType() == Constants.OBJ_TREE;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private String commit(Map<String, ObjectId> entries) throws IOException {
    return commitTree(tree(entries));
  }

  private String commitTree(ObjectId tree) throws IOException {
    try (Repository repo = repo(); ObjectInserter ins = repo.newObjectInserter()) {
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(tree);
      PersonIdent who = new PersonIdent("Mallory", "mallory@example.com");
      commit.setAuthor(who);
      commit.setCommitter(who);
      commit.setMessage("hostile\n");
      ObjectId id = ins.insert(commit);
      ins.flush();
      return id.name();
    }
  }
}
