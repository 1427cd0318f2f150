package io.deis.scheduler;

import io.deis.model.Container;
import io.deis.model.ProcessType;
import java.util.Optional;
import java.util.OptionalInt;

/** Selects containers of an app: all of them, one process type, or one container ({@code web.2}). */
public record ContainerFilter(Optional<ProcessType> type, OptionalInt num) {
  public ContainerFilter {
    if (num.isPresent() && type.isEmpty()) {
      throw new IllegalArgumentException("a container number needs a process type");
    }
  }

  public static ContainerFilter all() {
    return new ContainerFilter(Optional.empty(), OptionalInt.empty());
  }

  public static ContainerFilter type(ProcessType type) {
    return new ContainerFilter(Optional.of(type), OptionalInt.empty());
  }

  public static ContainerFilter one(ProcessType type, int num) {
    return new ContainerFilter(Optional.of(type), OptionalInt.of(num));
  }

  public boolean matches(Container container) {
    return type.map(t -> t.equals(container.type())).orElse(true)
        && (num.isEmpty() || num.getAsInt() == container.num());
  }

  @Override
  public String toString() {
    return type.map(t -> t + (num.isPresent() ? "." + num.getAsInt() : "")).orElse("all");
  }
}
