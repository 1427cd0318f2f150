package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.ProcessType;
import io.deis.scheduler.Labels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The labels this scheduler puts on what it makes and selects by, in one place: a controller that
 * restarts finds its objects again only through them, and an installation sees only its own.
 */
final class Scope {
  /** The label that names the installation that made an object. */
  static final String INSTALLATION = Labels.INSTALLATION;
  /** On a one-off run's Secret: the run pod it belongs to. */
  static final String RUN = "io.deis.run";

  /** Set once, when the controller starts the scheduler for its installation; none before. */
  private volatile Optional<String> installation = Optional.empty();

  void bind(String installationId) {
    installation = Optional.of(installationId);
  }

  boolean bound() {
    return installation.isPresent();
  }

  /** Every object of this installation, of any app. */
  String installationSelector() {
    return Labels.HERITAGE + "=" + Labels.HERITAGE_VALUE + installation.map(id -> "," + INSTALLATION + "=" + id).orElse("");
  }

  Optional<String> installation() {
    return installation;
  }

  /** The labels on an app's namespace and Service, and what every list of the app's objects selects. */
  Map<String, String> app(AppName app) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.HERITAGE, Labels.HERITAGE_VALUE);
    installation.ifPresent(id -> labels.put(INSTALLATION, id));
    labels.put(Labels.APP, app.value());
    return labels;
  }

  /** What a Deployment selects: app and type, never the release, because a selector cannot change. */
  Map<String, String> selector(AppName app, ProcessType type) {
    Map<String, String> labels = app(app);
    labels.put(Labels.TYPE, type.value());
    return labels;
  }

  /** The labels of a pod (and of the Deployment that makes it). */
  Map<String, String> pod(AppName app, ProcessType type, int release) {
    Map<String, String> labels = selector(app, type);
    labels.put(Labels.RELEASE, Integer.toString(release));
    return labels;
  }

  Map<String, String> release(AppName app, int release) {
    Map<String, String> labels = app(app);
    labels.put(Labels.RELEASE, Integer.toString(release));
    return labels;
  }

  /** The label selector of everything of the app, in the API's text form {@code k1=v1,k2=v2}. */
  String appSelector(AppName app) {
    return text(app(app));
  }

  String runSelector(AppName app) {
    return text(selector(app, ProcessType.RUN));
  }

  static String text(Map<String, String> labels) {
    return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }

  /** Whether an object with these labels belongs to this scope: made by Deis, and by this installation when it has one. */
  boolean owns(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    return Labels.HERITAGE_VALUE.equals(l.get(Labels.HERITAGE))
        && installation.map(id -> id.equals(l.get(INSTALLATION))).orElse(true);
  }
}
