package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What a real API server checks before it stores an object, for the fields the scheduler writes:
 * validation (422 Invalid, with the field path and the rule, in the API server's words) and the
 * admission plugins that are on by default and refuse pods (403 Forbidden): RuntimeClass
 * (no {@code overhead} without a RuntimeClass that defines one) and, when a test asks for it,
 * a quota or webhook that refuses every pod of a namespace. The Deployment controller creates its
 * pods through {@link #admitPod} too, so a refused pod shows as a {@code FailedCreate}.
 */
final class ApiRules {
  static final int MAX_SECRET_BYTES = 1024 * 1024;
  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

  /** Namespace -> why its pods are refused (a quota, a Pod Security level, a webhook), set by tests. */
  private final Map<String, String> refusedPods = new ConcurrentHashMap<>();

  void refusePods(String namespace, String why) {
    refusedPods.put(namespace, why);
  }

  void allowPods(String namespace) {
    refusedPods.remove(namespace);
  }

  /** Validation of a new or replaced object; {@code old} is the stored one on an update. */
  void validate(FakeApiServer.Kind kind, JsonObject object, JsonObject old) {
    String name = Store.string(object, "metadata", "name");
    List<String> errors = new ArrayList<>();
    switch (kind.resource()) {
      case "namespaces" -> dns1123Label(errors, "metadata.name", name);
      case "services" -> {
        if (name == null || name.length() > 63 || !DNS1035_LABEL.matcher(name).matches()) {
          errors.add("metadata.name: Invalid value: \"" + name + "\": a DNS-1035 label must consist of lower case alphanumeric"
              + " characters or '-', start with an alphabetic character, and end with an alphanumeric character");
        }
        labels(errors, "spec.selector", Store.object(object, "spec").getAsJsonObject("selector"));
      }
      default -> subdomain(errors, "metadata.name", name);
    }
    labels(errors, "metadata.labels", object.getAsJsonObject("metadata").getAsJsonObject("labels"));
    annotations(errors, "metadata.annotations", object.getAsJsonObject("metadata").getAsJsonObject("annotations"));
    switch (kind.resource()) {
      case "secrets" -> secret(errors, object);
      case "pods" -> podSpec(errors, "spec", Store.object(object, "spec"));
      case "deployments" -> deployment(errors, object, old);
      default -> { }
    }
    if (!errors.isEmpty()) {
      throw new Store.ApiError(422, "Invalid", kind.kind() + " \"" + name + "\" is invalid: " + String.join(", ", errors));
    }
  }

  /** The admission plugins a pod create passes: RuntimeClass, then the refusals a test set. */
  void admitPod(String namespace, JsonObject pod) {
    String name = Store.string(pod, "metadata", "name");
    JsonObject spec = Store.object(pod, "spec");
    // RuntimeClass admission (on by default): any overhead, even an empty one, needs a RuntimeClass that sets it.
    if (spec.has("overhead") && !spec.get("overhead").isJsonNull() && !spec.has("runtimeClassName")) {
      throw new Store.ApiError(403, "Forbidden", "pods \"" + name
          + "\" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
    }
    String why = refusedPods.get(namespace);
    if (why != null) {
      throw new Store.ApiError(403, "Forbidden", "pods \"" + name + "\" is forbidden: " + why);
    }
  }

  private static void deployment(List<String> errors, JsonObject deployment, JsonObject old) {
    JsonObject spec = Store.object(deployment, "spec");
    JsonObject selector = spec.has("selector") ? spec.getAsJsonObject("selector").getAsJsonObject("matchLabels") : null;
    if (selector == null || selector.isEmpty()) {
      errors.add("spec.selector: Required value");
    }
    JsonObject templateLabels = Store.object(spec, "template", "metadata").getAsJsonObject("labels");
    if (selector != null) {
      for (Map.Entry<String, JsonElement> e : selector.entrySet()) {
        if (templateLabels == null || !e.getValue().equals(templateLabels.get(e.getKey()))) {
          errors.add("spec.template.metadata.labels: Invalid value: " + templateLabels + ": `selector` does not match template `labels`");
          break;
        }
      }
    }
    long minReady = spec.has("minReadySeconds") ? spec.get("minReadySeconds").getAsLong() : 0;
    if (spec.has("progressDeadlineSeconds") && spec.get("progressDeadlineSeconds").getAsLong() <= minReady) {
      errors.add("spec.progressDeadlineSeconds: Invalid value: " + spec.get("progressDeadlineSeconds").getAsLong()
          + ": must be greater than minReadySeconds");
    }
    if (spec.has("replicas") && spec.get("replicas").getAsInt() < 0) {
      errors.add("spec.replicas: Invalid value: " + spec.get("replicas") + ": must be greater than or equal to 0");
    }
    if (old != null && !String.valueOf(Store.object(old, "spec").get("selector")).equals(String.valueOf(spec.get("selector")))) {
      errors.add("spec.selector: Invalid value: " + spec.get("selector") + ": field is immutable");
    }
    JsonObject podSpec = Store.object(spec, "template", "spec");
    if (podSpec.has("restartPolicy") && !"Always".equals(podSpec.get("restartPolicy").getAsString())) {
      errors.add("spec.template.spec.restartPolicy: Unsupported value: \"" + podSpec.get("restartPolicy").getAsString()
          + "\": supported values: \"Always\"");
    }
    podSpec(errors, "spec.template.spec", podSpec);
  }

  private static void podSpec(List<String> errors, String path, JsonObject spec) {
    if (!spec.has("containers") || spec.getAsJsonArray("containers").isEmpty()) {
      errors.add(path + ".containers: Required value");
      return;
    }
    int i = 0;
    for (JsonElement c : spec.getAsJsonArray("containers")) {
      String at = path + ".containers[" + i++ + "]";
      JsonObject container = c.getAsJsonObject();
      dns1123Label(errors, at + ".name", Store.string(container, "name"));
      if (Store.string(container, "image") == null) {
        errors.add(at + ".image: Required value");
      }
      if (container.has("ports")) {
        for (JsonElement p : container.getAsJsonArray("ports")) {
          String portName = Store.string(p.getAsJsonObject(), "name");
          if (portName != null && (portName.length() > 15 || !PORT_NAME.matcher(portName).matches() || !portName.matches(".*[a-z].*"))) {
            errors.add(at + ".ports.name: Invalid value: \"" + portName + "\": must be no more than 15 characters and an IANA service name");
          }
        }
      }
    }
    if (spec.has("activeDeadlineSeconds") && spec.get("activeDeadlineSeconds").getAsLong() <= 0) {
      errors.add(path + ".activeDeadlineSeconds: Invalid value: " + spec.get("activeDeadlineSeconds") + ": must be greater than 0");
    }
    if (spec.has("terminationGracePeriodSeconds") && spec.get("terminationGracePeriodSeconds").getAsLong() < 0) {
      errors.add(path + ".terminationGracePeriodSeconds: Invalid value: " + spec.get("terminationGracePeriodSeconds")
          + ": must be greater than or equal to 0");
    }
  }

  private static void secret(List<String> errors, JsonObject secret) {
    long total = 0;
    if (secret.has("data") && secret.get("data").isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : secret.getAsJsonObject("data").entrySet()) {
        if (!SECRET_KEY.matcher(e.getKey()).matches() || e.getKey().length() > 253) {
          errors.add("data[" + e.getKey() + "]: Invalid value: \"" + e.getKey()
              + "\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
        }
        total += Base64.getDecoder().decode(e.getValue().getAsString()).length;
      }
    }
    if (total > MAX_SECRET_BYTES) {
      errors.add("data: Too long: must have at most " + MAX_SECRET_BYTES + " bytes");
    }
  }

  private static void labels(List<String> errors, String path, JsonObject labels) {
    if (labels == null) {
      return;
    }
    for (Map.Entry<String, JsonElement> e : labels.entrySet()) {
      key(errors, path, e.getKey());
      String value = e.getValue().isJsonNull() ? "" : e.getValue().getAsString();
      if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
        errors.add(path + ": Invalid value: \"" + value + "\": a valid label must be an empty string or consist of alphanumeric"
            + " characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters");
      }
    }
  }

  private static void annotations(List<String> errors, String path, JsonObject annotations) {
    if (annotations == null) {
      return;
    }
    long total = 0;
    for (Map.Entry<String, JsonElement> e : annotations.entrySet()) {
      key(errors, path, e.getKey());
      total += e.getKey().length() + e.getValue().getAsString().getBytes(StandardCharsets.UTF_8).length;
    }
    if (total > 256 * 1024) {
      errors.add(path + ": Too long: must have at most 262144 bytes");
    }
  }

  private static void key(List<String> errors, String path, String key) {
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (prefix != null && (prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches())
        || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
      errors.add(path + ": Invalid value: \"" + key + "\": name part must consist of alphanumeric characters, '-', '_' or '.',"
          + " and must start and end with an alphanumeric character, at most 63 characters, with an optional DNS subdomain prefix");
    }
  }

  private static void dns1123Label(List<String> errors, String path, String value) {
    if (value == null || value.length() > 63 || !DNS1123_LABEL.matcher(value).matches()) {
      errors.add(path + ": Invalid value: \"" + value + "\": a lowercase RFC 1123 label must consist of lower case alphanumeric"
          + " characters or '-', and must start and end with an alphanumeric character, at most 63 characters");
    }
  }

  private static void subdomain(List<String> errors, String path, String value) {
    if (value == null || value.length() > 253 || !DNS1123_SUBDOMAIN.matcher(value).matches()) {
      errors.add(path + ": Invalid value: \"" + value + "\": a lowercase RFC 1123 subdomain must consist of lower case"
          + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
    }
  }
}
