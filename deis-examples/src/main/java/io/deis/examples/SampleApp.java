package io.deis.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/** The sample web app shipped in this module's resources, written out as a git repository with one commit. */
public final class SampleApp {
  private static final List<String> FILES = List.of("Hello.java", "Procfile");

  private SampleApp() {}

  /** Writes the sample app into {@code dir}, commits it, and returns the commit's sha. */
  public static String writeRepository(Path dir) {
    try {
      Files.createDirectories(dir);
      for (String name : FILES) {
        try (InputStream in = SampleApp.class.getResourceAsStream("/sample-app/" + name)) {
          if (in == null) {
            throw new IllegalStateException("sample-app/" + name + " is missing from the classpath");
          }
          Files.write(dir.resolve(name), in.readAllBytes());
        }
      }
      try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("master").call()) {
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("Deis Quickstart", "quickstart@example.com");
        return git.commit().setMessage("Sample app").setAuthor(who).setCommitter(who).call().getName();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sample app to " + dir, e);
    } catch (GitAPIException e) {
      throw new IllegalStateException("cannot commit the sample app in " + dir, e);
    }
  }
}
