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
  /** The cause of a move to down when the process ended on its own with a non-zero code. */
  public static final String CRASHED = "crashed";
  /** The cause of a move to down when the process ended on its own with code 0. */
  public static final String EXITED = "exited";

  /** The down move of a process that ended on its own with {@code exitCode}: crashed, or exited for 0. */
  public static String endedOnItsOwn(int exitCode) {
    return exitCode == 0 ? EXITED : CRASHED;
  }

  /**
   * True when this is a move to down that nobody asked for: the process crashed or exited on its
   * own, rather than being stopped by the platform. The one place that rule lives.
   */
  public boolean unasked() {
    return to == ContainerState.DOWN && (cause.equals(CRASHED) || cause.equals(EXITED));
  }

  @Override
  public String toString() {
    return from + " -> " + to + " (" + cause + (exitCode.isPresent() ? ", exit code " + exitCode.getAsInt() : "") + ") at " + at;
  }
}
