package com.example.consumer;

import io.deis.controller.Controller;
import io.deis.scheduler.docker.DockerScheduler;

/**
 * How this project makes its Deis controllers. Main code, so it compiles against the SDK's
 * compile-scope class path only, as a user's own code would.
 */
public final class Platforms {
  /** Test logins do not need 600,000 PBKDF2 rounds. */
  static final int TEST_HASH_ITERATIONS = 1000;

  private Platforms() {}

  /** Apps run as processes on this machine. */
  public static Controller local() {
    return Controller.builder().passwordHashIterations(TEST_HASH_ITERATIONS).build();
  }

  /** Apps run as containers on the Docker daemon at DOCKER_HOST or the default socket. */
  public static Controller onDocker() {
    return Controller.builder().scheduler(DockerScheduler.builder().build())
        .passwordHashIterations(TEST_HASH_ITERATIONS).build();
  }
}
