package io.deis.scheduler;

import com.google.common.collect.ImmutableSortedMap;
import io.deis.model.Endpoint;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A container as its runtime sees it.
 *
 * @param exitCode how its last run ended, when it is not running
 * @param endpoint where its PORT answers from this host, while it runs and exposes one
 */
public record RuntimeContainer(
    String id, Map<String, String> labels, boolean running, OptionalInt exitCode, Optional<Endpoint> endpoint) {

  public RuntimeContainer {
    labels = ImmutableSortedMap.copyOf(labels);
  }
}
