package io.deis.local;

import java.nio.file.Path;

/** Runs one container on a local runtime and waits to be killed: the JVM that dies without closing, for {@link LocalRuntimeTest}. */
public final class LocalRuntimeChild {
  private LocalRuntimeChild() {}

  public static void main(String[] args) throws Exception {
    LocalRuntime runtime = LocalRuntime.builder().workDirectory(Path.of(args[0])).build();
    String id = runtime.create(LocalRuntimeTest.spec(Path.of(args[1]), args[2]));
    runtime.start(id);
    Thread.sleep(Long.MAX_VALUE);
  }
}
