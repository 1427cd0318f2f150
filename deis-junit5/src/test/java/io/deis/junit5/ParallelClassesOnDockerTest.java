package io.deis.junit5;

import io.deis.scheduler.docker.RequiresDocker;
import org.junit.jupiter.api.Test;

/** {@link ParallelClassesTest} on Docker. */
@RequiresDocker
class ParallelClassesOnDockerTest {
  @Test
  void parallelClassesOnDockerNeverTouchEachOthersApps() {
    ParallelClassesTest.runInParallel("docker");
  }
}
