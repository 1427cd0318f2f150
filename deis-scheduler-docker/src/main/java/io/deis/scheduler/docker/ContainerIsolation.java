package io.deis.scheduler.docker;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;
import java.util.Set;

/**
 * What every container of this backend gets on top of its app's own limits, so that one tenant's
 * process cannot take the host or the other tenants with it: a cap on processes (a fork bomb stays
 * inside), no privilege gains through setuid binaries, a reduced capability set and a memory limit
 * for a process type whose config sets none. Chosen on {@link DockerScheduler.Builder}.
 *
 * @param pidsLimit the most processes and threads one container may have
 * @param capabilities the Linux capabilities a container keeps; every other one is dropped
 * @param noNewPrivileges whether {@code no-new-privileges} is set (setuid binaries gain nothing)
 * @param defaultMemoryBytes the memory limit of a container whose config sets none
 */
record ContainerIsolation(long pidsLimit, Set<Capability> capabilities, boolean noNewPrivileges, long defaultMemoryBytes) {
  /** Enough for a JVM or a web server with a few hundred threads; a fork bomb stops here. */
  static final long DEFAULT_PIDS_LIMIT = 1024;
  /**
   * What a usual app needs to start as root and drop to its own user, and nothing more: no raw
   * sockets (NET_RAW: spoofing other containers on the network), no device nodes (MKNOD), no
   * chroot, no file capabilities, no audit writes.
   */
  static final Set<Capability> DEFAULT_CAPABILITIES = Set.of(Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.FOWNER,
      Capability.FSETID, Capability.KILL, Capability.NET_BIND_SERVICE, Capability.SETGID, Capability.SETUID);
  /** Heroku's smallest dyno; an app sets its own with {@code deis limits:set}. */
  static final long DEFAULT_MEMORY_BYTES = 512L << 20;

  ContainerIsolation {
    capabilities = Set.copyOf(capabilities);
  }

  static ContainerIsolation defaults() {
    return new ContainerIsolation(DEFAULT_PIDS_LIMIT, DEFAULT_CAPABILITIES, true, DEFAULT_MEMORY_BYTES);
  }

  /** Applies the isolation to a container's host config; {@code memoryBytes} is the app's own limit, when it set one. */
  HostConfig apply(HostConfig host, Long memoryBytes) {
    host.withPidsLimit(pidsLimit)
        .withCapDrop(Capability.ALL)
        .withCapAdd(capabilities.stream().sorted().toArray(Capability[]::new))
        .withMemory(memoryBytes != null ? memoryBytes : defaultMemoryBytes);
    if (noNewPrivileges) {
      host.withSecurityOpts(List.of("no-new-privileges:true"));
    }
    return host;
  }
}
