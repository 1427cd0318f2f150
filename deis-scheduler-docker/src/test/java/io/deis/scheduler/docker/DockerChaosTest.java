package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.chaos.ChaosContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;

/**
 * Core's chaos run on the real Docker daemon: 100 operations (deploys that build images, config
 * changes, scales, rollbacks, restarts, destroys, controller restarts on the same store) at 10%
 * injected runtime faults and 5% container crashes, each followed by the check that what runs is
 * exactly what the store says. The seed is printed; {@code -Ddeis.chaos.seed} replays it.
 */
@RequiresDocker
class DockerChaosTest extends ChaosContract {
  private volatile FailingRuntime current;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Override
  protected Scheduler scheduler(Path workDir, UnaryOperator<ContainerRuntime> wrap) {
    return DockerScheduler.builder().stackImage(TestDocker.stackImage())
        .options(RuntimeScheduler.Options.defaults().withStopGrace(Duration.ofSeconds(2)).withDeployTimeout(Duration.ofSeconds(60))
            .withMinUptime(Duration.ofMillis(200)).withRestartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)))
        .runtimeWrapper(real -> wrap.apply(current = new FailingRuntime(real)))
        .build();
  }

  @Override
  protected int defaultOperations() {
    return 100;
  }

  /** The daemon itself has exactly the expected containers of the installation: none left over, none hidden. */
  @Override
  protected void assertNothingElseRuns(int expected) {
    var containers = TestDocker.client().listContainersCmd().withShowAll(true)
        .withLabelFilter(Labels.forInstallation(current.installation())).exec();
    assertThat(containers).as("the installation's containers on the daemon")
        .filteredOn(c -> !ProcessType.RUN.value().equals(c.getLabels().get(Labels.TYPE)))
        .hasSize(expected);
  }
}
