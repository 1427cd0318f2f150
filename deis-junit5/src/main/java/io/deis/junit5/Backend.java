package io.deis.junit5;

/**
 * Where the extension runs a test's apps.
 *
 * <p>The same test runs on either: {@link #AUTO} picks Docker when a daemon answers and the local
 * runtime otherwise, and the configuration parameter (or system property)
 * {@value DeisExtension#BACKEND_PROPERTY} names one for every test class that leaves the choice
 * to AUTO, so one suite can be run once per backend.
 */
public enum Backend {
  /** Docker when a daemon answers (DOCKER_HOST, else the default socket), the local runtime otherwise. */
  AUTO,
  /** A Docker daemon; the test fails when none answers. Needed for Dockerfile and image apps. */
  DOCKER,
  /** The embedded local runtime: each container is a process of this machine running a Procfile command. */
  LOCAL;

  /** How messages name the backend. */
  String displayName() {
    return switch (this) {
      case AUTO -> "the backend found at start";
      case DOCKER -> "Docker";
      case LOCAL -> "the local runtime";
    };
  }
}
