package io.deis.junit5;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.error.SchedulerException;
import io.deis.model.Installation;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * The record of one extension session on disk, {@code <sessions>/<installation>/}: what the next
 * run's {@link Reaper} needs to know whether the session's JVM is gone, and what to remove if so.
 *
 * <ul>
 *   <li>{@code session.lock}, locked by the session's JVM for as long as the session lives: the
 *       operating system releases the lock when the JVM ends, however it ends;
 *   <li>{@code session.properties}: the JVM's pid and start time (a second opinion, for file
 *       systems whose locks cannot be trusted, and against a reused pid), the backend, the test class;
 *   <li>{@code data/}: the controller's data directory (checkouts; the local runtime's containers).
 * </ul>
 *
 * <p>A record appears by an atomic rename of a directory whose lock is already held, so a reaper
 * never sees a record that is not yet locked.
 */
final class SessionRecord implements AutoCloseable {
  static final String LOCK_FILE = "session.lock";
  static final String PROPERTIES_FILE = "session.properties";
  static final String DATA_DIRECTORY = "data";
  /** Directories being made start with this; the reaper leaves them alone unless they are old. */
  static final String NEW_PREFIX = ".new-";

  /** Records this JVM is reaping now, so two of its threads never take the same one. */
  private static final java.util.Set<Path> REAPING = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Path directory;
  private final Installation installation;
  private final FileChannel channel;
  private final FileLock lock;

  private SessionRecord(Path directory, Installation installation, FileChannel channel, FileLock lock) {
    this.directory = directory;
    this.installation = installation;
    this.channel = channel;
    this.lock = lock;
  }

  /** Makes and locks the record of a new session of this JVM under {@code sessions}. */
  static SessionRecord create(Path sessions, Installation installation, Backend backend, String testClass) {
    try {
      Files.createDirectories(sessions);
      Path making = sessions.resolve(NEW_PREFIX + installation.id());
      Files.createDirectories(making.resolve(DATA_DIRECTORY));
      FileChannel channel = FileChannel.open(making.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        throw new SchedulerException("cannot lock the new session record " + making + ": another process holds it");
      }
      Properties p = new Properties();
      ProcessHandle me = ProcessHandle.current();
      p.setProperty("pid", Long.toString(me.pid()));
      me.info().startInstant().ifPresent(at -> p.setProperty("started", at.toString()));
      p.setProperty("backend", backend.name());
      p.setProperty("installation", installation.id());
      p.setProperty("testClass", testClass);
      p.setProperty("created", Instant.now().toString());
      try (Writer out = Files.newBufferedWriter(making.resolve(PROPERTIES_FILE), StandardCharsets.UTF_8)) {
        p.store(out, "deis-junit5 session: removed by the next run's reaper once this JVM is gone");
      }
      Path directory = sessions.resolve(installation.id());
      Files.move(making, directory, StandardCopyOption.ATOMIC_MOVE);
      return new SessionRecord(directory, installation, channel, lock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the session record under " + sessions
          + " (set the directory with -D" + DeisExtension.SESSIONS_PROPERTY + "=...)", e);
    }
  }

  Installation installation() {
    return installation;
  }

  Path dataDirectory() {
    return directory.resolve(DATA_DIRECTORY);
  }

  Path directory() {
    return directory;
  }

  /** Ends the session: the lock goes, then the record. Called once everything it made is removed. */
  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the lock goes with the channel, or with the JVM
    }
    delete(directory);
  }

  /**
   * Claims the record in {@code directory} for reaping when its session ended without removing it:
   * its JVM (pid and start time) is gone and its lock is free. The claim holds the lock, so no
   * other reaper takes the record meanwhile; empty when the session lives (or is being reaped).
   *
   * <p>The JVM is checked before the lock file is opened: closing any descriptor of a file drops
   * every POSIX lock this process holds on it, so a live session of this JVM is never touched.
   */
  static Optional<Claim> claimIfDead(Path directory) {
    Path lockFile = directory.resolve(LOCK_FILE);
    if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS) || jvmAlive(directory.resolve(PROPERTIES_FILE))) {
      return Optional.empty();
    }
    if (!REAPING.add(directory)) {
      return Optional.empty(); // another thread of this JVM reaps it
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return Optional.of(new Claim(directory, channel));
      }
    } catch (IOException | OverlappingFileLockException e) {
      // not ours to take
    }
    closeQuietly(channel);
    REAPING.remove(directory);
    return Optional.empty();
  }

  /** A dead session's record, locked by the reaper that removes what the session left. */
  static final class Claim implements AutoCloseable {
    private final Path directory;
    private final FileChannel channel;

    private Claim(Path directory, FileChannel channel) {
      this.directory = directory;
      this.channel = channel;
    }

    Path directory() {
      return directory;
    }

    Installation installation() {
      return Installation.of(directory.getFileName().toString());
    }

    /** Deletes the record: everything of the session is gone. */
    void delete() {
      SessionRecord.delete(directory);
    }

    @Override
    public void close() {
      closeQuietly(channel);
      REAPING.remove(directory);
    }
  }

  /** The backend a record names; {@link Backend#LOCAL} for one that cannot be read (its Docker objects, if any, are then not found). */
  static Backend backendOf(Path directory) {
    Properties p = read(directory.resolve(PROPERTIES_FILE));
    try {
      return Backend.valueOf(p.getProperty("backend", "LOCAL"));
    } catch (IllegalArgumentException e) {
      return Backend.LOCAL;
    }
  }

  /** Whether the JVM a record names runs: same pid, same start time (a reused pid has another). */
  private static boolean jvmAlive(Path properties) {
    Properties p = read(properties);
    String pid = p.getProperty("pid");
    if (pid == null) {
      return false;
    }
    try {
      Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive);
      if (process.isEmpty()) {
        return false;
      }
      String started = p.getProperty("started");
      Optional<Instant> actual = process.get().info().startInstant();
      if (started == null || actual.isEmpty()) {
        return true; // cannot tell a reused pid: never remove what may be a live session's
      }
      return Duration.between(Instant.parse(started), actual.get()).abs().compareTo(Duration.ofSeconds(2)) < 0;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static Properties read(Path file) {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      // an unreadable record: treated as naming no live JVM
    }
    return p;
  }

  static void delete(Path directory) {
    try {
      if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(SessionRecord.class).warn("could not delete {}: {}", directory, e.toString());
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing held
      }
    }
  }
}
