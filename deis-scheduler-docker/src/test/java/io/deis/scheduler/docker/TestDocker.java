package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.deis.model.Installation;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeScheduler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Docker tests share: one client, the busybox stack image they build from scratch
 * (nothing is ever pulled), and the sweep that removes everything they made. Every scheduler a
 * test starts belongs to an installation made by {@link #newInstallation()}, and the sweep removes
 * exactly those installations' containers, networks and image tags, plus this run's stack image
 * tag: test runs of other people on the same daemon are never touched.
 */
public final class TestDocker {
  private static final Logger log = LoggerFactory.getLogger(TestDocker.class);
  /** The label on the test images themselves, so that the sweep finds them. */
  static final String TEST_LABEL = "io.deis.test";
  /** This test run's own tag of the stack image, so that a sweep of another run never removes it. */
  static final String STACK_IMAGE = "deis-jvm-test/busybox:" + UUID.randomUUID().toString().substring(0, 12);
  /** The installations of this test run: the only ones the sweep touches. */
  private static final Set<String> INSTALLATIONS = ConcurrentHashMap.newKeySet();

  private static DockerClient client;
  private static boolean stackBuilt;

  private TestDocker() {}

  static synchronized DockerClient client() {
    if (client == null) {
      client = DockerScheduler.newClient(DockerScheduler.clientConfig(null));
    }
    return client;
  }

  /** Timings as short as the contract's, for a quick suite. */
  static RuntimeScheduler.Options fastOptions() {
    return io.deis.scheduler.contract.SchedulerContract.fastOptions();
  }

  /** A new installation, recorded so that the sweep removes what it made. */
  public static Installation newInstallation() {
    Installation installation = Installation.generate();
    INSTALLATIONS.add(installation.id());
    return installation;
  }

  /** The installation of the schedulers this test run starts by itself. */
  static final Installation INSTALLATION = newInstallation();

  static DockerScheduler newScheduler() {
    return DockerScheduler.builder().stackImage(stackImage()).options(fastOptions()).build();
  }

  /** A scheduler started for {@link #INSTALLATION}. */
  static DockerScheduler startedScheduler() {
    DockerScheduler scheduler = newScheduler();
    scheduler.start(INSTALLATION);
    return scheduler;
  }

  /**
   * The stack image for Procfile builds: {@code FROM scratch} plus the static busybox of Debian's
   * busybox-static, installed as /bin/sh and friends. Built once per test run.
   */
  public static synchronized String stackImage() {
    if (stackBuilt) {
      return STACK_IMAGE;
    }
    Path busybox = busybox();
    try {
      Path context = Files.createTempDirectory("deis-stack-");
      Files.copy(busybox, context.resolve("busybox"));
      Files.writeString(context.resolve("Dockerfile"), """
          FROM scratch
          COPY busybox /bin/busybox
          RUN ["/bin/busybox", "--install", "-s", "/bin"]
          RUN mkdir -p /tmp && chmod 1777 /tmp
          """);
      client().buildImageCmd(context.toFile())
          .withTags(Set.of(STACK_IMAGE))
          .withLabels(Map.of(TEST_LABEL, "stack"))
          .withPull(false)
          .withForcerm(true)
          .exec(new BuildImageResultCallback())
          .awaitImageId(5, TimeUnit.MINUTES);
      Files.delete(context.resolve("busybox"));
      Files.delete(context.resolve("Dockerfile"));
      Files.delete(context);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the stack image's build context", e);
    }
    stackBuilt = true;
    return STACK_IMAGE;
  }

  private static Path busybox() {
    for (String candidate : List.of("/bin/busybox", "/usr/bin/busybox")) {
      Path p = Path.of(candidate);
      if (Files.isExecutable(p) && isStatic(p)) {
        return p;
      }
    }
    throw new IllegalStateException("the Docker tests need a static busybox at /bin/busybox to build their images "
        + "from scratch: install Debian's busybox-static (apt-get install busybox-static)");
  }

  /** A static ELF has no program interpreter; a dynamic busybox would not run in a scratch image. */
  private static boolean isStatic(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      String head = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.ISO_8859_1);
      return head.startsWith("\u007fELF") && !head.contains("/lib/ld-") && !head.contains("/lib64/ld-");
    } catch (IOException e) {
      return false;
    }
  }

  /** A source tree with {@code procfile} (and any other files), as a push would check it out. */
  public static Build sourceBuild(Path dir, AppName app, Procfile procfile, Optional<String> dockerfile, Map<String, String> files) {
    try {
      Path tree = Files.createDirectories(dir.resolve("src-" + UUID.randomUUID()));
      StringBuilder text = new StringBuilder();
      procfile.commands().forEach((type, command) -> text.append(type).append(": ").append(command).append('\n'));
      if (!procfile.isEmpty()) {
        Files.writeString(tree.resolve("Procfile"), text);
      }
      if (dockerfile.isPresent()) {
        Files.writeString(tree.resolve("Dockerfile"), dockerfile.get());
      }
      for (Map.Entry<String, String> f : files.entrySet()) {
        Files.writeString(tree.resolve(f.getKey()), f.getValue());
      }
      return new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.empty(), Optional.empty(),
          procfile, dockerfile, Optional.of(tree));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The web command of the tests: busybox httpd serving $GREETING at / (404 elsewhere) on $PORT. */
  public static String webCommand() {
    return "mkdir -p /tmp/www && echo \"$GREETING\" > /tmp/www/index.html && exec httpd -f -p \"$PORT\" -h /tmp/www";
  }

  /** Removes every container, network and image tag of this run's installations; this run's stack image tag too when {@code all}. */
  public static synchronized void sweep(boolean all) {
    DockerClient docker = client();
    try {
      for (var c : docker.listContainersCmd().withShowAll(true)
          .withLabelFilter(Map.of(Labels.HERITAGE, Labels.HERITAGE_VALUE)).exec()) {
        if (ours(c.getLabels())) {
          quietly(() -> docker.removeContainerCmd(c.getId()).withForce(true).exec());
        }
      }
      for (var n : docker.listNetworksCmd().exec()) {
        if (ours(n.getLabels())) {
          quietly(() -> docker.removeNetworkCmd(n.getId()).exec());
        }
      }
      for (Image image : docker.listImagesCmd().exec()) {
        for (String tag : image.getRepoTags() == null ? new String[0] : image.getRepoTags()) {
          boolean ours = INSTALLATIONS.stream().anyMatch(id -> tag.startsWith(DockerNames.REPOSITORY_ROOT + id + "/"));
          if (ours || all && tag.equals(STACK_IMAGE)) {
            quietly(() -> docker.removeImageCmd(tag).withForce(true).exec());
          }
        }
      }
      if (all) {
        stackBuilt = false;
      }
    } catch (DockerException e) {
      log.warn("sweep of the test apps failed: {}", e.getMessage());
    }
  }

  /** Whether the labels are those of an object of one of this run's installations. */
  private static boolean ours(Map<String, String> labels) {
    String installation = labels == null ? null : labels.get(Labels.INSTALLATION);
    return installation != null && Labels.HERITAGE_VALUE.equals(labels.get(Labels.HERITAGE)) && INSTALLATIONS.contains(installation);
  }

  /** Records an installation made elsewhere (a controller's store), so that the sweep removes what it made. */
  public static Installation track(Installation installation) {
    INSTALLATIONS.add(installation.id());
    return installation;
  }

  private static void quietly(Runnable r) {
    try {
      r.run();
    } catch (NotFoundException e) {
      // gone already
    } catch (DockerException e) {
      log.warn("sweep: {}", e.getMessage());
    }
  }
}
