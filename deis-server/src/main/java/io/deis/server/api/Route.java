package io.deis.server.api;

import java.util.Map;
import java.util.Set;

/**
 * One endpoint: a method and a path template under {@code /v1/} ({@code apps/{app}/config}),
 * whether it needs a token, which body fields it takes, and the endpoint itself.
 */
final class Route {
  /** The work of one endpoint: one call of the controller or of the caller's session. */
  @FunctionalInterface
  interface Endpoint {
    Reply handle(Call call);
  }

  final String method;
  final String[] segments;
  final Endpoint endpoint;
  boolean open;
  boolean rateLimited;
  boolean slashRequired;
  /** null: any field (the body's keys are data). */
  Set<String> fields = Set.of();

  Route(String method, String template, Endpoint endpoint) {
    this.method = method;
    this.segments = template.isEmpty() ? new String[0] : template.split("/");
    this.endpoint = endpoint;
  }

  /** No token needed (register, login). */
  Route open() {
    this.open = true;
    return this;
  }

  /** Counted against the per-client login rate. */
  Route rateLimited() {
    this.rateLimited = true;
    return this;
  }

  /** Matched only with the trailing slash, as the original's {@code auth/login/} and {@code auth/tokens/}. */
  Route slashRequired() {
    this.slashRequired = true;
    return this;
  }

  Route accepts(String... names) {
    this.fields = Set.of(names);
    return this;
  }

  Route acceptsAnyField() {
    this.fields = null;
    return this;
  }

  /** The path parameters when {@code path} (split, without {@code /v1/} and the trailing slash) fits this template. */
  Map<String, String> match(String[] path, boolean trailingSlash) {
    if (path.length != segments.length || slashRequired && !trailingSlash) {
      return null;
    }
    Map<String, String> params = null;
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.startsWith("{")) {
        if (path[i].isEmpty()) {
          return null;
        }
        if (params == null) {
          params = new java.util.HashMap<>(4);
        }
        params.put(s.substring(1, s.length() - 1), path[i]);
      } else if (!s.equals(path[i])) {
        return null;
      }
    }
    return params == null ? Map.of() : params;
  }

  String describe() {
    return method + " /v1/" + String.join("/", segments) + (segments.length == 0 ? "" : "/");
  }
}
