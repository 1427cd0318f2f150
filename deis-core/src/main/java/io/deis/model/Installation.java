package io.deis.model;

import io.deis.error.InvalidInputException;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * The identity of one platform: a controller and its store. Every object a backend makes (a
 * container, a network, an image tag, a Kubernetes namespace) carries this id, and a backend only
 * ever lists, adopts or removes objects that carry its own. A controller restarted on the same
 * store is the same installation; a new store is a new one.
 *
 * @param id 6 to 16 lowercase letters and digits, so it fits a Docker name, a DNS label and a
 *     Kubernetes label value
 */
public record Installation(String id) {
  /** The label (Docker) or label key (Kubernetes) that carries the installation id. */
  public static final String LABEL = "io.deis.installation";
  private static final Pattern VALID = Pattern.compile("[a-z0-9]{6,16}");
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  public Installation {
    if (id == null || !VALID.matcher(id).matches()) {
      throw new InvalidInputException("installation id '" + id + "' is invalid: use 6 to 16 lowercase letters and digits");
    }
  }

  public static Installation of(String id) {
    return new Installation(id);
  }

  /** A new random id of 12 characters: about 62 bits, so two stores never pick the same one. */
  public static Installation generate() {
    StringBuilder id = new StringBuilder(12);
    for (int i = 0; i < 12; i++) {
      id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return new Installation(id.toString());
  }

  @Override
  public String toString() {
    return id;
  }
}
