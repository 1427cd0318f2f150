package io.deis.scheduler.k8s;

import com.google.gson.reflect.TypeToken;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.scheduler.Labels;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NamespaceList;
import io.kubernetes.client.util.Watch;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app's namespace: made on its first deploy, refused when something else made it (a person, or
 * another installation of Deis), deleted by destroy. Deletion is asynchronous on a cluster (the
 * namespace stays Terminating while its objects go, often for tens of seconds), so destroy returns
 * once the deletion is accepted, and a Terminating namespace counts as gone: the app has no
 * containers, and a new deploy of the same name waits for it to finish.
 */
final class Namespaces {
  private static final Logger LOG = LoggerFactory.getLogger(Namespaces.class);
  private static final Type NAMESPACE_EVENT = new TypeToken<Watch.Response<V1Namespace>>() {}.getType();

  private final KubeApi api;
  private final Scope scope;
  private final Watches watches;

  Namespaces(KubeApi api, Scope scope, Watches watches) {
    this.api = api;
    this.scope = scope;
    this.watches = watches;
  }

  Optional<V1Namespace> read(AppName app) {
    String ns = Names.namespace(app);
    return api.callUnlessNotFound("read namespace " + ns, () -> api.core.readNamespace(ns).execute());
  }

  /** Whether the app has a live namespace of this installation: none, or a Terminating one, means the app is gone. */
  boolean live(AppName app) {
    return read(app).filter(n -> !terminating(n) && scope.owns(n.getMetadata().getLabels())).isPresent();
  }

  static boolean terminating(V1Namespace namespace) {
    return namespace.getMetadata().getDeletionTimestamp() != null;
  }

  /**
   * Makes the app's namespace, or checks that the existing one is this installation's; waits (until
   * {@code deadline}) for one that still terminates after a destroy to be gone first.
   */
  void ensure(AppName app, Instant deadline) {
    String ns = Names.namespace(app);
    while (true) {
      if (api.createUnlessExists("create namespace " + ns, () -> api.core.createNamespace(NamespaceResource.manifest(scope, app)).execute())) {
        return;
      }
      Optional<V1Namespace> existing = read(app);
      if (existing.isEmpty()) {
        continue; // deleted between the create and the read: create again
      }
      checkOurs(existing.get(), "deploy into it");
      if (!terminating(existing.get())) {
        return;
      }
      LOG.info("namespace {} is still terminating after a destroy of {}; waiting for it to go", ns, app);
      awaitGone(app, deadline);
    }
  }

  /** Deletes the app's namespace, and returns once the deletion is accepted. */
  void delete(AppName app) {
    String ns = Names.namespace(app);
    Optional<V1Namespace> namespace = read(app);
    if (namespace.isEmpty() || terminating(namespace.get())) {
      return; // nothing of the app exists, or its deletion runs already
    }
    checkOurs(namespace.get(), "delete it");
    LOG.info("destroying {}: deleting namespace {}", app, ns);
    api.delete("delete namespace " + ns, () -> api.core.deleteNamespace(ns).buildCall(null));
  }

  private void awaitGone(AppName app, Instant deadline) {
    String ns = Names.namespace(app);
    String selector = "metadata.name=" + ns;
    Watches.Source<V1Namespace> source = new Watches.Source<>("namespace " + ns,
        () -> {
          V1NamespaceList list = api.core.listNamespace().fieldSelector(selector).execute();
          return new Watches.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.core.listNamespace().fieldSelector(selector).watch(true).resourceVersion(rv)
            .timeoutSeconds(seconds).buildCall(null),
        NAMESPACE_EVENT);
    Watches.Result result = watches.await(source, deadline,
        snapshot -> snapshot.of(source).isEmpty() ? Progress.done() : Progress.waiting("namespace " + ns + " to finish terminating"));
    if (result.progress().state() != Progress.State.DONE) {
      throw new SchedulerException("namespace " + ns + " of " + app + " is still terminating after a destroy: "
          + "a deploy of the same app name can start once it is gone; try again in a minute");
    }
  }

  /** The apps this installation has a live namespace for. */
  java.util.Set<AppName> apps() {
    V1NamespaceList list = api.call("list the namespaces of installation " + scope.installation().orElse("?"),
        () -> api.core.listNamespace().labelSelector(scope.installationSelector()).execute());
    java.util.Set<AppName> apps = new java.util.TreeSet<>();
    for (V1Namespace namespace : list.getItems()) {
      Map<String, String> labels = Optional.ofNullable(namespace.getMetadata().getLabels()).orElse(Map.of());
      if (!terminating(namespace) && scope.owns(labels) && labels.containsKey(Labels.APP)) {
        apps.add(AppName.of(labels.get(Labels.APP)));
      }
    }
    return apps;
  }

  /** Refuses a namespace that Deis did not make, or that another installation of Deis made. */
  void checkOurs(V1Namespace namespace, String refused) {
    Map<String, String> labels = Optional.ofNullable(namespace.getMetadata().getLabels()).orElse(Map.of());
    String name = namespace.getMetadata().getName();
    if (!Labels.HERITAGE_VALUE.equals(labels.get(Labels.HERITAGE))) {
      throw new SchedulerException("namespace " + name + " exists but was not made by Deis (it has no "
          + Labels.HERITAGE + "=" + Labels.HERITAGE_VALUE + " label): refusing to " + refused);
    }
    if (!scope.owns(labels)) {
      throw new SchedulerException("namespace " + name + " belongs to another installation of Deis ("
          + Scope.INSTALLATION + "=" + labels.getOrDefault(Scope.INSTALLATION, "none") + "): refusing to " + refused
          + "; pick another app name, or use that installation");
    }
  }
}
