package io.deis.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request's JSON object, read field by field with strict types: a field of the wrong type is a
 * {@link FieldError} naming the field and the type it needs, never a silent coercion. JSON
 * {@code null} counts as absent, as the v1 client sends it for unset values.
 */
final class Body {
  static final Body EMPTY = new Body(JsonNodeFactoryHolder.EMPTY);

  private final ObjectNode json;

  private Body(ObjectNode json) {
    this.json = json;
  }

  /** Parses a request body; an empty body is an empty object, as the v1 client sends for "no parameters". */
  static Body parse(byte[] bytes, ObjectMapper mapper, int maxDepth) {
    if (isBlank(bytes)) {
      return EMPTY;
    }
    JsonNode node;
    try {
      node = mapper.readTree(bytes);
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      throw new HttpError(400, "JSON nesting is deeper than this server's limit of " + maxDepth + " levels");
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "JSON parse error - " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    } catch (java.io.IOException e) {
      throw new HttpError(400, "JSON parse error - " + e.getMessage());
    }
    if (node == null || node.isMissingNode()) {
      return EMPTY;
    }
    if (!node.isObject()) {
      throw new HttpError(400, "the request body must be a JSON object, not " + kind(node));
    }
    return new Body((ObjectNode) node);
  }

  /** Refuses any field not in {@code accepted}, naming the fields that are. */
  void checkFields(Set<String> accepted, String endpoint) {
    for (var it = json.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!accepted.contains(field)) {
        throw new FieldError(field, "unknown field: " + endpoint
            + (accepted.isEmpty() ? " takes no parameters" : " takes " + String.join(", ", new TreeSet<>(accepted))));
      }
    }
  }

  boolean isEmpty() {
    return json.isEmpty();
  }

  boolean has(String field) {
    JsonNode v = json.get(field);
    return v != null && !v.isNull();
  }

  Optional<String> string(String field) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new FieldError(field, "must be a string, not " + kind(v));
    }
    return Optional.of(v.textValue());
  }

  String requiredString(String field) {
    return string(field).orElseThrow(() -> new FieldError(field, "This field is required."));
  }

  /** A whole number, given as a JSON number or a string of digits (as Django REST framework's IntegerField takes it). */
  OptionalInt integer(String field) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return OptionalInt.empty();
    }
    if (v.isInt()) {
      return OptionalInt.of(v.intValue());
    }
    if (v.isTextual() && v.textValue().matches("-?[0-9]{1,9}")) {
      return OptionalInt.of(Integer.parseInt(v.textValue()));
    }
    throw new FieldError(field, "A valid integer is required, not " + kind(v));
  }

  /** A flag: JSON true/false or the strings "true"/"false". */
  boolean flag(String field) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual() && (v.textValue().equalsIgnoreCase("true") || v.textValue().equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(v.textValue());
    }
    throw new FieldError(field, "must be true or false, not " + kind(v));
  }

  /**
   * A JSON object, or a string holding one (the original controller's tests send config and
   * procfiles that way); its entries in order.
   */
  Optional<Map<String, JsonNode>> object(String field, ObjectMapper mapper) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (v.isTextual()) {
      try {
        v = mapper.readTree(v.textValue());
      } catch (JsonProcessingException e) {
        throw new FieldError(field, "must be a JSON object; the string given is not JSON: " + e.getOriginalMessage());
      }
    }
    if (v == null || !v.isObject()) {
      throw new FieldError(field, "must be a JSON object, not " + kind(v));
    }
    Map<String, JsonNode> entries = new LinkedHashMap<>();
    v.fields().forEachRemaining(e -> entries.put(e.getKey(), e.getValue()));
    return Optional.of(entries);
  }

  /** Every field of the body, in order (for bodies whose keys are data, such as scale's process types). */
  Map<String, JsonNode> fields() {
    Map<String, JsonNode> entries = new LinkedHashMap<>();
    json.fields().forEachRemaining(e -> entries.put(e.getKey(), e.getValue()));
    return entries;
  }

  static String kind(JsonNode v) {
    if (v == null || v.isNull()) {
      return "null";
    }
    return switch (v.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  private static final class JsonNodeFactoryHolder {
    static final ObjectNode EMPTY = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
  }
}
