package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** The API's label selectors ({@code a=b,c!=d,e,!f,g in (x,y),h notin (z)}) and the field selectors a list may use. */
final class Selectors {
  private Selectors() {}

  static Predicate<JsonObject> labels(String selector) {
    if (selector == null || selector.isBlank()) {
      return o -> true;
    }
    List<Predicate<Map<String, String>>> terms = new ArrayList<>();
    for (String term : split(selector)) {
      String t = term.strip();
      java.util.regex.Matcher set = java.util.regex.Pattern.compile("([^\\s!=]+)\\s+(in|notin)\\s+\\((.*)\\)").matcher(t);
      if (set.matches()) {
        String key = set.group(1);
        Set<String> values = Arrays.stream(set.group(3).split(",")).map(String::strip).collect(Collectors.toSet());
        boolean in = set.group(2).equals("in");
        terms.add(l -> in ? values.contains(l.get(key)) : !values.contains(l.get(key)));
      } else if (t.contains("!=")) {
        String[] kv = t.split("!=", 2);
        terms.add(l -> !kv[1].strip().equals(l.get(kv[0].strip())));
      } else if (t.contains("=")) {
        String[] kv = t.split("==?", 2);
        terms.add(l -> kv[1].strip().equals(l.get(kv[0].strip())));
      } else if (t.startsWith("!")) {
        terms.add(l -> !l.containsKey(t.substring(1).strip()));
      } else {
        terms.add(l -> l.containsKey(t));
      }
    }
    return o -> {
      Map<String, String> labels = labelsOf(o);
      return terms.stream().allMatch(p -> p.test(labels));
    };
  }

  /** Field selectors on {@code metadata.name}, {@code metadata.namespace} and {@code status.phase}, as the real API offers for pods. */
  static Predicate<JsonObject> fields(String selector) {
    if (selector == null || selector.isBlank()) {
      return o -> true;
    }
    List<Predicate<JsonObject>> terms = new ArrayList<>();
    for (String term : selector.split(",")) {
      boolean not = term.contains("!=");
      String[] kv = term.split(not ? "!=" : "==?", 2);
      String[] path = kv[0].strip().split("\\.");
      if (!Set.of("metadata.name", "metadata.namespace", "status.phase").contains(kv[0].strip())) {
        throw new Store.ApiError(400, "BadRequest", "field label not supported: " + kv[0].strip());
      }
      String value = kv[1].strip();
      terms.add(o -> not != value.equals(Store.string(o, path)));
    }
    return o -> terms.stream().allMatch(p -> p.test(o));
  }

  static Map<String, String> labelsOf(JsonObject o) {
    Map<String, String> labels = new HashMap<>();
    JsonObject meta = o.getAsJsonObject("metadata");
    if (meta != null && meta.has("labels") && meta.get("labels").isJsonObject()) {
      meta.getAsJsonObject("labels").entrySet().forEach(e -> labels.put(e.getKey(), e.getValue().getAsString()));
    }
    return labels;
  }

  private static List<String> split(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (char c : selector.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }
}
