package io.deis.controller;

import io.deis.error.InvalidInputException;
import java.time.Duration;

/** Checks of builder options against their bounds, with messages that name the option and the range. */
final class Limits {
  private Limits() {}

  static Duration between(String option, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidInputException(option + " " + value + " is out of range: use " + min + " to " + max);
    }
    return value;
  }

  static int between(String option, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidInputException(option + " " + value + " is out of range: use " + min + " to " + max);
    }
    return value;
  }
}
