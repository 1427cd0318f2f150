package io.deis.scheduler.docker;

import io.deis.error.BuildException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Dockerfile takes from outside its build context, read the way Docker's builder reads it
 * (parser directives, line continuations, comments, case-insensitive instructions, ONBUILD):
 * the images it builds on ({@code FROM}), the images it copies from ({@code COPY --from},
 * {@code RUN --mount=from=}) and what it fetches from the network ({@code ADD <url>}). Build stages
 * named with {@code FROM ... AS name} are not images. Only the variables of global {@code ARG}s
 * with defaults are resolved in {@code FROM}; anything else that would make an image name
 * undecidable before the build is refused, since the builder must know every image first.
 */
final class Dockerfile {
  private static final Pattern DIRECTIVE = Pattern.compile("#\\s*([a-zA-Z][a-zA-Z0-9_-]*)\\s*=\\s*(\\S+)\\s*");
  private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))");
  private static final Pattern URL = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://|git@).*");

  /** An image the Dockerfile uses, with where it does so, for messages. */
  record ImageUse(String image, String instruction, int line) {}

  /** A remote source of an {@code ADD}. */
  record RemoteSource(String url, int line) {}

  private final List<ImageUse> images = new ArrayList<>();
  private final List<RemoteSource> remoteSources = new ArrayList<>();
  private final List<String> stages = new ArrayList<>();
  private final Map<String, String> globalArgs = new HashMap<>();
  private boolean seenFrom;

  private Dockerfile() {}

  /** Reads {@code text}. @throws BuildException for an instruction whose image cannot be known before the build */
  static Dockerfile parse(String text) {
    Dockerfile d = new Dockerfile();
    char escape = '\\';
    String[] lines = text.split("\r?\n", -1);
    int i = 0;
    // Parser directives come first, before any comment, blank line or instruction.
    for (; i < lines.length; i++) {
      Matcher m = DIRECTIVE.matcher(lines[i].strip());
      if (!m.matches()) {
        break;
      }
      if (m.group(1).equalsIgnoreCase("escape") && m.group(2).length() == 1) {
        escape = m.group(2).charAt(0);
      }
    }
    StringBuilder logical = new StringBuilder();
    int start = 0;
    for (; i < lines.length; i++) {
      String line = lines[i];
      String stripped = line.strip();
      if (stripped.startsWith("#") || logical.length() > 0 && stripped.isEmpty()) {
        continue; // comments, and empty lines inside a continuation, are not part of the instruction
      }
      if (logical.length() == 0) {
        start = i + 1;
      }
      String trailing = line.stripTrailing();
      if (!trailing.isEmpty() && trailing.charAt(trailing.length() - 1) == escape) {
        logical.append(trailing, 0, trailing.length() - 1);
        continue;
      }
      logical.append(line);
      d.instruction(logical.toString().strip(), start);
      logical.setLength(0);
    }
    if (logical.length() > 0) {
      d.instruction(logical.toString().strip(), start);
    }
    return d;
  }

  List<ImageUse> images() {
    return images;
  }

  List<RemoteSource> remoteSources() {
    return remoteSources;
  }

  private void instruction(String text, int line) {
    if (text.isEmpty()) {
      return;
    }
    String[] parts = text.split("\\s+", 2);
    String keyword = parts[0].toUpperCase(Locale.ROOT);
    String rest = parts.length > 1 ? parts[1].strip() : "";
    switch (keyword) {
      case "ARG" -> arg(rest);
      case "FROM" -> from(rest, line);
      case "COPY" -> copy(rest, line, "COPY");
      case "ADD" -> add(rest, line);
      case "RUN" -> run(rest, line);
      case "ONBUILD" -> instruction(rest, line);
      default -> { }
    }
  }

  private void arg(String rest) {
    if (seenFrom) {
      return; // an ARG inside a stage does not reach FROM
    }
    for (String word : words(rest)) {
      int eq = word.indexOf('=');
      String name = eq < 0 ? word : word.substring(0, eq);
      String value = eq < 0 ? null : unquote(word.substring(eq + 1));
      if (value == null) {
        globalArgs.remove(name);
      } else {
        globalArgs.put(name, value);
      }
    }
  }

  private void from(String rest, int line) {
    seenFrom = true;
    List<String> words = withoutFlags(words(rest));
    if (words.isEmpty()) {
      throw new BuildException("FROM on line " + line + " of the Dockerfile names no image");
    }
    String image = substitute(words.get(0), line);
    if (!image.equalsIgnoreCase("scratch") && !isStage(image)) {
      images.add(new ImageUse(image, "FROM", line));
    }
    if (words.size() >= 3 && words.get(1).equalsIgnoreCase("AS")) {
      stages.add(words.get(2).toLowerCase(Locale.ROOT));
    } else {
      stages.add(null);
    }
  }

  private void copy(String rest, int line, String keyword) {
    for (String flag : flags(words(rest))) {
      if (flag.startsWith("--from=")) {
        fromFlag(flag.substring("--from=".length()), keyword + " --from", line);
      }
    }
  }

  private void add(String rest, int line) {
    copy(rest, line, "ADD");
    String sources = rest.replaceFirst("^(--\\S+\\s+)*", "");
    List<String> args = sources.startsWith("[") ? jsonArray(sources) : words(sources);
    for (int i = 0; i < args.size() - 1; i++) {
      if (URL.matcher(args.get(i)).matches()) {
        remoteSources.add(new RemoteSource(args.get(i), line));
      }
    }
  }

  private void run(String rest, int line) {
    for (String flag : flags(words(rest))) {
      if (flag.startsWith("--mount=")) {
        for (String option : flag.substring("--mount=".length()).split(",")) {
          if (option.startsWith("from=")) {
            fromFlag(option.substring("from=".length()), "RUN --mount from", line);
          }
        }
      }
    }
  }

  private void fromFlag(String value, String instruction, int line) {
    String source = unquote(value);
    if (source.contains("$")) {
      throw new BuildException(instruction + "=" + source + " on line " + line
          + " of the Dockerfile uses a variable: name the stage or image itself");
    }
    if (!isStage(source)) {
      images.add(new ImageUse(source, instruction, line));
    }
  }

  /** A stage named earlier with {@code AS}, or one numbered by its index. */
  private boolean isStage(String name) {
    if (name.matches("\\d+")) {
      return Integer.parseInt(name) < stages.size();
    }
    return stages.contains(name.toLowerCase(Locale.ROOT));
  }

  private String substitute(String word, int line) {
    Matcher m = VARIABLE.matcher(word);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      String value = globalArgs.get(name);
      if (value == null) {
        throw new BuildException("FROM " + word + " on line " + line + " of the Dockerfile uses $" + name
            + ", which has no default: declare ARG " + name + "=<image> before the first FROM, or name the image itself");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    String image = out.toString();
    if (image.contains("$")) {
      throw new BuildException("FROM " + word + " on line " + line + " of the Dockerfile uses a variable form this builder "
          + "does not resolve: use $NAME or ${NAME} of a global ARG with a default, or name the image itself");
    }
    return image;
  }

  private static List<String> words(String rest) {
    List<String> words = new ArrayList<>();
    for (String w : rest.split("\\s+")) {
      if (!w.isEmpty()) {
        words.add(w);
      }
    }
    return words;
  }

  private static List<String> flags(List<String> words) {
    List<String> flags = new ArrayList<>();
    for (String w : words) {
      if (!w.startsWith("--")) {
        break;
      }
      flags.add(w);
    }
    return flags;
  }

  private static List<String> withoutFlags(List<String> words) {
    int i = 0;
    while (i < words.size() && words.get(i).startsWith("--")) {
      i++;
    }
    return words.subList(i, words.size());
  }

  /** The strings of a JSON array such as {@code ["a", "b"]}; good enough for file names and URLs. */
  private static List<String> jsonArray(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
    while (m.find()) {
      out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    return out;
  }

  private static String unquote(String value) {
    if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
      return value.substring(1, value.length() - 1);
    }
    return value;
  }
}
