package io.deis.scheduler;

import com.google.common.collect.ImmutableSortedMap;
import io.deis.model.Build;
import io.deis.model.MemoryLimit;
import io.deis.model.ProcessType;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a {@link ContainerRuntime} needs to create one container.
 *
 * @param name Deis's job name, {@code myapp_v2.web.1}; unique among live containers
 * @param labels to put on the container, so that a restarted controller can find it again ({@link Labels})
 * @param build what to run: its image, or its source tree
 * @param command the shell command to run through {@code /bin/sh -c}; empty for the image's default
 * @param env the release's config values; the runtime adds {@code PORT} ({@link #DEFAULT_PORT} or its own)
 * @param memory a memory limit such as {@code 512M}
 * @param cpuShares CPU shares, 0 to 1024
 */
public record ContainerSpec(
    String name,
    Map<String, String> labels,
    ProcessType type,
    Build build,
    Optional<String> command,
    Map<String, String> env,
    Optional<String> memory,
    Optional<Integer> cpuShares) {

  /**
   * Deis's {@code PORT} for a container whose config sets none, on every backend that gives all of
   * an app's containers the same port (Docker, Kubernetes); the local runtime picks a free port
   * per container instead, since its processes share one network.
   */
  public static final int DEFAULT_PORT = 5000;

  public ContainerSpec {
    labels = ImmutableSortedMap.copyOf(labels);
    env = ImmutableSortedMap.copyOf(env);
  }

  /** The memory limit in bytes, read by {@link MemoryLimit}, the one parser of Deis's {@code 512M} / {@code 1G} / {@code 20MB}. */
  public Optional<Long> memoryBytes() {
    return memory.map(m -> MemoryLimit.parse(m).bytes());
  }

  /** The spec without its environment's values, which are the app's secrets: only their keys. */
  @Override
  public String toString() {
    return "ContainerSpec[" + name + ", labels " + labels + ", " + type + ", build " + build.uuid() + ", command "
        + command.map(c -> "'" + c + "'").orElse("the image's default") + ", env keys " + env.keySet() + ", memory " + memory.orElse("none")
        + ", cpu " + cpuShares.map(String::valueOf).orElse("none") + "]";
  }
}
