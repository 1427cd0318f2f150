package io.deis.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import io.deis.scheduler.LogLine;

/**
 * A container's log on disk: every line its processes write, prefixed with the time it was read,
 * in a file that is rotated when it reaches its size limit (the previous file is kept as
 * {@code <name>.1}, the one before is dropped), so a chatty process never fills the disk.
 */
final class LogFile {
  /** The longest line kept whole; a longer one is cut, so one line cannot hold the reader's memory. */
  static final int MAX_LINE_CHARS = 16 * 1024;
  private final Path file;
  private final Path previous;
  private final long maxBytes;
  private OutputStream out;
  private long size;

  LogFile(Path file, long maxBytes) {
    this.file = file;
    this.previous = file.resolveSibling(file.getFileName() + ".1");
    this.maxBytes = maxBytes;
  }

  /** Reads {@code in} line by line until it ends, writing each line with its time; runs on its own thread. */
  void pump(InputStream in) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = reader.read()) != -1) {
        if (c == '\n') {
          write(line);
          line.setLength(0);
        } else if (line.length() < MAX_LINE_CHARS) {
          line.append((char) c);
        }
      }
      if (line.length() > 0) {
        write(line);
      }
    } catch (IOException e) {
      // the process is gone, or its log directory was removed: nothing more to write
    } finally {
      close();
    }
  }

  private synchronized void write(CharSequence text) throws IOException {
    byte[] bytes = (Instant.now() + " " + text.toString().replace('\r', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
    if (out == null) {
      Files.createDirectories(file.getParent());
      size = Files.exists(file) ? Files.size(file) : 0;
      out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    if (size + bytes.length > maxBytes && size > 0) {
      out.close();
      Files.move(file, previous, StandardCopyOption.REPLACE_EXISTING);
      out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      size = 0;
    }
    out.write(bytes);
    out.flush();
    size += bytes.length;
  }

  synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // nothing to do
      }
      out = null;
    }
  }

  /** The last {@code lines} lines, oldest first, from the rotated file too when the current one has fewer. */
  List<LogLine> tail(int lines) {
    List<LogLine> current = parse(tail(file, lines));
    if (current.size() >= lines) {
      return current;
    }
    List<LogLine> all = new ArrayList<>(parse(tail(previous, lines - current.size())));
    all.addAll(current);
    return all;
  }

  private static List<LogLine> parse(List<String> raw) {
    List<LogLine> lines = new ArrayList<>(raw.size());
    for (String line : raw) {
      int space = line.indexOf(' ');
      try {
        lines.add(LogLine.of(Instant.parse(line.substring(0, space)), line.substring(space + 1)));
      } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
        lines.add(LogLine.of(Instant.EPOCH, line)); // not written by this class: keep it, oldest
      }
    }
    return lines;
  }

  /** The last {@code lines} lines of a file, reading backwards so a large log costs no more than its tail. */
  static List<String> tail(Path file, int lines) {
    if (lines <= 0 || !Files.exists(file)) {
      return List.of();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long end = raf.length();
      long start = end;
      int newlines = 0;
      byte[] buffer = new byte[8192];
      while (start > 0 && newlines <= lines) {
        int chunk = (int) Math.min(buffer.length, start);
        start -= chunk;
        raf.seek(start);
        raf.readFully(buffer, 0, chunk);
        for (int i = chunk - 1; i >= 0; i--) {
          if (buffer[i] == '\n' && start + i != end - 1 && ++newlines > lines) {
            start = start + i + 1;
            break;
          }
        }
      }
      byte[] bytes = new byte[(int) (end - start)];
      raf.seek(start);
      raf.readFully(bytes);
      List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      return all.size() <= lines ? all : all.subList(all.size() - lines, all.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read log " + file, e);
    }
  }
}
