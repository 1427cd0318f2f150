package io.deis.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The model values a row keeps as JSON text (a release's build and config, an app's formation),
 * written and read field by field: no reflection, so a renamed record component cannot silently
 * change what is stored. Instants keep their full precision here (ISO-8601 text).
 *
 * <p>Reading checks what it reads through the values' own factories, so a row edited by hand into
 * something invalid fails loudly with the column it came from, never with the values it holds.
 */
final class ModelJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ModelJson() {}

  // ---------------------------------------------------------------- config

  static String config(Config config) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("uuid", config.uuid());
    node.put("owner", config.owner());
    node.put("created", config.created().toString());
    node.set("values", stringMap(config.values(), Function.identity()));
    node.set("memory", stringMap(config.memory(), ProcessType::value));
    ObjectNode cpu = MAPPER.createObjectNode();
    config.cpu().forEach((type, shares) -> cpu.put(type.value(), shares));
    node.set("cpu", cpu);
    node.set("tags", stringMap(config.tags(), Function.identity()));
    return write(node);
  }

  static Config config(String json) {
    JsonNode node = read(json, "config");
    Map<ProcessType, Integer> cpu = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = object(node, "cpu").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      cpu.put(ProcessType.of(e.getKey()), integer(e));
    }
    return new Config(text(node, "uuid"), text(node, "owner"), Instant.parse(text(node, "created")),
        strings(object(node, "values"), Function.identity()), strings(object(node, "memory"), ProcessType::of), cpu,
        strings(object(node, "tags"), Function.identity()));
  }

  // ---------------------------------------------------------------- build

  static String build(Build build) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("uuid", build.uuid());
    node.put("app", build.app().value());
    node.put("owner", build.owner());
    node.put("created", build.created().toString());
    build.sha().ifPresent(s -> node.put("sha", s));
    build.image().ifPresent(i -> node.put("image", i));
    node.set("procfile", stringMap(build.procfile().commands(), ProcessType::value));
    build.dockerfile().ifPresent(d -> node.put("dockerfile", d));
    build.sourceTree().ifPresent(p -> node.put("sourceTree", p.toString()));
    return write(node);
  }

  static Build build(String json) {
    JsonNode node = read(json, "build");
    return new Build(text(node, "uuid"), AppName.of(text(node, "app")), text(node, "owner"), Instant.parse(text(node, "created")),
        optional(node, "sha"), optional(node, "image"), new Procfile(strings(object(node, "procfile"), ProcessType::of)),
        optional(node, "dockerfile"), optional(node, "sourceTree").map(Path::of));
  }

  // ---------------------------------------------------------------- formation

  static String formation(Formation formation) {
    ObjectNode node = MAPPER.createObjectNode();
    formation.counts().forEach((type, count) -> node.put(type.value(), count));
    return write(node);
  }

  static Formation formation(String json) {
    JsonNode node = read(json, "structure");
    Map<ProcessType, Integer> counts = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      counts.put(ProcessType.of(e.getKey()), integer(e));
    }
    return new Formation(counts);
  }

  // ---------------------------------------------------------------- helpers

  private static <K> ObjectNode stringMap(Map<K, String> map, Function<K, String> key) {
    ObjectNode node = MAPPER.createObjectNode();
    map.forEach((k, v) -> node.put(key.apply(k), v));
    return node;
  }

  private static <K extends Comparable<K>> Map<K, String> strings(JsonNode node, Function<String, K> key) {
    Map<K, String> map = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new IllegalStateException("entry '" + e.getKey() + "' is not text");
      }
      map.put(key.apply(e.getKey()), e.getValue().textValue());
    }
    return map;
  }

  private static int integer(Map.Entry<String, JsonNode> entry) {
    if (!entry.getValue().canConvertToInt() || !entry.getValue().isIntegralNumber()) {
      throw new IllegalStateException("entry '" + entry.getKey() + "' is not a whole number");
    }
    return entry.getValue().intValue();
  }

  private static JsonNode object(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isObject()) {
      throw new IllegalStateException("field '" + field + "' is missing or not an object");
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalStateException("field '" + field + "' is missing or not text");
    }
    return value.textValue();
  }

  private static Optional<String> optional(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(text(node, field));
  }

  private static String write(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a model value could not be written as JSON", e);
    }
  }

  private static JsonNode read(String json, String column) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new IllegalStateException("column " + column + " does not hold a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      // The parser's message may quote the text it read, which can hold config values: leave it out.
      String where = e.getLocation() == null ? "" : " (at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
      throw new IllegalStateException("column " + column + " does not hold valid JSON" + where);
    }
  }
}
