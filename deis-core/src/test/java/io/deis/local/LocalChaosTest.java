package io.deis.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.chaos.ChaosContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** The chaos run on the local runtime: 1,000 operations at 10% injected faults. */
class LocalChaosTest extends ChaosContract {
  @Override
  protected Scheduler scheduler(Path workDir, UnaryOperator<ContainerRuntime> wrap) {
    return new RuntimeScheduler(wrap.apply(LocalRuntime.builder().workDirectory(workDir).build()),
        RuntimeScheduler.Options.defaults().withStopGrace(Duration.ofSeconds(2)).withDeployTimeout(Duration.ofSeconds(20))
            .withMinUptime(Duration.ofMillis(100)).withRestartBackoff(Duration.ofMillis(50), Duration.ofMillis(400)));
  }

  @Override
  protected int defaultOperations() {
    return 1000;
  }

  /** Every container is one `sleep` process of this JVM (the command execs it): no more may run. */
  @Override
  protected void assertNothingElseRuns(int expected) {
    long sleeps = ProcessHandle.current().descendants()
        .filter(p -> ProcessGroups.running(p.pid()))
        .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false))
        .count();
    assertThat(sleeps).as("sleep processes of this JVM").isEqualTo(expected);
  }
}
