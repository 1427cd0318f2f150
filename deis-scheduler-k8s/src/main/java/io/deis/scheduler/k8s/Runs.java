package io.deis.scheduler.k8s;

import com.google.gson.reflect.TypeToken;
import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Release;
import io.deis.scheduler.RunResult;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SecretList;
import io.kubernetes.client.util.Watch;
import java.lang.reflect.Type;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-off commands ({@code run}): a pod with its own Secret, watched until it ends, its log and
 * exit code read, then both deleted. The pod's {@code activeDeadlineSeconds} is the run's timeout,
 * so a run whose controller died still ends; {@link #sweep} removes such leftovers.
 */
final class Runs {
  private static final Logger LOG = LoggerFactory.getLogger(Runs.class);
  private static final Type POD_EVENT = new TypeToken<Watch.Response<V1Pod>>() {}.getType();
  private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubeApi api;
  private final Scope scope;
  private final Watches watches;
  private final Namespaces namespaces;
  private final Logs logs;
  private final Duration stopGrace;
  /** Run pods this scheduler waits for right now: never swept. */
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  Runs(KubeApi api, Scope scope, Watches watches, Namespaces namespaces, Logs logs, Duration stopGrace) {
    this.api = api;
    this.scope = scope;
    this.watches = watches;
    this.namespaces = namespaces;
    this.logs = logs;
    this.stopGrace = stopGrace;
  }

  RunResult run(Release release, String command, Duration timeout) {
    if (command == null || command.isBlank()) {
      throw new InvalidInputException("run command is empty: give a shell command, for example 'ls -al'");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new InvalidInputException("run timeout " + timeout + " is invalid: it must be more than zero");
    }
    Rules.checkRelease(release);
    AppName app = release.app();
    String ns = Names.namespace(app);
    Instant deadline = Instant.now().plus(timeout);
    String name = app + "-run-" + randomSuffix();
    V1Secret secret = SecretResource.forRun(scope, release, name);
    String secretName = secret.getMetadata().getName();
    V1Pod pod = RunPodResource.manifest(scope, release, name, command, timeout, stopGrace);
    LOG.info("running '{}' for {} as pod {}", command, release.label(), name);

    inFlight.add(name);
    try {
      if (!namespaces.live(app)) {
        namespaces.ensure(app, deadline); // the app has never been deployed: its namespace comes first
      }
      api.call("create secret " + secretName, () -> api.core.createNamespacedSecret(ns, secret).execute());
      api.call("create pod " + name, () -> api.core.createNamespacedPod(ns, pod).execute());
      PodTrouble trouble = new PodTrouble();
      Watches.Source<V1Pod> source = podSource(ns, name);
      Watches.Result result = watches.await(source, deadline, snapshot -> {
        V1Pod now = snapshot.get(source, name);
        if (now == null) {
          return Progress.failed("pod " + name + " was deleted before it finished");
        }
        if (PodStates.ended(now)) {
          return Progress.done();
        }
        return trouble.of(now).filter(f -> !f.startsWith("exited"))
            .map(f -> Progress.failed("pod " + name + " " + f))
            .orElse(Progress.waiting("pod " + name + " to finish"));
      });
      if (result.progress().state() == Progress.State.FAILED) {
        throw new SchedulerException("could not run '" + command + "' for " + release.label() + ": " + result.progress().detail());
      }
      if (result.progress().state() == Progress.State.WAITING) {
        throw new SchedulerException("'" + command + "' for " + release.label() + " did not finish within "
            + timeout.toSeconds() + "s; its pod " + name + " was deleted");
      }
      V1Pod finished = result.snapshot().get(source, name);
      int exitCode = PodStates.exitCode(finished).orElse("Succeeded".equals(finished.getStatus().getPhase()) ? 0 : 1);
      return new RunResult(exitCode, logs.ofRun(ns, name));
    } finally {
      try {
        api.delete("delete pod " + name, () -> api.core.deleteNamespacedPod(name, ns).gracePeriodSeconds(0).buildCall(null));
        api.delete("delete secret " + secretName, () -> api.core.deleteNamespacedSecret(secretName, ns).buildCall(null));
      } catch (SchedulerException e) {
        LOG.warn("could not clean up after '{}' of {}; the next sweep removes it: {}", command, release.label(), e.getMessage());
      } finally {
        inFlight.remove(name);
      }
    }
  }

  private Watches.Source<V1Pod> podSource(String ns, String name) {
    String selector = "metadata.name=" + name;
    return new Watches.Source<>("pod " + name,
        () -> {
          V1PodList list = api.core.listNamespacedPod(ns).fieldSelector(selector).execute();
          return new Watches.Listing<>(list.getItems(), list.getMetadata().getResourceVersion());
        },
        (rv, seconds) -> api.core.listNamespacedPod(ns).fieldSelector(selector).watch(true)
            .resourceVersion(rv).timeoutSeconds(seconds).buildCall(null),
        POD_EVENT);
  }

  /**
   * Deletes what runs that nobody waits for left behind in the app's namespace: run pods that ended
   * (their deadline ends them) and run Secrets whose pod is gone. Returns how many objects went.
   */
  int sweep(AppName app) {
    String ns = Names.namespace(app);
    int swept = 0;
    V1PodList pods = api.call("list the run pods of " + app, () -> api.core.listNamespacedPod(ns)
        .labelSelector(scope.runSelector(app)).execute());
    Set<String> present = ConcurrentHashMap.newKeySet();
    for (V1Pod pod : pods.getItems()) {
      String name = pod.getMetadata().getName();
      present.add(name);
      if (PodStates.ended(pod) && !inFlight.contains(name)) {
        LOG.info("sweeping run pod {} of {}: it ended and nobody waits for it", name, app);
        api.delete("delete pod " + name, () -> api.core.deleteNamespacedPod(name, ns).gracePeriodSeconds(0).buildCall(null));
        present.remove(name);
        swept++;
      }
    }
    V1SecretList secrets = api.call("list the run secrets of " + app, () -> api.core.listNamespacedSecret(ns)
        .labelSelector(scope.appSelector(app) + "," + Scope.RUN).execute());
    for (V1Secret secret : secrets.getItems()) {
      String runPod = secret.getMetadata().getLabels().get(Scope.RUN);
      String name = secret.getMetadata().getName();
      if (!present.contains(runPod) && !inFlight.contains(runPod)) {
        api.delete("delete secret " + name, () -> api.core.deleteNamespacedSecret(name, ns).buildCall(null));
        swept++;
      }
    }
    return swept;
  }

  private static String randomSuffix() {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
    }
    return suffix.toString();
  }
}
