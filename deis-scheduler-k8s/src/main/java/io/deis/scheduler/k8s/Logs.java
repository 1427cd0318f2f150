package io.deis.scheduler.k8s;

import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.scheduler.LogLine;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app's log: each pod's log read through the API server (which asks the pod's kubelet), and a
 * restarted container's previous log, merged by timestamp as {@code <app>[web.1]: text}. A pod
 * whose kubelet does not answer is left out with a warning, so one bad node does not hide the
 * rest; only when no pod's log can be read does the call fail.
 */
final class Logs {
  private static final Logger LOG = LoggerFactory.getLogger(Logs.class);
  /** How much of a one-off run's output {@code run} returns: the tail, as the core's runtimes keep it. */
  static final int MAX_RUN_OUTPUT_LINES = 10_000;

  private final KubeApi api;
  private final Inventory inventory;

  Logs(KubeApi api, Inventory inventory) {
    this.api = api;
    this.inventory = inventory;
  }

  List<LogLine> logs(AppName app, int lines) {
    if (lines < 1) {
      throw new InvalidInputException("log lines " + lines + " is invalid: ask for 1 or more");
    }
    String ns = Names.namespace(app);
    List<List<LogLine>> sources = new ArrayList<>();
    List<SchedulerException> failures = new ArrayList<>();
    int[] pods = {0};
    inventory.numbered(app, inventory.pods(app)).forEach((type, list) -> {
      for (int i = 0; i < list.size(); i++) {
        V1Pod pod = list.get(i);
        String source = type + "." + (i + 1);
        pods[0]++;
        try {
          List<Optional<String>> texts = new ArrayList<>();
          if (PodStates.restarts(pod) > 0) {
            // A container that crashed and was restarted: its last words are in the previous log.
            texts.add(read(ns, pod.getMetadata().getName(), lines, true, true));
          }
          texts.add(read(ns, pod.getMetadata().getName(), lines, false, true));
          // The kubelet's timestamp on each line lets the core merge the pods' lines by time.
          List<LogLine> podLines = new ArrayList<>();
          texts.forEach(text -> text.ifPresent(t -> t.lines().forEach(line -> podLines.add(line(source, line)))));
          sources.add(podLines);
        } catch (SchedulerException e) {
          LOG.warn("left the log of {}[{}] (pod {}) out: {}", app, source, pod.getMetadata().getName(), e.getMessage());
          failures.add(e);
        }
      }
    });
    if (!failures.isEmpty() && failures.size() == pods[0]) {
      throw failures.get(0);
    }
    return LogLine.newest(sources, lines);
  }

  /** A line as the API returns it with {@code timestamps=true}: an RFC 3339 time, a space, the text. */
  private static LogLine line(String source, String line) {
    int space = line.indexOf(' ');
    try {
      return new LogLine(Instant.parse(line.substring(0, space)), source, line.substring(space + 1));
    } catch (RuntimeException notTimed) {
      return new LogLine(Instant.EPOCH, source, line);
    }
  }

  /**
   * The last lines a failed pod's container printed, read before the pod is removed. A container
   * that crashed and runs again has its crash in the previous log.
   */
  List<String> lastOutput(AppName app, String pod, int lines) {
    String ns = Names.namespace(app);
    try {
      boolean runsAgain = api.callUnlessNotFound("read pod " + pod, () -> api.core.readNamespacedPod(pod, ns).execute())
          .map(p -> PodStates.running(p) && PodStates.restarts(p) > 0).orElse(false);
      return read(ns, pod, lines, runsAgain, false).map(t -> t.lines().toList()).orElse(List.of());
    } catch (SchedulerException e) {
      LOG.warn("could not read the last output of pod {}: {}", pod, e.getMessage());
      return List.of();
    }
  }

  /** The log of a finished run's pod: its last {@link #MAX_RUN_OUTPUT_LINES} lines, so a chatty run cannot fill the heap. */
  String ofRun(String ns, String pod) {
    return read(ns, pod, MAX_RUN_OUTPUT_LINES, false, false).orElse("");
  }

  private Optional<String> read(String ns, String pod, int lines, boolean previous, boolean timestamps) {
    try {
      var request = api.core.readNamespacedPodLog(pod, ns).timestamps(timestamps).previous(previous);
      if (lines > 0) {
        request = request.tailLines(lines);
      }
      return Optional.ofNullable(request.execute());
    } catch (ApiException e) {
      // A pod whose container has not started has no log yet (HTTP 400); a deleted one has none (404).
      if (e.getCode() == 400 || e.getCode() == KubeApi.NOT_FOUND) {
        LOG.debug("no log for pod {}: {}", pod, api.describe(e));
        return Optional.empty();
      }
      throw api.error("read the log of pod " + pod, e);
    }
  }
}
