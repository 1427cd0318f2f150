package io.deis.scheduler;

import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ProcessType;
import java.util.Map;
import java.util.Optional;

/** Reads back what {@link Labels#forContainer} wrote on a container. */
final class ContainerLabels {
  private ContainerLabels() {}

  /** The container the labels describe, not yet created; empty when a label is missing or malformed. */
  static Optional<Container> read(RuntimeContainer rc) {
    Map<String, String> labels = rc.labels();
    try {
      AppName app = AppName.of(labels.get(Labels.APP));
      ProcessType type = ProcessType.of(labels.get(Labels.TYPE));
      int num = Integer.parseInt(labels.get(Labels.NUM));
      int release = Integer.parseInt(labels.get(Labels.RELEASE));
      if (num < 1 || release < 1 || type.equals(ProcessType.RUN)) {
        return Optional.empty();
      }
      return Optional.of(Container.initialized(rc.id(), app, type, num, release));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
