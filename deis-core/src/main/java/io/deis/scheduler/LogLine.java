package io.deis.scheduler;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One line an app's container (or the controller) wrote, with when it was written: logs of several
 * containers are merged by time, so one busy container cannot push the others out.
 *
 * @param source who wrote it: a container as {@code web.1}, or {@code api} for the controller; empty as a runtime returns it
 */
public record LogLine(Instant time, String source, String text) {
  /** Deis's log time format, {@code 2014-01-01T00:00:00UTC}. */
  public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'UTC'").withZone(ZoneOffset.UTC);

  public LogLine {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(text, "text");
  }

  /** A line as a runtime reads it: no source yet. */
  public static LogLine of(Instant time, String text) {
    return new LogLine(time, "", text);
  }

  public LogLine withSource(String newSource) {
    return new LogLine(time, newSource, text);
  }

  /** Deis's form: {@code 2014-01-01T00:00:00UTC myapp[web.1]: text}. */
  public String format(String app) {
    return TIME.format(time) + " " + app + "[" + source + "]: " + text;
  }

  /**
   * The newest {@code lines} lines of several sources, oldest first: each source's lines are in
   * time order already; lines of one time keep their source's order.
   */
  public static List<LogLine> newest(List<List<LogLine>> sources, int lines) {
    List<LogLine> all = new ArrayList<>();
    sources.forEach(all::addAll);
    all.sort(Comparator.comparing(LogLine::time)); // stable: equal times keep their order
    return all.size() <= lines ? all : List.copyOf(all.subList(all.size() - lines, all.size()));
  }
}
