package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
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
    assertThatThrownBy(() -> DockerScheduler.builder().defaultPort(70000))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> DockerScheduler.builder().stackImage(" "))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("stack image is empty");
  }
}
