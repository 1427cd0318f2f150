package io.deis.scheduler.k8s;

import io.deis.error.DeisException;
import io.deis.error.SchedulerException;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a condition on one or more kinds of objects (a rollout looks at Deployments and their
 * pods): each kind is listed, then watched from the list's resourceVersion on a thread of its own,
 * and the condition is judged after every batch of events, so a wait ends as soon as the API
 * reports what it waits for. There is no polling: a watch ends at the server's
 * {@code timeoutSeconds} (kept under the client's read timeout) and resumes from the last
 * resourceVersion seen; a {@code 410 Gone} (history expired) or a dropped stream lists again.
 */
final class Watches {
  private static final Logger LOG = LoggerFactory.getLogger(Watches.class);
  private static final int GONE = 410;
  /** A watch is resumed at least this often, so that a silently dropped connection costs little. */
  private static final int MAX_WATCH_SECONDS = 300;

  private final KubeApi api;
  private final ExecutorService threads;

  Watches(KubeApi api, ExecutorService threads) {
    this.api = api;
    this.threads = threads;
  }

  @FunctionalInterface
  interface Lister<T> {
    Listing<T> list() throws ApiException;
  }

  @FunctionalInterface
  interface WatchCall {
    okhttp3.Call build(String resourceVersion, int timeoutSeconds) throws ApiException;
  }

  record Listing<T>(List<T> items, String resourceVersion) {}

  /** One kind of object to list and watch, as {@code what} names it in errors. */
  record Source<T extends KubernetesObject>(String what, Lister<T> lister, WatchCall watch, Type eventType) {}

  /** The objects of every source as last seen, by source and name. */
  static final class Snapshot {
    private final Map<Source<?>, Map<String, KubernetesObject>> objects = new LinkedHashMap<>();
    private final Map<Source<?>, String> versions = new LinkedHashMap<>();

    /** The resourceVersion the source's objects are as of: its listing's, or its last event's; null before the first listing. */
    String resourceVersion(Source<?> source) {
      return versions.get(source);
    }

    @SuppressWarnings("unchecked")
    <T extends KubernetesObject> Collection<T> of(Source<T> source) {
      return (Collection<T>) objects.getOrDefault(source, Map.of()).values();
    }

    @SuppressWarnings("unchecked")
    <T extends KubernetesObject> T get(Source<T> source, String name) {
      return (T) objects.getOrDefault(source, Map.of()).get(name);
    }
  }

  /** The outcome of a wait, and the objects as they were when it was decided (or when time ran out). */
  record Result(Progress progress, Snapshot snapshot) {}

  private sealed interface Update {}

  private record Reset(Source<?> source, List<? extends KubernetesObject> items, String resourceVersion) implements Update {}

  private record Change(Source<?> source, String type, KubernetesObject object) implements Update {}

  private record Failure(RuntimeException error) implements Update {}

  /** Waits on one kind of object. */
  <T extends KubernetesObject> Result await(Source<T> source, Instant deadline, Function<Snapshot, Progress> condition) {
    return await(List.of(source), deadline, condition);
  }

  /**
   * Lists and watches every source until {@code condition} decides or {@code deadline} passes; a
   * wait that runs out of time returns the last WAITING progress, so the caller can say what was missing.
   */
  Result await(List<Source<?>> sources, Instant deadline, Function<Snapshot, Progress> condition) {
    BlockingQueue<Update> updates = new LinkedBlockingQueue<>();
    List<Stream> streams = new ArrayList<>();
    try {
      for (Source<?> source : sources) {
        Stream stream = new Stream(source, deadline, updates);
        streams.add(stream);
        threads.execute(stream);
      }
      Snapshot snapshot = new Snapshot();
      Progress progress = Progress.waiting(String.join(" and ", sources.stream().map(Source::what).toList()) + " to be listed");
      while (true) {
        Instant until = progress.recheckAt().filter(deadline::isAfter).orElse(deadline);
        long waitMillis = Math.max(0, Duration.between(Instant.now(), until).toMillis());
        Update update = updates.poll(waitMillis, TimeUnit.MILLISECONDS);
        List<Update> batch = new ArrayList<>();
        if (update != null) {
          batch.add(update);
          updates.drainTo(batch);
        }
        for (Update u : batch) {
          apply(snapshot, u);
        }
        if (snapshot.objects.size() == sources.size()) {
          progress = condition.apply(snapshot);
          if (progress.decided()) {
            return new Result(progress, snapshot);
          }
        }
        if (!Instant.now().isBefore(deadline)) {
          return new Result(progress, snapshot);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchedulerException("interrupted while waiting for " + sources.get(0).what(), e);
    } finally {
      streams.forEach(Stream::stop);
    }
  }

  private static void apply(Snapshot snapshot, Update update) {
    if (update instanceof Failure f) {
      throw f.error();
    }
    if (update instanceof Reset r) {
      Map<String, KubernetesObject> byName = new LinkedHashMap<>();
      r.items().forEach(o -> byName.put(o.getMetadata().getName(), o));
      snapshot.objects.put(r.source(), byName);
      snapshot.versions.put(r.source(), r.resourceVersion());
    } else if (update instanceof Change c) {
      Map<String, KubernetesObject> byName = snapshot.objects.computeIfAbsent(c.source(), s -> new LinkedHashMap<>());
      switch (c.type()) {
        case "ADDED", "MODIFIED" -> byName.put(c.object().getMetadata().getName(), c.object());
        case "DELETED" -> byName.remove(c.object().getMetadata().getName());
        default -> { } // BOOKMARK: only the resourceVersion moves
      }
      if (c.object().getMetadata().getResourceVersion() != null) {
        snapshot.versions.put(c.source(), c.object().getMetadata().getResourceVersion());
      }
    }
  }

  /** One source's list-then-watch loop, on its own thread, until stopped. */
  private final class Stream implements Runnable {
    private final Source<?> source;
    private final Instant deadline;
    private final BlockingQueue<Update> updates;
    private final AtomicReference<okhttp3.Call> current = new AtomicReference<>();
    private volatile boolean stopped;

    Stream(Source<?> source, Instant deadline, BlockingQueue<Update> updates) {
      this.source = source;
      this.deadline = deadline;
      this.updates = updates;
    }

    void stop() {
      stopped = true;
      okhttp3.Call call = current.get();
      if (call != null) {
        call.cancel();
      }
    }

    @Override
    public void run() {
      String resourceVersion = null;
      try {
        while (!stopped) {
          if (resourceVersion == null) {
            Listing<? extends KubernetesObject> listing = api.call("list " + source.what(), source.lister()::list);
            updates.add(new Reset(source, listing.items(), listing.resourceVersion()));
            resourceVersion = listing.resourceVersion();
          }
          resourceVersion = watch(resourceVersion);
        }
      } catch (DeisException e) {
        if (!stopped) {
          updates.add(new Failure(e));
        }
      } catch (RuntimeException e) {
        if (!stopped) {
          updates.add(new Failure(new SchedulerException("could not watch " + source.what() + ": " + e, e)));
        }
      }
    }

    /** One watch from {@code from}; returns where to resume, or null to list again. */
    private String watch(String from) {
      String resourceVersion = from;
      okhttp3.Call call;
      try {
        call = source.watch().build(from, watchSeconds());
      } catch (ApiException e) {
        throw api.error("watch " + source.what(), e);
      }
      current.set(call);
      if (stopped) {
        return from;
      }
      try (Watch<KubernetesObject> watch = Watch.createWatch(api.client, call, source.eventType())) {
        for (Watch.Response<KubernetesObject> event : watch) {
          if ("ERROR".equals(event.type)) {
            if (event.status != null && event.status.getCode() != null && event.status.getCode() == GONE) {
              LOG.debug("watch of {} expired at resourceVersion {}; listing again", source.what(), resourceVersion);
              return null;
            }
            throw new SchedulerException("could not watch " + source.what() + ": "
                + (event.status == null ? "the API sent an error event" : event.status.getMessage()));
          }
          KubernetesObject object = event.object;
          if (object != null && object.getMetadata() != null) {
            if (object.getMetadata().getResourceVersion() != null) {
              resourceVersion = object.getMetadata().getResourceVersion();
            }
            updates.add(new Change(source, event.type, object));
          }
        }
        return resourceVersion; // the server ended the watch at its timeout: resume
      } catch (ApiException e) {
        if (e.getCode() == GONE) {
          return null;
        }
        throw api.error("watch " + source.what(), e);
      } catch (IOException | RuntimeException e) {
        if (e instanceof DeisException d) {
          throw d;
        }
        if (!stopped) {
          // A read timeout or a dropped stream: list again, which fails loudly if the API is gone.
          LOG.debug("watch of {} ended: {}; listing again", source.what(), e.toString());
        }
        return null;
      }
    }

    /** How long the next watch may last: to the deadline, but under the client's read timeout. */
    private int watchSeconds() {
      long remaining = (long) Math.ceil(Duration.between(Instant.now(), deadline).toMillis() / 1000.0) + 1;
      long limit = MAX_WATCH_SECONDS;
      int readTimeoutMillis = api.client.getReadTimeout();
      if (readTimeoutMillis > 0) {
        limit = Math.min(limit, Math.max(1, readTimeoutMillis / 1000 - 1));
      }
      return (int) Math.max(1, Math.min(remaining, limit));
    }
  }
}
