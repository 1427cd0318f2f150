package io.deis.scheduler;

/** What a one-off {@code run} ended with: the exit code and everything it wrote to stdout and stderr. */
public record RunResult(int exitCode, String output) {}
