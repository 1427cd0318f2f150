package io.deis.scheduler.docker;

import io.deis.error.SchedulerException;
import io.deis.model.Installation;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.ImageBuilder;
import io.deis.scheduler.LogLine;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeContainer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The Docker runtime with faults on demand: {@code stop} or {@code destroy} of the containers a
 * predicate picks throws once each, as a daemon that times out or refuses would. The installation
 * it is started for is tracked for the test sweep.
 */
final class FailingRuntime implements ContainerRuntime {
  private final ContainerRuntime delegate;
  private volatile Predicate<String> failStop = id -> false;
  private volatile Predicate<String> failDestroy = id -> false;
  private final Set<String> failed = ConcurrentHashMap.newKeySet();
  private volatile Installation installation;

  FailingRuntime(ContainerRuntime delegate) {
    this.delegate = delegate;
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
    delegate.start(installation);
  }

  @Override
  public ImageBuilder imageBuilder() {
    return delegate.imageBuilder();
  }

  @Override
  public String create(ContainerSpec spec) {
    return delegate.create(spec);
  }

  @Override
  public void start(String id) {
    delegate.start(id);
  }

  @Override
  public void stop(String id, Duration grace) {
    if (failStop.test(id) && failed.add("stop " + id)) {
      throw new SchedulerException("injected: the daemon did not stop " + id);
    }
    delegate.stop(id, grace);
  }

  @Override
  public void destroy(String id) {
    if (failDestroy.test(id) && failed.add("destroy " + id)) {
      throw new SchedulerException("injected: the daemon did not remove " + id);
    }
    delegate.destroy(id);
  }

  @Override
  public Optional<RuntimeContainer> inspect(String id) {
    return delegate.inspect(id);
  }

  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
    return delegate.list(labels);
  }

  @Override
  public List<LogLine> logs(String id, int lines) {
    return delegate.logs(id, lines);
  }

  @Override
  public RunResult run(ContainerSpec spec, Duration timeout) {
    return delegate.run(spec, timeout);
  }

  @Override
  public void addExitListener(ExitListener listener) {
    delegate.addExitListener(listener);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
