package io.deis.scheduler.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.Labels;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What to run for a container, whoever created it: enough to create the same Docker container
 * again, which every start after a stop does (the glossary's ephemeral filesystem).
 *
 * @param name the Docker container name ({@link DockerNames#container})
 * @param entrypoint {@code /bin/sh -c} for a Procfile command; null for the image's own
 * @param cmd the Procfile command; null for the image's own
 * @param memory the app's memory limit in bytes; null when its config sets none
 * @param cpuShares null when the config sets none
 * @param alias the process type, the container's name on the app network
 * @param publish whether PORT is published on a loopback port (web and cmd containers)
 */
record ContainerTemplate(String name, String image, List<String> entrypoint, List<String> cmd, List<String> env,
    Map<String, String> labels, Long memory, Integer cpuShares, String network, String alias, int port,
    boolean publish) {

  /**
   * Reads the template back from an existing container: adoption by a controller that did not
   * create it. Limits this backend adds by itself ({@link ContainerIsolation}) are applied anew.
   */
  static ContainerTemplate of(InspectContainerResponse c, ContainerIsolation isolation) {
    var config = c.getConfig();
    Map<String, String> labels = config.getLabels() == null ? Map.of() : config.getLabels();
    String type = labels.getOrDefault(Labels.TYPE, "");
    List<String> env = config.getEnv() == null ? List.of() : Arrays.asList(config.getEnv());
    int port = env.stream().filter(e -> e.startsWith("PORT=")).map(e -> e.substring(5)).mapToInt(Integer::parseInt)
        .findFirst().orElse(ContainerSpec.DEFAULT_PORT);
    HostConfig host = c.getHostConfig();
    Long memory = host.getMemory() == null || host.getMemory() == 0 || host.getMemory() == isolation.defaultMemoryBytes()
        ? null : host.getMemory();
    Integer cpu = host.getCpuShares() == null || host.getCpuShares() == 0 ? null : host.getCpuShares();
    boolean publish = !type.isEmpty() && ProcessType.of(type).receivesTraffic();
    return new ContainerTemplate(c.getName().startsWith("/") ? c.getName().substring(1) : c.getName(), config.getImage(),
        config.getEntrypoint() == null ? null : List.of(config.getEntrypoint()),
        config.getCmd() == null ? null : List.of(config.getCmd()), env, labels, memory, cpu, host.getNetworkMode(),
        type, port, publish);
  }
}
