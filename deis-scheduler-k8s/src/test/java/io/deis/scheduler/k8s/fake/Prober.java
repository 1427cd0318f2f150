package io.deis.scheduler.k8s.fake;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's readiness prober: a real HTTP GET or TCP connect to the pod IP, every
 * {@code periodSeconds} after {@code initialDelaySeconds}. As the kubelet applies them, a container
 * starts unready, becomes ready after {@code successThreshold} successes in a row (default 1) and
 * unready again only after {@code failureThreshold} failures in a row (default 3).
 */
final class Prober implements AutoCloseable {
  private final Store store;
  private final KubeletStatus status;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "fake-kubelet-probe");
    t.setDaemon(true);
    return t;
  });

  Prober(Store store, KubeletStatus status) {
    this.store = store;
    this.status = status;
  }

  ScheduledFuture<?> probe(String ns, String name, ContainerProcess process, JsonObject probe) {
    boolean tcp = probe.has("tcpSocket");
    String path = Optional.ofNullable(Store.string(probe, "httpGet", "path")).orElse("/");
    String port = Optional.ofNullable(Store.string(probe, tcp ? "tcpSocket" : "httpGet", "port")).orElse("80");
    long period = number(probe, "periodSeconds", 10);
    long delay = number(probe, "initialDelaySeconds", 0);
    long timeout = number(probe, "timeoutSeconds", 1);
    long successThreshold = number(probe, "successThreshold", 1);
    long failureThreshold = number(probe, "failureThreshold", 3);
    int[] successes = {0};
    int[] failures = {0};
    boolean[] ready = {false};
    return probes.scheduleWithFixedDelay(() -> {
      if (!process.isAlive()) {
        return;
      }
      String ip = store.get("pods", ns, name).map(p -> Store.string(p, "status", "podIP")).orElse(null);
      boolean ok;
      try {
        if (tcp) {
          try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(ip, Integer.parseInt(port)), (int) timeout * 1000);
          }
          ok = true;
        } else {
          HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + path))
              .timeout(Duration.ofSeconds(timeout)).build(), HttpResponse.BodyHandlers.discarding());
          ok = response.statusCode() >= 200 && response.statusCode() < 400;
        }
      } catch (IOException e) {
        ok = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      successes[0] = ok ? successes[0] + 1 : 0;
      failures[0] = ok ? 0 : failures[0] + 1;
      if (!ready[0] && successes[0] >= successThreshold) {
        ready[0] = true;
      } else if (ready[0] && failures[0] >= failureThreshold) {
        ready[0] = false;
      } else {
        return; // no transition
      }
      status.ready(ns, name, ready[0], process::isAlive);
    }, delay * 1000, period * 1000, TimeUnit.MILLISECONDS);
  }

  private static long number(JsonObject probe, String field, long fallback) {
    return Optional.ofNullable(Store.string(probe, field)).map(Long::parseLong).orElse(fallback);
  }

  @Override
  public void close() {
    probes.shutdownNow();
  }
}
