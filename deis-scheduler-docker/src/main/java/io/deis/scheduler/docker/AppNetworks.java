package io.deis.scheduler.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import io.deis.model.AppName;
import io.deis.scheduler.Labels;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user-defined bridge network per app ({@link DockerNames#network}): every container of the
 * app joins it with its process type as alias, so {@code worker} reaches {@code web} by name and
 * Docker's DNS balances between the web containers. Apps of other installations are on other
 * networks, so they cannot reach these containers by name.
 */
final class AppNetworks {
  private static final Logger log = LoggerFactory.getLogger(AppNetworks.class);

  private final DockerClient docker;
  private final DockerNames names;
  private final Map<AppName, String> known = new ConcurrentHashMap<>();

  AppNetworks(DockerClient docker, DockerNames names) {
    this.docker = docker;
    this.names = names;
  }

  /** The app's network, made when it does not exist yet. */
  String ensure(AppName app) {
    return known.computeIfAbsent(app, a -> {
      String name = names.network(a);
      if (find(a) == null) {
        docker.createNetworkCmd().withName(name).withDriver("bridge")
            .withLabels(Labels.forApp(names.installation(), a)).withCheckDuplicate(true).exec();
        log.info("{}: created network {}", a, name);
      }
      return name;
    });
  }

  /** Forgets that the app's network exists: it was removed behind this runtime's back, and {@link #ensure} makes it again. */
  void forget(AppName app) {
    known.remove(app);
  }

  /** Removes the app's network, if this installation has one. */
  void remove(AppName app) {
    known.remove(app);
    Network network = find(app);
    if (network != null) {
      try {
        docker.removeNetworkCmd(network.getId()).exec();
      } catch (NotFoundException e) {
        // gone already
      }
    }
  }

  /** The apps this installation has a network of. */
  Set<AppName> apps() {
    Set<AppName> apps = new TreeSet<>();
    for (Network n : docker.listNetworksCmd().withFilter("label", labelFilters(Labels.forInstallation(names.installation()))).exec()) {
      String label = n.getLabels() == null ? null : n.getLabels().get(Labels.APP);
      try {
        AppName app = AppName.of(label);
        if (n.getName().equals(names.network(app))) {
          apps.add(app);
        }
      } catch (RuntimeException e) {
        // no app label, or one this version cannot read: not a network of an app
      }
    }
    return apps;
  }

  /** The app's network: of the right name and this installation's labels, or null. */
  private Network find(AppName app) {
    String name = names.network(app);
    Map<String, String> labels = Labels.forApp(names.installation(), app);
    return docker.listNetworksCmd().withNameFilter(name).exec().stream()
        .filter(n -> n.getName().equals(name))
        .filter(n -> n.getLabels() != null && n.getLabels().entrySet().containsAll(labels.entrySet()))
        .findFirst().orElse(null);
  }

  private static java.util.List<String> labelFilters(Map<String, String> labels) {
    return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }
}
