package io.deis.scheduler.k8s;

import java.time.Instant;
import java.util.Optional;

/**
 * Where a wait stands after the latest watch event: still waiting (and for what), done, or failed
 * (and why). A waiting progress may name when it must be judged again even if no event comes
 * (a health check's time is up), so the wait's watch ends then.
 */
record Progress(State state, String detail, Optional<Instant> recheckAt, Optional<FailedPod> failedPod) {
  /** The pod that failed a wait, and the container name it had: its last output explains the failure. */
  record FailedPod(String pod, String container) {}

  enum State { WAITING, DONE, FAILED }

  static Progress waiting(String forWhat) {
    return new Progress(State.WAITING, forWhat, Optional.empty(), Optional.empty());
  }

  static Progress waiting(String forWhat, Optional<Instant> recheckAt) {
    return new Progress(State.WAITING, forWhat, recheckAt, Optional.empty());
  }

  static Progress done() {
    return new Progress(State.DONE, "done", Optional.empty(), Optional.empty());
  }

  static Progress failed(String why) {
    return new Progress(State.FAILED, why, Optional.empty(), Optional.empty());
  }

  static Progress failed(String why, String pod, String container) {
    return new Progress(State.FAILED, why, Optional.empty(), Optional.of(new FailedPod(pod, container)));
  }

  boolean decided() {
    return state != State.WAITING;
  }
}
