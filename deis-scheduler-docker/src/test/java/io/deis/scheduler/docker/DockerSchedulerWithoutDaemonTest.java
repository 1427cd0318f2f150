package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Errors that need no daemon: they name the address that did not answer, or the bad input. */
class DockerSchedulerWithoutDaemonTest {
  @Test
  void noDaemonAtTheAddressIsAClearError() {
    assertThatThrownBy(() -> DockerScheduler.builder().dockerHost("unix:///tmp/no-docker-daemon-here.sock").build())
        .isInstanceOf(SchedulerException.class)
        .hasMessageStartingWith("no Docker daemon answers at unix:///tmp/no-docker-daemon-here.sock: start one or set DOCKER_HOST");
  }

  @Test
  void badBuilderInputIsNamed() {
    assertThatThrownBy(() -> DockerScheduler.builder().dockerHost("/var/run/docker.sock"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'/var/run/docker.sock'");
    assertThatThrownBy(() -> DockerScheduler.builder().stackImage(" "))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("stack image is empty");
  }

  @Test
  void everyLimitIsBoundedAndARefusalNamesTheRange() {
    assertThatThrownBy(() -> DockerScheduler.builder().pidsLimit(8))
        .isInstanceOf(InvalidInputException.class).hasMessage("pidsLimit 8 is out of range: use 16 to 4194304");
    assertThatThrownBy(() -> DockerScheduler.builder().defaultMemoryLimit(1024))
        .isInstanceOf(InvalidInputException.class).hasMessage("defaultMemoryLimit 1024 is out of range: use 6291456 to 1099511627776");
    assertThatThrownBy(() -> DockerScheduler.builder().outputLimit(0))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("outputLimit 0 is out of range");
    assertThatThrownBy(() -> DockerScheduler.builder().logLinesLimit(2_000_000))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("logLinesLimit 2000000 is out of range");
    assertThatThrownBy(() -> DockerScheduler.builder().buildTimeout(Duration.ZERO))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("buildTimeout PT0S is out of range");
    assertThatThrownBy(() -> DockerScheduler.builder().pullTimeout(null))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("pullTimeout null is out of range");
  }

  @Test
  void capabilitiesAreNamedAsDockerSpellsThemAndUnknownOnesAreRefused() {
    DockerScheduler.builder().capabilities(Set.of("net_bind_service", "CAP_KILL"));
    DockerScheduler.builder().capabilities(Set.of());
    assertThatThrownBy(() -> DockerScheduler.builder().capabilities(Set.of("CAP_FLY")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("capability 'CAP_FLY' is not a Linux capability Docker knows: use names such as [CHOWN,");
    assertThatThrownBy(() -> DockerScheduler.builder().capabilities(Set.of("ALL")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'ALL'");
    assertThatThrownBy(() -> DockerScheduler.builder().capabilities(null))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("capabilities are null");
  }
}
