package io.deis.scheduler;

import io.deis.model.HealthCheck;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import java.time.Duration;
import java.util.Optional;

/**
 * What a new container must pass before a deploy counts it as ready, decided in this one place
 * for every backend: {@link RuntimeScheduler} checks it itself, the Kubernetes backend turns it
 * into the kubelet's readiness probe and the Deployment's {@code minReadySeconds}.
 *
 * <ul>
 *   <li>It stays running for {@code minUptime} (a process that crashes at once is not ready).
 *   <li>A {@code web} container, and a {@code web} or {@code cmd} container with a health check,
 *       accepts connections on its port ({@code tcp}).
 *   <li>With a health check ({@code HEALTHCHECK_URL}), {@code GET <path>} answers 200 within the
 *       check's timeout, starting after its initial delay. Deis's rule for wrong answers: one try a
 *       {@link #PERIOD} apart, and {@link #FAILURE_THRESHOLD} wrong answers fail the container. A
 *       container that does not answer at all yet gets until the deploy's deadline.
 * </ul>
 */
public record Readiness(boolean tcp, Optional<HealthCheck> http, Duration minUptime) {
  /** The time between health-check tries. */
  public static final Duration PERIOD = Duration.ofSeconds(1);
  /** How many wrong answers to the health check fail a container: Deis tried four times. */
  public static final int FAILURE_THRESHOLD = 4;

  /** The checks a new {@code type} container of {@code release} must pass. */
  public static Readiness of(Release release, ProcessType type, Duration minUptime) {
    Optional<HealthCheck> check = release.config().healthCheck().filter(h -> type.receivesTraffic());
    return new Readiness(type.equals(ProcessType.WEB) || check.isPresent(), check, minUptime);
  }

  /** How long after start the checks begin: the health check's initial delay, or nothing. */
  public Duration initialDelay() {
    return http.map(HealthCheck::initialDelay).orElse(Duration.ZERO);
  }
}
