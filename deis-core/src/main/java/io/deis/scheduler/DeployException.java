package io.deis.scheduler;

import io.deis.error.SchedulerException;

/** A deploy's new containers did not come up; the app's previous containers kept running. */
public class DeployException extends SchedulerException {
  public DeployException(String message) {
    super(message);
  }

  public DeployException(String message, Throwable cause) {
    super(message, cause);
  }
}
