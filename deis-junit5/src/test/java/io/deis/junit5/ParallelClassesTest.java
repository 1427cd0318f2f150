package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.controller.Session;
import io.deis.model.ContainerState;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test classes running in parallel (JUnit's parallel mode) never touch each other's apps: three
 * classes deploy an app of the same name at once, and each changes, scales and reads only its
 * own. The classes wait for each other inside their tests, so the three apps run at the same time.
 * On the local runtime here; {@link ParallelClassesOnDockerTest} on Docker.
 */
class ParallelClassesTest {
  static volatile CountDownLatch allUp = new CountDownLatch(3);

  abstract static class Twin {
    @RegisterExtension
    static final DeisExtension deis = DeisExtension.builder().docker(Apps::busyboxStack).build();

    abstract DeisApp app();

    @Test
    void seesOnlyItsOwnApp() throws InterruptedException {
      String me = getClass().getSimpleName();
      Session session = app().session();
      assertThat(Apps.get(app().url())).isEqualTo(me);
      allUp.countDown();
      assertThat(allUp.await(3, TimeUnit.MINUTES)).as("the three classes run at the same time").isTrue();

      assertThat(app().name()).isEqualTo("twin");
      assertThat(session.apps()).singleElement().satisfies(a -> assertThat(a.name().value()).isEqualTo("twin"));
      session.setConfig("twin", Map.of("GREETING", me + "-2"));
      session.scale("twin", "web=2");
      assertThat(session.ps("twin")).filteredOn(c -> c.state() == ContainerState.UP).hasSize(2);
      assertThat(Apps.get(app().url())).isEqualTo(me + "-2");
      assertThat(session.logs("twin", 100)).noneMatch(line -> line.contains("Twin") && !line.contains(me));
    }
  }

  @RunByUserRun
  static class TwinA extends Twin {
    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(Apps.procfileApp()).withName("twin").withConfig("GREETING", "TwinA");

    @Override
    DeisApp app() {
      return app;
    }
  }

  @RunByUserRun
  static class TwinB extends Twin {
    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(Apps.procfileApp()).withName("twin").withConfig("GREETING", "TwinB");

    @Override
    DeisApp app() {
      return app;
    }
  }

  @RunByUserRun
  static class TwinC extends Twin {
    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(Apps.procfileApp()).withName("twin").withConfig("GREETING", "TwinC");

    @Override
    DeisApp app() {
      return app;
    }
  }

  /** Runs the three classes in parallel on {@code backend} and checks each passed and nothing is left. */
  static void runInParallel(String backend) {
    allUp = new CountDownLatch(3);
    var before = FailureMessageTest.sessions();
    Map<String, String> parameters = new HashMap<>(Apps.parameters());
    parameters.put(DeisExtension.BACKEND_PROPERTY, backend);
    parameters.put("junit.jupiter.execution.parallel.enabled", "true");
    parameters.put("junit.jupiter.execution.parallel.mode.default", "same_thread");
    parameters.put("junit.jupiter.execution.parallel.mode.classes.default", "concurrent");
    parameters.put("junit.jupiter.execution.parallel.config.strategy", "fixed");
    parameters.put("junit.jupiter.execution.parallel.config.fixed.parallelism", "3");

    UserRun run = UserRun.of(parameters, TwinA.class, TwinB.class, TwinC.class);

    assertThat(run.tests()).as("%s", run).hasSize(3);
    assertThat(run.failures()).as("%s", run).isEmpty();
    assertThat(FailureMessageTest.sessions()).isEqualTo(before);
  }

  @Test
  void parallelClassesOnTheLocalRuntimeNeverTouchEachOthersApps() {
    runInParallel("local");
  }
}
