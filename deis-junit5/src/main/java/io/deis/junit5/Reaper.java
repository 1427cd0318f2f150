package io.deis.junit5;

import io.deis.local.LocalRuntime;
import io.deis.model.AppName;
import io.deis.model.Installation;
import io.deis.scheduler.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what the sessions of JVMs that are gone left behind, the way Testcontainers' Ryuk does:
 * every session starts with a sweep of the sessions directory. A session whose JVM is gone (its
 * record's lock is free, its pid and start time name no running process) has its local runtime
 * processes killed and files removed, and on Docker every container, network and image tag of its
 * installation removed; then its record goes. A live session is never touched: its JVM holds its
 * lock, and even where locks cannot be trusted its pid and start time say it runs.
 *
 * <p>A dead Docker session is reaped on the daemon the reaping session would use; when none
 * answers, its record stays for a later run.
 */
final class Reaper {
  private static final Logger log = LoggerFactory.getLogger(Reaper.class);
  private static final Pattern SESSION_NAME = Pattern.compile("[a-z0-9]{6,16}");
  /** A record still being made this long after it was started was abandoned half made (nothing was deployed yet). */
  private static final Duration ABANDONED_NEW = Duration.ofHours(1);

  private Reaper() {}

  /**
   * Reaps every dead session under {@code sessions}.
   *
   * @param docker a new Docker scheduler, not started, for each dead Docker session; it throws when no daemon answers
   * @return the installations whose leftovers were removed
   */
  static List<Installation> sweep(Path sessions, Supplier<Scheduler> docker) {
    if (!Files.isDirectory(sessions)) {
      return List.of();
    }
    List<Path> entries;
    try (Stream<Path> list = Files.list(sessions)) {
      entries = list.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      log.warn("cannot read the sessions directory {}: {}", sessions, e.toString());
      return List.of();
    }
    List<Installation> reaped = new java.util.ArrayList<>();
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      if (name.startsWith(SessionRecord.NEW_PREFIX)) {
        removeIfAbandoned(entry);
      } else if (SESSION_NAME.matcher(name).matches()) {
        Optional<SessionRecord.Claim> claim = SessionRecord.claimIfDead(entry);
        if (claim.isPresent()) {
          try (SessionRecord.Claim dead = claim.get()) {
            if (reap(dead, docker)) {
              reaped.add(dead.installation());
            }
          }
        }
      }
    }
    return reaped;
  }

  private static boolean reap(SessionRecord.Claim dead, Supplier<Scheduler> docker) {
    Installation installation = dead.installation();
    Backend backend = SessionRecord.backendOf(dead.directory());
    log.info("reaping session {} ({}), whose JVM is gone", installation, backend.displayName());
    Path containers = dead.directory().resolve(SessionRecord.DATA_DIRECTORY).resolve(TestSession.LOCAL_CONTAINERS);
    if (Files.isDirectory(containers)) {
      // Opening a local runtime on the directory kills the process groups a dead runtime left and deletes their files.
      LocalRuntime.builder().workDirectory(containers).build().close();
    }
    if (backend == Backend.DOCKER) {
      try (Scheduler scheduler = docker.get()) {
        scheduler.start(installation);
        for (AppName app : scheduler.apps()) {
          scheduler.destroy(app);
        }
        if (!scheduler.apps().isEmpty()) {
          log.warn("session {}: could not remove everything of {}; a later run tries again", installation, scheduler.apps());
          return false;
        }
      } catch (RuntimeException e) {
        log.warn("session {} left Docker objects that cannot be removed now ({}); a later run tries again", installation, e.getMessage());
        return false;
      }
    }
    dead.delete();
    return true;
  }

  private static void removeIfAbandoned(Path making) {
    try {
      Instant modified = Files.getLastModifiedTime(making).toInstant();
      if (modified.plus(ABANDONED_NEW).isBefore(Instant.now())) {
        SessionRecord.claimIfDead(making).ifPresent(claim -> {
          try (claim) {
            claim.delete();
          }
        });
      }
    } catch (IOException e) {
      // gone meanwhile
    }
  }
}
