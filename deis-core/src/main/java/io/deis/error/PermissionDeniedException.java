package io.deis.error;

/** An authenticated caller tried something they are not allowed to do. */
public class PermissionDeniedException extends DeisException {
  /** Deis's exact words for a refused app operation. */
  public static final String DEFAULT_MESSAGE = "You do not have permission to perform this action.";

  public PermissionDeniedException() {
    super(DEFAULT_MESSAGE);
  }

  public PermissionDeniedException(String message) {
    super(message);
  }

  @Override
  public int httpStatus() {
    return 403;
  }
}
