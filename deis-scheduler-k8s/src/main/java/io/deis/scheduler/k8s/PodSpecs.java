package io.deis.scheduler.k8s;

import io.deis.model.Build;
import io.deis.model.HealthCheck;
import io.deis.model.MemoryLimit;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.error.BuildException;
import io.deis.error.InvalidInputException;
import io.deis.scheduler.Readiness;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1EnvFromSource;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1EnvVarSource;
import io.kubernetes.client.openapi.models.V1ObjectFieldSelector;
import io.kubernetes.client.openapi.models.V1HTTPGetAction;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1SecretEnvSource;
import io.kubernetes.client.openapi.models.V1TCPSocketAction;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The pod spec shared by a Deployment's template and a one-off {@code run} pod. */
final class PodSpecs {
  /** Probing as often as the core's {@link Readiness} tries (Kubernetes' default is 10 s): a healthy deploy ends seconds sooner. */
  static final int PROBE_PERIOD_SECONDS = (int) Readiness.PERIOD.toSeconds();
  /**
   * The shell that runs a Procfile command as the container's main process (PID 1). PID 1 gets
   * only the signals it handles, and a plain {@code sh -c} handles none, so the kubelet's SIGTERM
   * would be lost and every stop would last the whole grace period. This shell runs the command
   * (its first argument) in the background, passes SIGTERM on to every process of the container
   * (its process group) after the drain time, and exits with the command's exit code.
   */
  static String init(Duration drain) {
    long seconds = (long) Math.ceil(drain.toMillis() / 1000.0);
    // Between the kubelet's SIGTERM and the app's, the drain time: the Service and any router
    // stop sending first (a preStop sleep, without needing one).
    return "trap 'trap \"\" TERM; " + (seconds > 0 ? "sleep " + seconds + "; " : "") + "kill -TERM 0 2>/dev/null' TERM\n"
        + "(eval \"$1\") &\n"
        + "pid=$!\n"
        + "wait $pid; code=$?\n"
        + "if kill -0 $pid 2>/dev/null; then wait $pid; code=$?; fi\n"
        + "exit $code";
  }

  private PodSpecs() {}

  /**
   * @param command the shell command, or empty for the image's own default ({@code cmd})
   * @param secret the Secret that holds the release's config
   * @param restartPolicy {@code Always} for a Deployment's pods, {@code Never} for one-off runs
   * @param stopGrace how long the kubelet waits after SIGTERM before it kills the container
   * @param drain how long the init shell holds SIGTERM back from the app, within {@code stopGrace}
   */
  static V1PodSpec spec(Release release, ProcessType type, Optional<String> command, String secret, String restartPolicy,
      Duration stopGrace, Duration drain) {
    String image = image(release);
    V1Container container = new V1Container()
        .name(Names.container(type))
        .image(image)
        .envFrom(List.of(new V1EnvFromSource().secretRef(new V1SecretEnvSource().name(secret))))
        // PORT is set after envFrom so a config value named PORT cannot move the port the Service targets.
        .env(List.of(
            new V1EnvVar().name("PORT").value(Integer.toString(Names.PORT)),
            // The pod's own address, from the downward API: for a process that binds or announces it.
            new V1EnvVar().name("POD_IP").valueFrom(new V1EnvVarSource()
                .fieldRef(new V1ObjectFieldSelector().fieldPath("status.podIP")))));
    command.ifPresent(c -> container.command(List.of("/bin/sh", "-c", init(drain), "sh", c)));
    Map<String, Quantity> limits = limits(release, type);
    if (!limits.isEmpty()) {
      container.resources(new V1ResourceRequirements().limits(limits));
    }
    if (type.receivesTraffic() && !ProcessType.RUN.equals(type)) {
      container.ports(List.of(new V1ContainerPort().name("http").containerPort(Names.PORT).protocol("TCP")));
      // The core's one rule of readiness, as the kubelet's probe: the health check when there is
      // one; else, for web, "accepts connections on PORT" (a started process is not yet a serving
      // one, and the Service must not send it traffic, nor a deploy retire the old pods, before).
      Readiness readiness = Readiness.of(release, type, Duration.ofSeconds(DeploymentResource.MIN_READY_SECONDS));
      readiness.http().map(PodSpecs::probe).or(() -> readiness.tcp() ? Optional.of(tcpProbe()) : Optional.empty())
          .ifPresent(container::readinessProbe);
    }
    V1PodSpec spec = new V1PodSpec().containers(List.of(container)).restartPolicy(restartPolicy)
        .terminationGracePeriodSeconds((long) Math.ceil(stopGrace.toMillis() / 1000.0));
    // client-java starts overhead as an empty map, and the RuntimeClass admission plugin (on by
    // default) refuses any pod that sets one without a RuntimeClass: send none.
    spec.setOverhead(null);
    return spec;
  }

  static String image(Release release) {
    Build build = release.build().orElseThrow(() -> new InvalidInputException(
        "release v" + release.version() + " of " + release.app() + " has no build: No build associated with this release"));
    return build.image().orElseThrow(() -> new BuildException(
        "release v" + release.version() + " of " + release.app() + " has no image: the Kubernetes backend runs "
            + "images only; build one with the Docker backend and push it to a registry the cluster can pull from"));
  }

  static V1Probe probe(HealthCheck check) {
    return new V1Probe()
        .httpGet(new V1HTTPGetAction().path(check.path()).port(new IntOrString(Names.PORT)))
        .initialDelaySeconds((int) check.initialDelay().toSeconds())
        .timeoutSeconds((int) Math.max(1, check.timeout().toSeconds()))
        .periodSeconds(PROBE_PERIOD_SECONDS)
        // A ready pod turns unready after as many wrong answers as fail a new one (Deis's four).
        .failureThreshold(Readiness.FAILURE_THRESHOLD);
  }

  static V1Probe tcpProbe() {
    return new V1Probe()
        .tcpSocket(new V1TCPSocketAction().port(new IntOrString(Names.PORT)))
        .periodSeconds(PROBE_PERIOD_SECONDS);
  }

  static Map<String, Quantity> limits(Release release, ProcessType type) {
    Map<String, Quantity> limits = new LinkedHashMap<>();
    // The core's one parser reads the limit; in bytes it is the same on every backend.
    release.config().memory(type).ifPresent(m -> limits.put("memory",
        new Quantity(java.math.BigDecimal.valueOf(MemoryLimit.parse(m).bytes()), Quantity.Format.BINARY_SI)));
    // Docker's cpu shares are a weight where 1024 is one CPU; Kubernetes limits are in millicores.
    release.config().cpu(type).ifPresent(shares ->
        limits.put("cpu", new Quantity(Math.max(1, Math.round(shares * 1000.0 / 1024)) + "m")));
    return limits;
  }
}
