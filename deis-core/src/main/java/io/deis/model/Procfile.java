package io.deis.model;

import com.google.common.collect.ImmutableSortedMap;
import io.deis.error.BuildException;
import io.deis.error.InvalidInputException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process types of an app and the command each one runs: one {@code type: command} per line.
 * Blank lines and lines starting with {@code #} are skipped; anything else that does not fit is
 * rejected with its line number, because a silently ignored line is a process that never runs.
 */
public record Procfile(Map<ProcessType, String> commands) {
  public static final Procfile EMPTY = new Procfile(Map.of());
  private static final Pattern LINE = Pattern.compile("^([A-Za-z0-9_-]+):\\s*(.*)$");
  /** The largest Procfile read: a few lines in practice; a huge one is a mistake or an attack. */
  public static final int MAX_BYTES = 64 * 1024;

  public Procfile {
    if (commands == null) {
      throw new InvalidInputException("Procfile commands are missing (null)");
    }
    commands.forEach((type, command) -> {
      if (type == null) {
        throw new InvalidInputException("Procfile process type is missing (null)");
      }
      if (command == null || command.isBlank()) {
        throw new InvalidInputException("Procfile type '" + type + "' has no command: write it as 'type: command'");
      }
      if (command.indexOf(0) >= 0) {
        throw new InvalidInputException("Procfile type '" + type + "' has a command with a NUL character, which no process can run");
      }
    });
    commands = ImmutableSortedMap.copyOf(commands);
  }

  /**
   * Parses a Procfile's text.
   *
   * @throws BuildException for a malformed or duplicate line (naming its number) or a text over {@value #MAX_BYTES} bytes
   * @throws InvalidInputException for null
   */
  public static Procfile parse(String text) {
    if (text == null) {
      throw new InvalidInputException("Procfile text is missing (null)");
    }
    if (text.length() > MAX_BYTES) {
      throw new BuildException("the Procfile is " + text.length() + " characters long: at most " + MAX_BYTES + " are read");
    }
    TreeMap<ProcessType, String> commands = new TreeMap<>();
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int number = i + 1;
      if (line.indexOf(0) >= 0) {
        throw new BuildException("Procfile line " + number + " contains a NUL character: a Procfile is text, one 'type: command' per line");
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new BuildException("Procfile line " + number + " is malformed: " + io.deis.error.DeisException.quote(line)
            + "; each line must be 'type: command' with a type of letters, digits, '_' or '-'");
      }
      if (m.group(2).isBlank()) {
        throw new BuildException("Procfile line " + number + " is malformed: type " + io.deis.error.DeisException.quote(m.group(1))
            + " has no command");
      }
      ProcessType type;
      try {
        type = ProcessType.of(m.group(1));
      } catch (InvalidInputException e) {
        throw new BuildException("Procfile line " + number + ": " + e.getMessage());
      }
      if (commands.put(type, m.group(2)) != null) {
        throw new BuildException("Procfile line " + number + " declares type '" + type + "' a second time");
      }
    }
    return new Procfile(commands);
  }

  public Optional<String> command(ProcessType type) {
    return Optional.ofNullable(commands.get(type));
  }

  public boolean declares(ProcessType type) {
    return commands.containsKey(type);
  }

  public boolean isEmpty() {
    return commands.isEmpty();
  }
}
