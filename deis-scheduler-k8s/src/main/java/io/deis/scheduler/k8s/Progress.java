package io.deis.scheduler.k8s;

/** Where a wait stands after the latest watch event: still waiting (and for what), done, or failed (and why). */
record Progress(State state, String detail) {
  enum State { WAITING, DONE, FAILED }

  static Progress waiting(String forWhat) {
    return new Progress(State.WAITING, forWhat);
  }

  static Progress done() {
    return new Progress(State.DONE, "done");
  }

  static Progress failed(String why) {
    return new Progress(State.FAILED, why);
  }

  boolean decided() {
    return state != State.WAITING;
  }
}
