package io.deis.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** What an endpoint answers: a status, and a JSON body, a text body or none. */
record Reply(int status, JsonNode json, String text, Map<String, String> headers) {
  static Reply json(int status, JsonNode body) {
    return new Reply(status, body, null, Map.of());
  }

  static Reply ok(JsonNode body) {
    return json(200, body);
  }

  static Reply created(JsonNode body) {
    return json(201, body);
  }

  static Reply empty(int status) {
    return new Reply(status, null, null, Map.of());
  }

  static Reply noContent() {
    return empty(204);
  }

  static Reply text(String body) {
    return new Reply(200, null, body, Map.of());
  }

  Reply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, json, text, more);
  }

  /** The headers the original controller put on a response that made a release. */
  Reply withRelease(int version) {
    return withHeader("Deis-Release", Integer.toString(version)).withHeader("X-Deis-Release", Integer.toString(version));
  }
}
