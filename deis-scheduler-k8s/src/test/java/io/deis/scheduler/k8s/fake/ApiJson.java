package io.deis.scheduler.k8s.fake;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/** The fake API server's JSON over HTTP: bodies, Status errors, query strings, merge patches, template hashes. */
final class ApiJson {
  private static final Gson GSON = new Gson();

  private ApiJson() {}

  /** RFC 7386: objects merge key by key, null removes, anything else replaces. */
  static JsonElement mergePatch(JsonElement target, JsonElement patch) {
    if (!patch.isJsonObject()) {
      return patch;
    }
    JsonObject result = target != null && target.isJsonObject() ? target.getAsJsonObject().deepCopy() : new JsonObject();
    for (Map.Entry<String, JsonElement> e : patch.getAsJsonObject().entrySet()) {
      if (e.getValue() == null || e.getValue() instanceof JsonNull) {
        result.remove(e.getKey());
      } else {
        result.add(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }

  static JsonObject json(String text) {
    try {
      return JsonParser.parseString(text).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new Store.ApiError(400, "BadRequest", "the body is not a JSON object: " + e.getMessage());
    }
  }

  static void send(HttpExchange exchange, int code, JsonObject body) throws IOException {
    byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  static JsonObject status(Store.ApiError e) {
    JsonObject status = new JsonObject();
    status.addProperty("kind", "Status");
    status.addProperty("apiVersion", "v1");
    status.add("metadata", new JsonObject());
    status.addProperty("status", "Failure");
    status.addProperty("message", e.getMessage());
    status.addProperty("reason", e.reason);
    status.addProperty("code", e.code);
    return status;
  }

  static void sendError(HttpExchange exchange, Store.ApiError e) throws IOException {
    send(exchange, e.code, status(e));
  }

  static Map<String, String> query(String raw) {
    Map<String, String> query = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      query.put(key, value);
    }
    return query;
  }

  /** A stable short hash of a pod template, as the Deployment controller's pod-template-hash. */
  static String hash(JsonElement template) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(GSON.toJson(template).getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 5; i++) {
        hex.append(String.format("%02x", digest[i]));
      }
      return hex.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
