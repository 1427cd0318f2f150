package io.deis.scheduler.docker;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Installation;
import io.deis.model.Procfile;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.contract.ExecutingSchedulerContract;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The whole scheduler contract, on a real Docker daemon: every release is a real image build on the busybox stack. */
@RequiresDocker
class DockerSchedulerContractTest extends ExecutingSchedulerContract {
  private static final Logger log = LoggerFactory.getLogger(DockerSchedulerContractTest.class);

  @TempDir
  Path sources;

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Override
  protected Scheduler newScheduler() {
    return TestDocker.newScheduler();
  }

  @Override
  protected Build runnableBuild(AppName app, Procfile procfile) {
    Build source = TestDocker.sourceBuild(sources, app, procfile, Optional.empty(), Map.of());
    return scheduler.imageBuilder().build(source, log::debug);
  }

  /** An installation of this test run, so that the sweep removes what the test leaves. */
  @Override
  protected Installation installation() {
    return TestDocker.newInstallation();
  }

  @Override
  protected Commands commands() {
    return new Commands(TestDocker.webCommand(), "exec sleep 1000", "exit 3", "sleep 2; exit 3");
  }
}
