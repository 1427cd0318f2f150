package io.deis.model;

import java.time.Instant;
import java.util.OptionalInt;

/**
 * One recorded move of a container, so that {@code ps} can say why a container is where it is.
 *
 * @param cause what made the move: "create", "start", "stop", "restart", "crashed", "exited", "destroy", ...
 * @param exitCode the process's exit code when the move was a crash or an exit
 */
public record StateChange(ContainerState from, ContainerState to, Instant at, String cause, OptionalInt exitCode) {
  @Override
  public String toString() {
    return from + " -> " + to + " (" + cause + (exitCode.isPresent() ? ", exit code " + exitCode.getAsInt() : "") + ") at " + at;
  }
}
