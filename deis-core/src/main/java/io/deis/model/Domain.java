package io.deis.model;

import io.deis.error.InvalidInputException;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A custom host name that routes to an app ({@code deis domains:add}). Names follow the original
 * controller's rules: DNS labels of letters, digits and single dashes, no all-digit label, no
 * wildcard. A domain belongs to at most one app.
 *
 * @param domain the name as the user gave it (case kept, one trailing dot removed); compare with {@link #key()}
 * @param owner the user who added it
 */
public record Domain(AppName app, String domain, String owner, Instant created) {
  public static final int MAX_LENGTH = 255;
  private static final Pattern LABEL = Pattern.compile("(?!-)[a-z0-9-]{1,63}(?<!-)", Pattern.CASE_INSENSITIVE);

  public Domain {
    Objects.requireNonNull(app, "app");
    domain = check(domain);
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(created, "created");
  }

  /** The name in lowercase: domains are unique and looked up without regard to case. */
  public String key() {
    return domain.toLowerCase(Locale.ROOT);
  }

  /**
   * Checks a host name and returns it without its trailing dot.
   *
   * @throws InvalidInputException naming the domain and the rule it breaks
   */
  public static String check(String domain) {
    if (domain == null || domain.isBlank()) {
      throw new InvalidInputException("domain is empty: give a host name such as www.example.com");
    }
    String name = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    if (name.length() > MAX_LENGTH) {
      throw new InvalidInputException("domain is " + name.length() + " characters long: Hostname must be " + MAX_LENGTH
          + " characters or less.");
    }
    String[] labels = name.split("\\.", -1);
    if (labels[0].equals("*")) {
      throw new InvalidInputException("domain '" + name + "' is a wildcard: Adding a wildcard subdomain is currently not supported.");
    }
    // Wildcard-DNS services (xip.io, nip.io) put an IP address in the name: its labels are all digits.
    String lower = name.toLowerCase(Locale.ROOT);
    boolean ipInName = lower.endsWith(".xip.io") || lower.endsWith(".nip.io");
    for (String label : labels) {
      boolean valid = LABEL.matcher(label).matches() && !label.contains("--")
          && (ipInName || !label.chars().allMatch(Character::isDigit))
          && !(labels.length == 1 && label.chars().anyMatch(Character::isDigit));
      if (!valid) {
        throw new InvalidInputException("domain '" + name + "' is invalid: Hostname does not look valid. Use labels of 1 to 63 "
            + "letters, digits and single dashes, not all digits, separated by dots");
      }
    }
    return name;
  }

  @Override
  public String toString() {
    return domain;
  }
}
