package io.deis.scheduler.chaos;

import io.deis.error.SchedulerException;
import io.deis.scheduler.ContainerRuntime;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.ForwardingContainerRuntime;
import io.deis.scheduler.RuntimeContainer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ContainerRuntime} that misbehaves on purpose, as the original Deis's chaos scheduler
 * did: it wraps a real runtime and, driven by a seeded random source, fails create, start, stop,
 * destroy, inspect and list with a given probability (sometimes before the real call, sometimes
 * after it succeeded, as a lost answer would), adds delays, and crashes containers some time
 * after they start. The same seed and the same calls give the same faults.
 *
 * <p>A crash is a real stop of the container followed by an exit report with code 137, exactly
 * what a runtime reports for a process killed behind its back.
 */
public final class FaultInjectingRuntime extends ForwardingContainerRuntime {
  /** The operations faults can hit. */
  public enum Op { CREATE, START, STOP, DESTROY, INSPECT, LIST }

  private final Random random;
  private final double failure;
  private final double crash;
  private final Duration maxDelay;
  private final List<ExitListener> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService crasher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "chaos-crasher");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong injected = new AtomicLong();
  private volatile boolean paused;

  /**
   * @param failure the probability that one operation fails, 0 to 1
   * @param crash the probability that a started container crashes within a second
   * @param maxDelay the longest delay added to an operation (a uniform random part of it)
   */
  public FaultInjectingRuntime(ContainerRuntime delegate, long seed, double failure, double crash, Duration maxDelay) {
    super(delegate);
    this.random = new Random(seed);
    this.failure = failure;
    this.crash = crash;
    this.maxDelay = maxDelay;
    delegate.addExitListener((id, code) -> listeners.forEach(l -> l.exited(id, code)));
  }

  /** Stops injecting anything (a check that needs the truth); {@link #resume()} starts again. */
  public void pause() {
    paused = true;
  }

  public void resume() {
    paused = false;
  }

  /** How many faults were injected so far. */
  public long injected() {
    return injected.get();
  }

  /** The wrapped runtime, for checks that must not meet a fault. */
  @Override
  public ContainerRuntime delegate() {
    return super.delegate();
  }

  @Override
  public String create(ContainerSpec spec) {
    boolean after = chaos(Op.CREATE);
    String id = delegate().create(spec);
    lostAnswer(after, Op.CREATE);
    return id;
  }

  @Override
  public void start(String id) {
    boolean after = chaos(Op.START);
    delegate().start(id);
    if (!paused && roll(crash)) {
      long in = 100 + (long) (draw() * 900);
      crasher.schedule(() -> {
        if (delegate().inspect(id).map(RuntimeContainer::running).orElse(false)) {
          delegate().stop(id, Duration.ZERO);
          listeners.forEach(l -> l.exited(id, 137));
        }
      }, in, TimeUnit.MILLISECONDS);
    }
    lostAnswer(after, Op.START);
  }

  @Override
  public void stop(String id, Duration grace) {
    boolean after = chaos(Op.STOP);
    delegate().stop(id, grace);
    lostAnswer(after, Op.STOP);
  }

  @Override
  public void destroy(String id) {
    boolean after = chaos(Op.DESTROY);
    delegate().destroy(id);
    lostAnswer(after, Op.DESTROY);
  }

  @Override
  public Optional<RuntimeContainer> inspect(String id) {
    boolean after = chaos(Op.INSPECT);
    Optional<RuntimeContainer> found = delegate().inspect(id);
    lostAnswer(after, Op.INSPECT);
    return found;
  }

  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
    boolean after = chaos(Op.LIST);
    List<RuntimeContainer> found = delegate().list(labels);
    lostAnswer(after, Op.LIST);
    return found;
  }

  @Override
  public void addExitListener(ExitListener listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    crasher.shutdownNow();
    super.close();
  }

  /** Delays, then maybe fails now; returns true when the call should fail after the real one (a lost answer). */
  private boolean chaos(Op op) {
    if (paused) {
      return false;
    }
    long delay = (long) (draw() * maxDelay.toMillis());
    if (delay > 0) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchedulerException("interrupted during injected delay of " + op);
      }
    }
    if (!roll(failure)) {
      return false;
    }
    if (roll(0.5)) {
      injected.incrementAndGet();
      throw new SchedulerException("injected fault: " + op.name().toLowerCase() + " failed");
    }
    return true;
  }

  private void lostAnswer(boolean after, Op op) {
    if (after) {
      injected.incrementAndGet();
      throw new SchedulerException("injected fault: " + op.name().toLowerCase() + " succeeded but its answer was lost");
    }
  }

  private synchronized double draw() {
    return random.nextDouble();
  }

  private boolean roll(double probability) {
    return draw() < probability;
  }
}
