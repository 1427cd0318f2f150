package io.deis.model;

import io.deis.error.IllegalStateTransitionException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The five states of a container, exactly as the Deis glossary names them. The legal moves:
 * <pre>
 *   initialized -> created          (create)
 *   created     -> up               (start)
 *   up          -> down             (stop, crash or exit)
 *   down        -> up               (start again, with a fresh filesystem)
 *   created     -> destroyed        (destroy)
 *   down        -> destroyed        (destroy)
 * </pre>
 * Destroying an {@code up} container is done as two moves (stop, then destroy), never one.
 */
public enum ContainerState {
  /** Before the container is created. */
  INITIALIZED,
  /** Built and ready for operation. */
  CREATED,
  /** Running. */
  UP,
  /** Crashed or stopped. */
  DOWN,
  /** Destroyed; final. */
  DESTROYED;

  public Set<ContainerState> next() {
    return switch (this) {
      case INITIALIZED -> EnumSet.of(CREATED);
      case CREATED -> EnumSet.of(UP, DESTROYED);
      case UP -> EnumSet.of(DOWN);
      case DOWN -> EnumSet.of(UP, DESTROYED);
      case DESTROYED -> EnumSet.noneOf(ContainerState.class);
    };
  }

  public boolean canMoveTo(ContainerState to) {
    return next().contains(to);
  }

  /** Throws, naming the container, both states and why, unless {@code this -> to} is a legal move. */
  public void checkMove(String container, ContainerState to) {
    if (canMoveTo(to)) {
      return;
    }
    String why = switch (this) {
      case DESTROYED -> "a destroyed container is gone for good";
      case UP -> to == ContainerState.DESTROYED ? "an up container must be stopped (moved to down) first" : "a running container can only go down";
      case INITIALIZED -> "it has not been created yet";
      default -> "the legal moves from " + this + " are " + next();
    };
    throw new IllegalStateTransitionException(container, this, to, why);
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
