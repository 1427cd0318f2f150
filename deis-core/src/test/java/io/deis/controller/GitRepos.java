package io.deis.controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/** Makes real git repositories with JGit for tests: write files, commit, return the sha. */
final class GitRepos {
  private GitRepos() {}

  static String commit(Path repo, Map<String, String> files) {
    try {
      Files.createDirectories(repo);
      try (Git git = Files.isDirectory(repo.resolve(".git")) ? Git.open(repo.toFile()) : Git.init().setDirectory(repo.toFile()).call()) {
        for (Map.Entry<String, String> file : files.entrySet()) {
          Path path = repo.resolve(file.getKey());
          Files.createDirectories(path.getParent());
          Files.writeString(path, file.getValue());
        }
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("Tester", "tester@example.com");
        return git.commit().setMessage("test commit").setAuthor(who).setCommitter(who).call().getName();
      }
    } catch (IOException | GitAPIException e) {
      throw new IllegalStateException("cannot commit to " + repo, e);
    }
  }
}
