package io.deis.scheduler;

import io.deis.model.Container;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link SchedulerListener}s of a scheduler; one listener's failure never stops the others or the scheduler. */
public final class Listeners {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);
  private final List<SchedulerListener> listeners = new CopyOnWriteArrayList<>();

  public void add(SchedulerListener listener) {
    listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  /** Removes {@code listener}; does nothing for one never added. */
  public void remove(SchedulerListener listener) {
    listeners.remove(listener);
  }

  public void changed(Container c) {
    each(c, SchedulerListener::changed, "changed");
  }

  public void ready(Container c) {
    each(c, SchedulerListener::ready, "ready");
  }

  public void retiring(Container c) {
    each(c, SchedulerListener::retiring, "retiring");
  }

  private void each(Container c, BiConsumer<SchedulerListener, Container> call, String what) {
    for (SchedulerListener listener : listeners) {
      try {
        call.accept(listener, c);
      } catch (RuntimeException e) {
        log.warn("scheduler listener {} failed on {} of {}", listener, what, c.jobName(), e);
      }
    }
  }
}
