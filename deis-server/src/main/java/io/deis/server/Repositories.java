package io.deis.server;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.model.AppName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The bare repositories, one per app: {@code <root>/<app>.git}. */
final class Repositories {
  private static final Logger log = LoggerFactory.getLogger(Repositories.class);

  private final Path root;
  private final Map<AppName, ReentrantLock> pushLocks = new ConcurrentHashMap<>();

  Repositories(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  void createRoot() throws IOException {
    Files.createDirectories(root);
  }

  /**
   * The repository of an app. App names are lowercase letters, digits and dashes, so the path
   * cannot leave the root; the check below keeps that true should the rule ever loosen.
   */
  Path pathOf(AppName app) {
    Path path = root.resolve(app.value() + Constants.DOT_GIT_EXT).normalize();
    if (!path.getParent().equals(root)) {
      throw new IllegalArgumentException("repository of app '" + app + "' would lie outside " + root);
    }
    return path;
  }

  /** Creates the app's bare repository unless it exists; returns its path. */
  synchronized Path create(AppName app) {
    Path path = pathOf(app);
    if (Files.exists(path.resolve("HEAD"))) {
      return path;
    }
    try (Repository repo = FileRepositoryBuilder.create(path.toFile())) {
      repo.create(true);
      StoredConfig config = repo.getConfig();
      // Git's own fsck on receive: trees naming '.git' or '..' and malformed objects are refused.
      config.setBoolean("receive", null, "fsckObjects", true);
      // Deleting the deployed branch would leave the app running code no ref points at.
      config.setBoolean("receive", null, "denyDeletes", true);
      config.save();
      log.info("created repository {} for app {}", path, app);
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the repository of app '" + app + "' at " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * For a newly created app: a repository already at its path is left over from an app of the
   * same name destroyed while no server listened, and its refs must not leak into the new app.
   */
  synchronized Path recreate(AppName app) {
    if (Files.exists(pathOf(app))) {
      log.info("replacing the leftover repository of an earlier app named {}", app);
      delete(app);
    }
    return create(app);
  }

  synchronized void delete(AppName app) {
    Path path = pathOf(app);
    try {
      if (Files.exists(path)) {
        MoreFiles.deleteRecursively(path, RecursiveDeleteOption.ALLOW_INSECURE);
        log.info("deleted repository {} of destroyed app {}", path, app);
      }
    } catch (IOException e) {
      log.warn("could not delete the repository of destroyed app {} at {}: {}", app, path, e.toString());
    }
    pushLocks.remove(app);
  }

  /** One push at a time per app: the receive, the build and the deploy happen under it. */
  ReentrantLock pushLock(AppName app) {
    return pushLocks.computeIfAbsent(app, a -> new ReentrantLock(true));
  }
}
