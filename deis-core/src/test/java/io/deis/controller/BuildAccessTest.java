package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.local.LocalRuntime;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ForwardingContainerRuntime;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller hands the image builder the deploying user's rights, so a builder can refuse other apps' artifacts. */
class BuildAccessTest {
  @TempDir
  Path tmp;

  @Test
  void theImageBuilderIsAskedWithTheDeployersRightsWhetherAnotherAppMayBeUsed() {
    Map<String, Boolean> answers = new TreeMap<>();
    List<String> asked = List.of("mine", "theirs", "shared", "missing");
    LocalRuntime local = new LocalRuntime(tmp.resolve("containers"));
    ImageBuilder recording = new ImageBuilder() {
      @Override
      public Build build(Build build, Consumer<String> progress) {
        return local.imageBuilder().build(build, progress);
      }

      @Override
      public Build build(Build build, Predicate<AppName> mayUse, Consumer<String> progress) {
        asked.forEach(app -> answers.put(build.owner() + " may use " + app, mayUse.test(AppName.of(app))));
        return build(build, progress);
      }
    };
    // Three users on the local runtime: trusted, as the controller asks of a runtime that does not isolate them.
    try (Controller deis = Controller.builder().trustedUsersOnly(true).dataDirectory(tmp.resolve("data")).passwordHashIterations(1000)
        .scheduler(new RuntimeScheduler(new WithBuilder(local, recording), SchedulerContract.fastOptions())).build()) {
      deis.register("admin", "admin-password", "");
      deis.register("alice", "alice-password", "");
      deis.register("bob", "bob-password", "");
      Session alice = deis.login("alice", "alice-password");
      Session bob = deis.login("bob", "bob-password");
      alice.createApp("mine");
      bob.createApp("theirs");
      bob.createApp("shared");
      bob.share("shared", "alice");
      GitRepos.commit(tmp.resolve("repo"), Map.of("Procfile", "worker: exec sleep 1000\n"));

      alice.deploy("mine", BuildSource.commit(tmp.resolve("repo"), "HEAD"));

      assertThat(answers).isEqualTo(Map.of(
          "alice may use mine", true,
          "alice may use shared", true,
          "alice may use theirs", false,
          "alice may use missing", false));
    }
  }

  /** A runtime that is {@code delegate} with another image builder. */
  private static final class WithBuilder extends ForwardingContainerRuntime {
    private final ImageBuilder builder;

    WithBuilder(ContainerRuntime delegate, ImageBuilder builder) {
      super(delegate);
      this.builder = builder;
    }

    @Override
    public ImageBuilder imageBuilder() {
      return builder;
    }
  }
}
