package io.deis.error;

/** A scheduler backend could not do what was asked: containers failed to create, start, stop or pass their checks. */
public class SchedulerException extends DeisException {
  public SchedulerException(String message) {
    super(message);
  }

  public SchedulerException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int httpStatus() {
    return 503;
  }
}
