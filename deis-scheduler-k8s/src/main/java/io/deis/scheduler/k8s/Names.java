package io.deis.scheduler.k8s;

import io.deis.error.InvalidInputException;
import io.deis.model.AppName;
import io.deis.model.ProcessType;
import io.deis.scheduler.Labels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How Deis names map onto Kubernetes names, in one place, because a controller that restarts
 * finds its objects again only through these names and {@link Labels}.
 */
final class Names {
  /** Every container listens on this port, given to it as {@code PORT}, as in Deis Workflow. */
  static final int PORT = 5000;
  /** The port a Service answers on inside the cluster. */
  static final int SERVICE_PORT = 80;
  /** Kubernetes namespaces and label values are DNS labels: at most 63 characters. */
  static final int MAX_NAMESPACE_LENGTH = 63;
  /** Set on a Deployment's pod template by {@code restart}, as {@code kubectl rollout restart} does. */
  static final String RESTARTED_AT = "io.deis/restartedAt";

  private Names() {}

  static String namespace(AppName app) {
    if (app.value().length() > MAX_NAMESPACE_LENGTH) {
      throw new InvalidInputException("app name '" + app + "' is " + app.value().length()
          + " characters long: the Kubernetes backend makes it a namespace, and those hold at most "
          + MAX_NAMESPACE_LENGTH);
    }
    return app.value();
  }

  /** {@code <app>-<type>}; '_' (legal in a Procfile type) becomes '-', since object names are DNS names. */
  static String deployment(AppName app, ProcessType type) {
    return app + "-" + dnsSafe(type);
  }

  static String container(ProcessType type) {
    return dnsSafe(type);
  }

  static String secret(AppName app, int version) {
    return app + "-v" + version + "-env";
  }

  static String service(AppName app) {
    return app.value();
  }

  static String dnsSafe(ProcessType type) {
    return type.value().replace('_', '-');
  }

  /** The labels on an app's namespace and Service. */
  static Map<String, String> app(AppName app) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.HERITAGE, Labels.HERITAGE_VALUE);
    labels.put(Labels.APP, app.value());
    return labels;
  }

  /** What a Deployment selects: app and type, never the release, because a selector cannot change. */
  static Map<String, String> selector(AppName app, ProcessType type) {
    Map<String, String> labels = app(app);
    labels.put(Labels.TYPE, type.value());
    return labels;
  }

  /** The labels of a pod (and of the Deployment that makes it). */
  static Map<String, String> pod(AppName app, ProcessType type, int release) {
    Map<String, String> labels = selector(app, type);
    labels.put(Labels.RELEASE, Integer.toString(release));
    return labels;
  }

  static Map<String, String> release(AppName app, int release) {
    Map<String, String> labels = app(app);
    labels.put(Labels.RELEASE, Integer.toString(release));
    return labels;
  }

  /** A label selector in the API's text form: {@code k1=v1,k2=v2}. */
  static String selectorText(Map<String, String> labels) {
    return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }
}
