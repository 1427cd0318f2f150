package io.deis.scheduler;

import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The containers of one app in a {@link RuntimeScheduler}. {@link #operation} serializes the
 * scheduler's operations on the app (held for seconds while containers come up); the table itself
 * is guarded by this object's monitor, held only for an update, so crash reports get through
 * while an operation waits. Every state move is told to the scheduler's listeners.
 */
final class AppContainers {
  final AppName name;
  final ReentrantLock operation = new ReentrantLock();
  private final List<Slot> slots = new ArrayList<>();
  private final Listeners listeners;
  /** The release the app last deployed or reconciled to, for the readiness of containers started later. */
  private volatile Release release;

  AppContainers(AppName name, Listeners listeners) {
    this.name = name;
    this.listeners = listeners;
  }

  Optional<Release> release() {
    return Optional.ofNullable(release);
  }

  void release(Release current) {
    this.release = current;
  }

  /** A new container, pending until its deploy or scale accepts it. */
  synchronized Slot add(int release, ProcessType type, int num) {
    Slot slot = new Slot(Container.initialized("", name, type, num, release));
    slots.add(slot);
    return slot;
  }

  /** A container found in the runtime (left by an earlier scheduler), already accepted. */
  synchronized Slot adopt(Container container) {
    Slot slot = new Slot(container);
    slot.pending = false;
    slots.add(slot);
    listeners.changed(container);
    return slot;
  }

  /** Applies {@code change} to the slot's container and tells the listeners when its state moved. */
  void update(Slot slot, Function<Container, Container> change) {
    Container before;
    Container after;
    synchronized (this) {
      before = slot.container;
      after = change.apply(before);
      slot.container = after;
    }
    if (after.state() != before.state()) {
      listeners.changed(after);
    }
  }

  synchronized void remove(Slot slot) {
    slots.remove(slot);
  }

  synchronized boolean contains(Slot slot) {
    return slots.contains(slot);
  }

  synchronized List<Slot> all() {
    return List.copyOf(slots);
  }

  /** Every container not destroyed, sorted by type, number and release. */
  synchronized List<Slot> live() {
    return slots.stream()
        .filter(s -> s.container.state() != ContainerState.DESTROYED)
        .sorted(Comparator.comparing((Slot s) -> s.container.type()).thenComparingInt(s -> s.container.num())
            .thenComparingInt(s -> s.container.release()))
        .toList();
  }

  synchronized boolean isEmpty() {
    return slots.isEmpty();
  }
}
