package io.deis.scheduler;

import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Endpoint;
import io.deis.model.HealthCheck;
import io.deis.model.StateChange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** Waits until a started container passes its {@link Readiness}, on the controller's host. */
final class ReadinessCheck {
  private static final Duration POLL = Duration.ofMillis(50);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * Returns once the container is ready; throws {@link IllegalStateException} saying why it is not
   * (it went down, it never listened, it failed its health check) by {@code deadline}.
   *
   * @param container the container as it is now (the scheduler's table changes it as it moves)
   * @param startedAt when it was last started
   */
  void await(Supplier<Container> container, Instant startedAt, Readiness readiness, Instant deadline, Duration timeout)
      throws InterruptedException {
    Instant checksFrom = startedAt.plus(readiness.initialDelay());
    String lastProblem = "did not come up";
    int wrongAnswers = 0;
    Instant lastWrongAnswer = Instant.EPOCH;
    while (Instant.now().isBefore(deadline)) {
      Container c = container.get();
      if (c.state() != ContainerState.UP) {
        StateChange last = c.lastChange().orElseThrow();
        throw new IllegalStateException(last.cause()
            + last.exitCode().stream().mapToObj(code -> " with exit code " + code).findFirst().orElse(""));
      }
      boolean portOk = true;
      if (readiness.tcp()) {
        Endpoint e = c.endpoint().orElseThrow(() -> new IllegalStateException("has no endpoint to check"));
        if (Instant.now().isBefore(checksFrom)) {
          portOk = false;
        } else if (readiness.http().isPresent()) {
          int status = probe(e, readiness.http().get());
          portOk = status == 200;
          lastProblem = status < 0 ? "did not answer the health check on " + e
              : "failed health check (got '" + status + "', expected: '200')";
          if (status > 0 && status != 200 && !Instant.now().isBefore(lastWrongAnswer.plus(Readiness.PERIOD))) {
            lastWrongAnswer = Instant.now();
            if (++wrongAnswers >= Readiness.FAILURE_THRESHOLD) {
              throw new IllegalStateException(lastProblem + " " + Readiness.FAILURE_THRESHOLD
                  + " times: app containers failed to respond to health check");
            }
          }
        } else {
          portOk = accepts(e);
          lastProblem = "did not accept connections on " + e;
        }
      }
      if (portOk && Duration.between(startedAt, Instant.now()).compareTo(readiness.minUptime()) >= 0) {
        return;
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new IllegalStateException(lastProblem + " within " + timeout.toSeconds() + "s"
        + (readiness.http().isPresent() ? ": app containers failed to respond to health check" : ""));
  }

  /** The HTTP status the health check got, or -1 when nothing answered in time. */
  private int probe(Endpoint endpoint, HealthCheck check) throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(endpoint.url(check.path())))
          .timeout(check.timeout()).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static boolean accepts(Endpoint endpoint) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
