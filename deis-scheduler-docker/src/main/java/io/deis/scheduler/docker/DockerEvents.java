package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerRuntime.ExitListener;
import io.deis.scheduler.Labels;
import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exits of an installation's containers, read from the daemon's event stream ({@code die} events
 * of containers with the installation's labels), never by polling. Stops the runtime asked for are
 * recognised by Docker container id and not reported; nor are one-off runs, whose exit their
 * caller waits for. A dropped stream is opened again and replays from the last event seen, so no
 * exit is lost.
 */
final class DockerEvents implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(DockerEvents.class);

  private final DockerClient docker;
  private final List<ExitListener> listeners = new CopyOnWriteArrayList<>();
  /** Docker container ids this runtime is stopping or removing: their die events are not crashes. */
  private final Set<String> requestedStops = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deis-docker-events");
    t.setDaemon(true);
    return t;
  });
  private volatile Map<String, String> labels;
  private volatile long lastEventNanos = Instant.now().toEpochMilli() * 1_000_000L;
  private volatile Closeable stream;
  private volatile boolean closed;

  DockerEvents(DockerClient docker) {
    this.docker = docker;
  }

  void addListener(ExitListener listener) {
    listeners.add(listener);
  }

  /** Starts listening to the exits of containers that carry all of {@code installationLabels}. */
  void start(Map<String, String> installationLabels) {
    this.labels = Map.copyOf(installationLabels);
    subscribe();
  }

  /** The next exit of this Docker container is one the runtime asked for: not a crash. */
  void expectStop(String dockerId) {
    requestedStops.add(dockerId);
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    long since = lastEventNanos / 1_000_000_000L;
    stream = docker.eventsCmd()
        .withEventTypeFilter(EventType.CONTAINER)
        .withEventFilter("die")
        .withLabelFilter(labels)
        .withSince(Long.toString(since))
        .exec(new ResultCallback.Adapter<Event>() {
          @Override
          public void onNext(Event event) {
            onDie(event);
          }

          @Override
          public void onError(Throwable error) {
            if (!closed) {
              log.warn("Docker event stream failed, reconnecting: {}", error.toString());
              reconnect();
            }
          }

          @Override
          public void onComplete() {
            if (!closed) {
              reconnect();
            }
          }
        });
  }

  private void reconnect() {
    try {
      reconnects.schedule(this::subscribe, 1, TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void onDie(Event event) {
    long nanos = event.getTimeNano() == null ? 0 : event.getTimeNano();
    // The replay since a whole second can repeat events already handled, or ones from before this runtime.
    if (nanos <= lastEventNanos) {
      return;
    }
    lastEventNanos = nanos;
    String dockerId = event.getActor() == null ? event.getId() : event.getActor().getId();
    Map<String, String> attributes = event.getActor() == null || event.getActor().getAttributes() == null
        ? Map.of() : event.getActor().getAttributes();
    if (requestedStops.remove(dockerId) || ProcessType.RUN.value().equals(attributes.get(Labels.TYPE))) {
      return;
    }
    // The filter chose by labels already; this is a second look, since the stream is all that stands between installations here.
    if (!labels.entrySet().stream().allMatch(l -> l.getValue().equals(attributes.get(l.getKey())))) {
      return;
    }
    String name = attributes.get("name");
    int exitCode;
    try {
      exitCode = Integer.parseInt(attributes.getOrDefault("exitCode", "-1"));
    } catch (NumberFormatException e) {
      exitCode = -1;
    }
    log.debug("container {} ({}) exited with {}", name, dockerId, exitCode);
    for (ExitListener listener : listeners) {
      try {
        listener.exited(name, exitCode);
      } catch (RuntimeException e) {
        log.warn("exit listener failed for {}: {}", name, e.toString());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    reconnects.shutdownNow();
    Closeable s = stream;
    if (s != null) {
      try {
        s.close();
      } catch (IOException | RuntimeException e) {
        log.debug("closing the event stream failed: {}", e.toString());
      }
    }
  }
}
