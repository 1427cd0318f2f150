package io.deis.scheduler.docker;

import io.deis.error.SchedulerException;
import io.deis.model.Installation;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ForwardingContainerRuntime;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The Docker runtime with faults on demand: {@code stop} or {@code destroy} of the containers a
 * predicate picks throws once each, as a daemon that times out or refuses would. The installation
 * it is started for is tracked for the test sweep.
 */
final class FailingRuntime extends ForwardingContainerRuntime {
  private volatile Predicate<String> failStop = id -> false;
  private volatile Predicate<String> failDestroy = id -> false;
  private final Set<String> failed = ConcurrentHashMap.newKeySet();
  private volatile Installation installation;

  FailingRuntime(ContainerRuntime delegate) {
    super(delegate);
  }

  /** From now on, the first stop of each container {@code ids} picks throws. */
  void failStop(Predicate<String> ids) {
    failStop = ids;
  }

  /** From now on, the first destroy of each container {@code ids} picks throws. */
  void failDestroy(Predicate<String> ids) {
    failDestroy = ids;
  }

  /** The ids whose operation was made to fail. */
  Set<String> failed() {
    return failed;
  }

  /** The installation the runtime was started for; null before. */
  Installation installation() {
    return installation;
  }

  @Override
  public void start(Installation installation) {
    this.installation = TestDocker.track(installation);
    super.start(installation);
  }

  @Override
  public void stop(String id, Duration grace) {
    if (failStop.test(id) && failed.add("stop " + id)) {
      throw new SchedulerException("injected: the daemon did not stop " + id);
    }
    super.stop(id, grace);
  }

  @Override
  public void destroy(String id) {
    if (failDestroy.test(id) && failed.add("destroy " + id)) {
      throw new SchedulerException("injected: the daemon did not remove " + id);
    }
    super.destroy(id);
  }
}
