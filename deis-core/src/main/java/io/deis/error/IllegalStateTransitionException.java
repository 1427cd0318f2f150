package io.deis.error;

import io.deis.model.ContainerState;

/** A container was asked to move between two states the lifecycle does not connect. */
public class IllegalStateTransitionException extends DeisException {
  private final ContainerState from;
  private final ContainerState to;

  public IllegalStateTransitionException(String container, ContainerState from, ContainerState to, String why) {
    super("container " + container + " cannot move from " + from + " to " + to + ": " + why);
    this.from = from;
    this.to = to;
  }

  public ContainerState from() {
    return from;
  }

  public ContainerState to() {
    return to;
  }

  @Override
  public int httpStatus() {
    return 409;
  }
}
