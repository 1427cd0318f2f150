package io.deis.scheduler.k8s;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a condition on a set of objects with a list, then a watch from the list's
 * resourceVersion: the condition is checked after every event, so a wait ends as soon as the API
 * reports what it waits for. There is no sleep anywhere; a watch ends at the server's
 * {@code timeoutSeconds} (kept under the client's read timeout and the deadline) and is resumed
 * from the last resourceVersion seen, as the client's reflectors do.
 */
final class Waiter {
  private static final Logger LOG = LoggerFactory.getLogger(Waiter.class);
  private static final int GONE = 410;
  /** A watch is resumed at least this often, so that a silently dropped connection costs little. */
  private static final int MAX_WATCH_SECONDS = 300;

  private final KubeApi api;

  Waiter(KubeApi api) {
    this.api = api;
  }

  record Listing<T>(List<T> items, String resourceVersion) {}

  @FunctionalInterface
  interface Lister<T> {
    Listing<T> list() throws ApiException;
  }

  @FunctionalInterface
  interface WatchCall {
    okhttp3.Call build(String resourceVersion, int timeoutSeconds) throws ApiException;
  }

  /** The outcome of a wait and the objects as they were when it was decided (or when time ran out). */
  record Result<T>(Progress progress, Map<String, T> objects) {}

  /**
   * Lists, then watches, until {@code condition} decides or {@code deadline} passes; a wait that
   * runs out of time returns the last WAITING progress, so the caller can say what was missing.
   */
  <T extends KubernetesObject> Result<T> await(String what, Lister<T> lister, WatchCall watchCall, Type eventType,
      Instant deadline, Function<Collection<T>, Progress> condition) {
    Map<String, T> objects = new LinkedHashMap<>();
    String resourceVersion = null;
    Progress progress = Progress.waiting(what);
    while (true) {
      if (resourceVersion == null) {
        Listing<T> listing = api.call("list " + what, lister::list);
        objects.clear();
        listing.items().forEach(o -> objects.put(o.getMetadata().getName(), o));
        resourceVersion = listing.resourceVersion();
      }
      progress = condition.apply(objects.values());
      if (progress.decided()) {
        return new Result<>(progress, objects);
      }
      int seconds = watchSeconds(progress.recheckAt().filter(deadline::isAfter).orElse(deadline));
      if (!Instant.now().isBefore(deadline)) {
        return new Result<>(progress, objects);
      }
      seconds = Math.max(1, seconds); // a recheck that is due: one more short watch, then judge again
      String from = resourceVersion;
      try (Watch<T> watch = Watch.createWatch(api.client, watchCall.build(from, seconds), eventType)) {
        for (Watch.Response<T> event : watch) {
          if ("ERROR".equals(event.type)) {
            if (event.status != null && event.status.getCode() != null && event.status.getCode() == GONE) {
              LOG.debug("watch of {} expired at resourceVersion {}; listing again", what, resourceVersion);
              resourceVersion = null; // too old to resume: list again
              break;
            }
            throw new io.deis.error.SchedulerException("could not watch " + what + ": "
                + (event.status == null ? "the API sent an error event" : event.status.getMessage()));
          }
          T object = event.object;
          if (object != null && object.getMetadata() != null) {
            if (object.getMetadata().getResourceVersion() != null) {
              resourceVersion = object.getMetadata().getResourceVersion();
            }
            switch (event.type) {
              case "ADDED", "MODIFIED" -> objects.put(object.getMetadata().getName(), object);
              case "DELETED" -> objects.remove(object.getMetadata().getName());
              default -> { } // BOOKMARK: only the resourceVersion moves
            }
          }
          progress = condition.apply(objects.values());
          if (progress.decided()) {
            return new Result<>(progress, objects);
          }
          if (!Instant.now().isBefore(deadline)) {
            return new Result<>(progress, objects);
          }
          if (progress.recheckAt().filter(at -> !Instant.now().isBefore(at)).isPresent()) {
            break; // judged again by the next round, without waiting for an event
          }
        }
      } catch (ApiException e) {
        if (e.getCode() == GONE) {
          resourceVersion = null;
          continue;
        }
        throw api.error("watch " + what, e);
      } catch (IOException | RuntimeException e) {
        if (e instanceof io.deis.error.DeisException d) {
          throw d;
        }
        // A read timeout or a dropped stream: list again, which fails loudly if the API is gone.
        LOG.debug("watch of {} ended: {}; listing again", what, e.toString());
        resourceVersion = null;
      }
    }
  }

  /** How long the next watch may last: to {@code until}, but under the client's read timeout. */
  private int watchSeconds(Instant until) {
    long remaining = (long) Math.ceil(Duration.between(Instant.now(), until).toMillis() / 1000.0);
    long limit = MAX_WATCH_SECONDS;
    int readTimeoutMillis = api.client.getReadTimeout();
    if (readTimeoutMillis > 0) {
      limit = Math.min(limit, Math.max(1, readTimeoutMillis / 1000 - 1));
    }
    return (int) Math.min(remaining, limit);
  }
}
