package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import io.deis.scheduler.LogLine;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers' logs, read from Docker and bounded: at most {@code linesLimit} lines and
 * {@code bytesLimit} bytes of one container are ever read into memory, whatever a caller asks for.
 * Since a stop removes the Docker container, the last lines of a container's earlier runs are kept
 * here, so that {@code logs} still shows why it crashed.
 */
final class DockerLogs {
  private static final Logger log = LoggerFactory.getLogger(DockerLogs.class);
  /** How many log lines of a container's earlier runs are kept after its Docker container is removed. */
  static final int KEPT_LINES = 1000;
  private static final long READ_TIMEOUT_SECONDS = 30;

  private final DockerClient docker;
  private final int linesLimit;
  private final int bytesLimit;
  private final Map<String, Deque<LogLine>> earlier = new ConcurrentHashMap<>();

  DockerLogs(DockerClient docker, int linesLimit, int bytesLimit) {
    this.docker = docker;
    this.linesLimit = linesLimit;
    this.bytesLimit = bytesLimit;
  }

  /**
   * The container's last {@code lines} lines (at most the limit), including those of its earlier
   * (removed) Docker containers, oldest first, each with the time Docker recorded for it.
   */
  List<LogLine> logs(String id, int lines) {
    int wanted = Math.min(lines, linesLimit);
    if (wanted <= 0) {
      return List.of();
    }
    List<LogLine> all = new ArrayList<>();
    Deque<LogLine> kept = earlier.get(id);
    if (kept != null) {
      synchronized (kept) {
        all.addAll(kept);
      }
    }
    all.addAll(timed(id, wanted));
    return all.size() <= wanted ? all : List.copyOf(all.subList(all.size() - wanted, all.size()));
  }

  /** The Docker container's last {@code tail} lines with Docker's timestamps, bounded like {@link #read}. */
  private List<LogLine> timed(String idOrName, int tail) {
    return read(idOrName, tail, true).lines().stream().map(DockerLogs::parse).toList();
  }

  /** A line of {@code docker logs --timestamps}: an RFC 3339 time, a space, the text. */
  static LogLine parse(String line) {
    int space = line.indexOf(' ');
    if (space > 0) {
      try {
        return LogLine.of(Instant.parse(line.substring(0, space)), line.substring(space + 1));
      } catch (DateTimeParseException e) {
        // not a timestamp: a line cut at the byte limit, kept whole below
      }
    }
    return LogLine.of(Instant.EPOCH, line);
  }

  /**
   * What the Docker container wrote, its last {@code tail} lines ({@code -1}: all of it), never
   * more than the byte limit; empty when the container does not exist.
   */
  TailBuffer read(String idOrName, int tail) {
    return read(idOrName, tail, false);
  }

  private TailBuffer read(String idOrName, int tail, boolean timestamps) {
    TailBuffer out = new TailBuffer(bytesLimit);
    try {
      var cmd = docker.logContainerCmd(idOrName).withStdOut(true).withStdErr(true).withTimestamps(timestamps);
      cmd = tail >= 0 ? cmd.withTail(tail) : cmd.withTailAll();
      cmd.exec(new ResultCallback.Adapter<Frame>() {
        @Override
        public void onNext(Frame frame) {
          out.write(frame.getPayload());
        }

        @Override
        public void onError(Throwable error) {
          // A container removed while it is read (by a concurrent stop): what was read is what there is.
          log.debug("reading the log of {} ended: {}", idOrName, error.toString());
          onComplete();
        }
      }).awaitCompletion(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (NotFoundException | ConflictException e) {
      // no such container, or one being removed: nothing to read
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  /** Keeps the last lines of the container's current Docker container, before it is removed. */
  void keep(String id) {
    List<LogLine> lines = timed(id, KEPT_LINES);
    if (lines.isEmpty()) {
      return;
    }
    Deque<LogLine> kept = earlier.computeIfAbsent(id, x -> new ArrayDeque<>());
    synchronized (kept) {
      kept.addAll(lines);
      while (kept.size() > KEPT_LINES) {
        kept.removeFirst();
      }
    }
  }

  void forget(String id) {
    earlier.remove(id);
  }

  void forgetAll(Predicate<String> ids) {
    earlier.keySet().removeIf(ids);
  }
}
