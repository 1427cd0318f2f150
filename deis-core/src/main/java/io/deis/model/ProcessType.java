package io.deis.model;

import io.deis.error.InvalidInputException;
import java.util.regex.Pattern;

/**
 * A process type of a Procfile ({@code web}, {@code worker}, ...). Case-insensitive as in the
 * Procfile format, so it is kept in lowercase. {@code cmd} is the implied type of image and
 * Dockerfile builds: the image's own default command.
 *
 * <p>A type starts and ends with a letter or digit and has at most {@value #MAX_LENGTH}
 * characters, because every backend labels its containers with it and a label value (Docker's
 * and Kubernetes' alike) has that shape: a type that one backend cannot run is refused for all.
 */
public record ProcessType(String value) implements Comparable<ProcessType> {
  // Declared before the constants below: they are validated against it as the class initializes.
  private static final Pattern VALID = Pattern.compile("[a-z0-9]([a-z0-9_-]*[a-z0-9])?");
  /** Process types name Kubernetes containers and label every backend's containers: a label value's 63 characters at most. */
  public static final int MAX_LENGTH = 63;

  public static final ProcessType WEB = new ProcessType("web");
  public static final ProcessType CMD = new ProcessType("cmd");
  /** The type of one-off containers started by {@code run}; never part of a formation. */
  public static final ProcessType RUN = new ProcessType("run");

  public ProcessType {
    if (value == null || value.isEmpty()) {
      throw new InvalidInputException("process type is empty: use letters, digits, '_' and '-' (for example web or worker)");
    }
    value = value.toLowerCase(java.util.Locale.ROOT);
    if (value.length() > MAX_LENGTH) {
      throw new InvalidInputException("process type " + io.deis.error.DeisException.quote(value) + " is " + value.length()
          + " characters long: at most " + MAX_LENGTH + " are allowed (it labels every container)");
    }
    if (!VALID.matcher(value).matches()) {
      throw new InvalidInputException("process type " + io.deis.error.DeisException.quote(value)
          + " is invalid: use letters, digits, '_' and '-', starting and ending with a letter or digit (for example web or worker)");
    }
  }

  public static ProcessType of(String value) {
    return new ProcessType(value);
  }

  /** web and cmd are the types Deis routes HTTP traffic to. */
  public boolean receivesTraffic() {
    return equals(WEB) || equals(CMD);
  }

  @Override
  public int compareTo(ProcessType other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
