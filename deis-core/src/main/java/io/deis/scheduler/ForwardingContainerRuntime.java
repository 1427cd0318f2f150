package io.deis.scheduler;

import io.deis.model.Installation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link ContainerRuntime} that passes every call to another one, for wrappers that change a
 * few calls (inject faults, count, keep the runtime open past its scheduler) and must leave the
 * rest as they are: override only those. Every method forwards, the defaults of the interface
 * included, so a wrapper never answers in its own name what the runtime it wraps would answer
 * otherwise (a wrapped local runtime still does not isolate tenants).
 */
public abstract class ForwardingContainerRuntime implements ContainerRuntime {
  private final ContainerRuntime delegate;

  protected ForwardingContainerRuntime(ContainerRuntime delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The runtime every call goes to. */
  protected ContainerRuntime delegate() {
    return delegate;
  }

  @Override
  public void start(Installation installation) {
    delegate.start(installation);
  }

  @Override
  public ImageBuilder imageBuilder() {
    return delegate.imageBuilder();
  }

  @Override
  public boolean isolatesTenants() {
    return delegate.isolatesTenants();
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
    delegate.stop(id, grace);
  }

  @Override
  public void destroy(String id) {
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
