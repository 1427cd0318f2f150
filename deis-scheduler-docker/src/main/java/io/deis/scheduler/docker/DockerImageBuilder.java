package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.PullResponseItem;
import io.deis.error.BuildException;
import io.deis.model.Build;
import io.deis.model.Installation;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an image of each build kind, the way Deis's builder did:
 * <ul>
 *   <li>Dockerfile build: {@code docker build} with the pushed tree as the context;
 *   <li>Procfile build: the tree copied to {@code /app} of the stack image ({@code WORKDIR /app}),
 *       each process type's command later run through {@code /bin/sh -c};
 *   <li>image build: the image is used as it is, pulled first when this host lacks it.
 * </ul>
 * Built images are tagged {@code deis-jvm/<app>:build-<sha or uuid>}; the runtime adds the
 * release tag {@code deis-jvm/<app>:v<N>} when it deploys them.
 */
final class DockerImageBuilder implements ImageBuilder {
  private static final Logger log = LoggerFactory.getLogger(DockerImageBuilder.class);
  static final String REPOSITORY_PREFIX = "deis-jvm/";

  private final DockerClient docker;
  private final String stackImage;
  private final Duration pullTimeout;
  private final Duration buildTimeout;
  private volatile Installation installation;

  void installation(Installation owner) {
    this.installation = owner;
  }

  DockerImageBuilder(DockerClient docker, String stackImage, Duration pullTimeout, Duration buildTimeout) {
    this.docker = docker;
    this.stackImage = stackImage;
    this.pullTimeout = pullTimeout;
    this.buildTimeout = buildTimeout;
  }

  static String repository(io.deis.model.AppName app) {
    return REPOSITORY_PREFIX + app.value();
  }

  @Override
  public Build build(Build build, Consumer<String> progress) {
    if (build.sourceTree().isEmpty()) {
      String image = build.image().orElseThrow();
      progress.accept("-----> Using image " + image);
      ensurePresent(image, progress);
      return build;
    }
    Path tree = build.sourceTree().get();
    if (!Files.isDirectory(tree)) {
      throw new BuildException("the source tree " + tree + " of build " + build.uuid() + " is not a directory");
    }
    String tag = repository(build.app()) + ":build-" + build.sha().map(s -> s.substring(0, Math.min(12, s.length())))
        .orElse(build.uuid().replace("-", "").substring(0, Math.min(12, build.uuid().replace("-", "").length())));
    Path context = null;
    try {
      context = Files.createTempFile("deis-build-", ".tar");
      if (build.dockerfile().isPresent()) {
        progress.accept("-----> Building Docker image " + tag + " from the Dockerfile");
        writeContext(context, tree, "", build.dockerfile().get());
      } else {
        ensurePresent(stackImage, progress);
        progress.accept("-----> Building " + tag + " on stack " + stackImage + " (Procfile: " + build.procfile().commands().keySet() + ")");
        // Under app/, so that nothing in the tree can shadow the generated Dockerfile.
        writeContext(context, tree, "app/", "FROM " + stackImage + "\nCOPY app/ /app/\nWORKDIR /app\n");
      }
      dockerBuild(context, tag, build, progress);
      progress.accept("-----> Built " + tag);
      return build.withImage(tag);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the build context of " + build.app() + " from " + tree, e);
    } finally {
      if (context != null) {
        try {
          Files.deleteIfExists(context);
        } catch (IOException e) {
          log.warn("could not delete build context {}: {}", context, e.toString());
        }
      }
    }
  }

  private void dockerBuild(Path context, String tag, Build build, Consumer<String> progress) throws IOException {
    try (InputStream in = Files.newInputStream(context)) {
      BuildImageResultCallback callback = docker.buildImageCmd()
          .withTarInputStream(in)
          .withTags(Set.of(tag))
          .withLabels(Labels.forApp(installation, build.app()))
          .withPull(false)
          .withForcerm(true)
          .exec(new BuildImageResultCallback() {
            @Override
            public void onNext(BuildResponseItem item) {
              if (item.getStream() != null) {
                item.getStream().lines().filter(l -> !l.isBlank()).forEach(progress);
              }
              super.onNext(item);
            }
          });
      callback.awaitImageId(buildTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (DockerClientException | DockerException e) {
      throw new BuildException("docker build of " + build.app() + " (build " + build.uuid() + ") failed: " + e.getMessage());
    }
  }

  /** Makes sure {@code image} is on this host: pulls it when missing, and fails clearly instead of waiting forever. */
  void ensurePresent(String image, Consumer<String> progress) {
    try {
      docker.inspectImageCmd(image).exec();
      return;
    } catch (NotFoundException e) {
      // pulled below
    }
    progress.accept("-----> Pulling " + image);
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    boolean tagged = colon > slash && !image.contains("@");
    String repository = tagged ? image.substring(0, colon) : image;
    String tag = tagged ? image.substring(colon + 1) : image.contains("@") ? null : "latest";
    try {
      var pull = docker.pullImageCmd(repository);
      if (tag != null) {
        pull = pull.withTag(tag);
      }
      boolean done = pull.exec(new PullImageResultCallback() {
        @Override
        public void onNext(PullResponseItem item) {
          if (item.getStatus() != null && item.getId() == null) {
            progress.accept(item.getStatus());
          }
          super.onNext(item);
        }
      }).awaitCompletion(pullTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        throw new BuildException("image " + image + " is not on this Docker host, and pulling it did not finish within "
            + pullTimeout.toSeconds() + "s");
      }
      docker.inspectImageCmd(image).exec();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildException("interrupted while pulling image " + image);
    } catch (DockerClientException | DockerException e) {
      throw new BuildException("image " + image + " is not on this Docker host and cannot be pulled: " + e.getMessage());
    }
  }

  /**
   * Writes the build context: the tree (without .git) under {@code prefix}, with file modes kept so
   * that executable scripts stay executable, and {@code dockerfile} as the context's Dockerfile.
   */
  private static void writeContext(Path tar, Path tree, String prefix, String dockerfile) throws IOException {
    try (OutputStream file = Files.newOutputStream(tar); TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      Files.walkFileTree(tree, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          if (!dir.equals(tree) && dir.getFileName().toString().equals(".git")) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          String name = prefix + tree.relativize(dir).toString().replace('\\', '/');
          if (!name.isEmpty()) {
            TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
            entry.setMode(040000 | mode(dir));
            out.putArchiveEntry(entry);
            out.closeArchiveEntry();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String name = prefix + tree.relativize(file).toString().replace('\\', '/');
          if (prefix.isEmpty() && name.equals("Dockerfile")) {
            return FileVisitResult.CONTINUE; // written below from the build's own Dockerfile
          }
          if (attrs.isSymbolicLink()) {
            TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            link.setLinkName(Files.readSymbolicLink(file).toString());
            out.putArchiveEntry(link);
            out.closeArchiveEntry();
            return FileVisitResult.CONTINUE;
          }
          TarArchiveEntry entry = new TarArchiveEntry(name);
          entry.setSize(attrs.size());
          entry.setMode(0100000 | mode(file));
          out.putArchiveEntry(entry);
          Files.copy(file, out);
          out.closeArchiveEntry();
          return FileVisitResult.CONTINUE;
        }
      });
      byte[] bytes = dockerfile.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry entry = new TarArchiveEntry("Dockerfile");
      entry.setSize(bytes.length);
      entry.setMode(0100644);
      out.putArchiveEntry(entry);
      out.write(bytes);
      out.closeArchiveEntry();
      out.finish();
    }
  }

  private static int mode(Path path) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
      int mode = 0;
      for (PosixFilePermission p : perms) {
        mode |= 1 << (8 - p.ordinal());
      }
      return mode;
    } catch (UnsupportedOperationException | IOException e) {
      return Files.isDirectory(path) ? 0755 : Files.isExecutable(path) ? 0755 : 0644;
    }
  }
}
