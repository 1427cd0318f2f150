package io.deis.server.api;

import io.deis.error.DeisException;
import java.util.Map;

/**
 * An error of the HTTP exchange itself (an unknown path, a method a path does not take, a body
 * too large, too many login attempts), answered with its status and a DRF-style body.
 */
final class HttpError extends DeisException {
  private final int status;
  private final Map<String, String> headers;
  private final String bodyKey;

  HttpError(int status, String detail) {
    this(status, detail, Map.of());
  }

  HttpError(int status, String detail, Map<String, String> headers) {
    this(status, "detail", detail, headers);
  }

  /** An error whose body names it under another key than {@code detail} (the original's version check said {@code error}). */
  HttpError(int status, String bodyKey, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.bodyKey = bodyKey;
    this.headers = Map.copyOf(headers);
  }

  String bodyKey() {
    return bodyKey;
  }

  @Override
  public int httpStatus() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }
}
