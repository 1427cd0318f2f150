package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.PullResponseItem;
import io.deis.error.BuildException;
import io.deis.model.AppName;
import io.deis.model.Build;
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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
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
 * Built images are tagged {@code deis-jvm/<installation>/<app>:build-<sha or uuid>} and labelled
 * with the installation and the app; the runtime adds the release tag {@code :v<N>} when it
 * deploys them.
 *
 * <p>Tenant isolation ({@link ImageAccess}): an image deploy, a Dockerfile's {@code FROM},
 * {@code COPY --from} and {@code RUN --mount=from=} may name another app's image only when the
 * deploying user may use that app, and {@code ADD <url>} is refused unless the builder allows it.
 * Every image the Dockerfile names is checked (and pulled when missing) before the build starts,
 * and so are the {@code ONBUILD} triggers of the images it builds on.
 */
final class DockerImageBuilder implements ImageBuilder {
  private static final Logger log = LoggerFactory.getLogger(DockerImageBuilder.class);

  private final DockerClient docker;
  private final String stackImage;
  private final Duration pullTimeout;
  private final Duration buildTimeout;
  private final boolean allowRemoteAdd;
  private volatile DockerNames names;

  DockerImageBuilder(DockerClient docker, String stackImage, Duration pullTimeout, Duration buildTimeout, boolean allowRemoteAdd) {
    this.docker = docker;
    this.stackImage = stackImage;
    this.pullTimeout = pullTimeout;
    this.buildTimeout = buildTimeout;
    this.allowRemoteAdd = allowRemoteAdd;
  }

  /** Binds the builder to the installation whose images it makes. */
  void start(DockerNames installationNames) {
    this.names = installationNames;
  }

  /** Builds, allowing no other app's image than the build's own app's. */
  @Override
  public Build build(Build build, Consumer<String> progress) {
    return build(build, app -> app.equals(build.app()), progress);
  }

  @Override
  public Build build(Build build, Predicate<AppName> mayUse, Consumer<String> progress) {
    DockerNames names = this.names;
    if (names == null) {
      throw new IllegalStateException("the Docker scheduler is not started: call start(installation) first (the Controller does)");
    }
    ImageAccess access = new ImageAccess(names);
    if (build.sourceTree().isEmpty()) {
      String image = build.image().orElseThrow();
      access.checkName(image, "image", build, mayUse);
      progress.accept("-----> Using image " + image);
      access.checkLabels(ensurePresent(image, progress), image, "image", build, mayUse);
      return build;
    }
    Path tree = build.sourceTree().get();
    if (!Files.isDirectory(tree)) {
      throw new BuildException("the source tree " + tree + " of build " + build.uuid() + " is not a directory");
    }
    String tag = names.repository(build.app()) + ":build-" + build.sha().map(s -> s.substring(0, Math.min(12, s.length())))
        .orElse(build.uuid().replace("-", "").substring(0, Math.min(12, build.uuid().replace("-", "").length())));
    Path context = null;
    try {
      context = Files.createTempFile("deis-build-", ".tar");
      if (build.dockerfile().isPresent()) {
        checkDockerfile(build.dockerfile().get(), build, access, mayUse, progress);
        progress.accept("-----> Building Docker image " + tag + " from the Dockerfile");
        writeContext(context, tree, "", build.dockerfile().get());
      } else {
        ensurePresent(stackImage, progress);
        progress.accept("-----> Building " + tag + " on stack " + stackImage + " (Procfile: " + build.procfile().commands().keySet() + ")");
        // Under app/, so that nothing in the tree can shadow the generated Dockerfile.
        writeContext(context, tree, "app/", "FROM " + stackImage + "\nCOPY app/ /app/\nWORKDIR /app\n");
      }
      dockerBuild(context, tag, build, names, progress);
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

  /**
   * Refuses a Dockerfile that fetches from the network (unless allowed) or names an image of an
   * app the deploying user may not use, directly or through an {@code ONBUILD} trigger of an image
   * it builds on. Every image it names is on this host afterwards, so the build pulls nothing.
   */
  private void checkDockerfile(String text, Build build, ImageAccess access, Predicate<AppName> mayUse, Consumer<String> progress) {
    Dockerfile dockerfile = Dockerfile.parse(text);
    if (!allowRemoteAdd && !dockerfile.remoteSources().isEmpty()) {
      Dockerfile.RemoteSource add = dockerfile.remoteSources().get(0);
      throw new BuildException("ADD " + add.url() + " on line " + add.line() + " of the Dockerfile of " + build.app()
          + " fetches from the network, which this builder does not allow: add the file to the repository, "
          + "or have the platform's operator allow it (DockerScheduler.builder().allowRemoteAdd(true))");
    }
    for (Dockerfile.ImageUse use : dockerfile.images()) {
      String usedAs = use.instruction() + " image (line " + use.line() + " of the Dockerfile)";
      access.checkName(use.image(), usedAs, build, mayUse);
      InspectImageResponse image = ensurePresent(use.image(), progress);
      access.checkLabels(image, use.image(), usedAs, build, mayUse);
      List<String> triggers = image.getConfig() == null || image.getConfig().getOnBuild() == null
          ? List.of() : List.of(image.getConfig().getOnBuild());
      if (!triggers.isEmpty()) {
        Dockerfile onBuild = Dockerfile.parse(String.join("\n", triggers));
        if (!allowRemoteAdd && !onBuild.remoteSources().isEmpty()) {
          throw new BuildException("image " + use.image() + " (line " + use.line() + " of the Dockerfile) has an ONBUILD ADD "
              + onBuild.remoteSources().get(0).url() + ", which fetches from the network: this builder does not allow it");
        }
        for (Dockerfile.ImageUse trigger : onBuild.images()) {
          String via = "ONBUILD " + trigger.instruction() + " image of " + use.image();
          access.checkName(trigger.image(), via, build, mayUse);
          inspect(trigger.image()).ifPresent(i -> access.checkLabels(i, trigger.image(), via, build, mayUse));
        }
      }
    }
  }

  private Optional<InspectImageResponse> inspect(String image) {
    try {
      return Optional.of(docker.inspectImageCmd(image).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private void dockerBuild(Path context, String tag, Build build, DockerNames names, Consumer<String> progress) throws IOException {
    try (InputStream in = Files.newInputStream(context)) {
      BuildImageResultCallback callback = docker.buildImageCmd()
          .withTarInputStream(in)
          .withTags(Set.of(tag))
          .withLabels(Labels.forApp(names.installation(), build.app()))
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
  InspectImageResponse ensurePresent(String image, Consumer<String> progress) {
    Optional<InspectImageResponse> present = inspect(image);
    if (present.isPresent()) {
      return present.get();
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
      return docker.inspectImageCmd(image).exec();
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
