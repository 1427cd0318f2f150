package io.deis.model;

import com.google.common.collect.ImmutableList;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One process of an app: {@code <app>.<type>.<num>} running release {@code v<release>}.
 * Immutable: {@link #moveTo} returns the container in its next state, with the move recorded.
 *
 * @param id the backend's id of the container (a local process id, a Docker container, a pod)
 * @param restarts how many times it was restarted after exiting on its own
 * @param endpoint where it answers while up, when it exposes a port
 */
public record Container(
    String id,
    AppName app,
    ProcessType type,
    int num,
    int release,
    ContainerState state,
    List<StateChange> history,
    int restarts,
    Optional<Endpoint> endpoint) {

  public Container {
    history = ImmutableList.copyOf(history);
  }

  /** A container that does not exist yet. */
  public static Container initialized(String id, AppName app, ProcessType type, int num, int release) {
    return new Container(id, app, type, num, release, ContainerState.INITIALIZED, List.of(), 0, Optional.empty());
  }

  /** Deis's display name, {@code myapp.web.1}. */
  public String name() {
    return app + "." + type + "." + num;
  }

  /** Deis's scheduler job name, {@code myapp_v2.web.1}. */
  public String jobName() {
    return jobName(app, release, type, num);
  }

  public static String jobName(AppName app, int release, ProcessType type, int num) {
    return app + "_v" + release + "." + type + "." + num;
  }

  /** Returns this container in state {@code to}; throws if the lifecycle has no such move. */
  public Container moveTo(ContainerState to, String cause, OptionalInt exitCode, Instant at) {
    state.checkMove(jobName(), to);
    ImmutableList<StateChange> moved = ImmutableList.<StateChange>builder()
        .addAll(history).add(new StateChange(state, to, at, cause, exitCode)).build();
    return new Container(id, app, type, num, release, to, moved, restarts, to == ContainerState.UP ? endpoint : Optional.empty());
  }

  public Container moveTo(ContainerState to, String cause) {
    return moveTo(to, cause, OptionalInt.empty(), Instant.now());
  }

  public Container withEndpoint(Optional<Endpoint> where) {
    return new Container(id, app, type, num, release, state, history, restarts, where);
  }

  public Container withId(String newId) {
    return new Container(newId, app, type, num, release, state, history, restarts, endpoint);
  }

  public Container restarted() {
    return new Container(id, app, type, num, release, state, history, restarts + 1, endpoint);
  }

  public Optional<StateChange> lastChange() {
    return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
  }

  /** One line of {@code deis ps}: {@code web.1 up (v2)}, with why it is down when it is. */
  public String psLine() {
    StringBuilder line = new StringBuilder(type + "." + num + " " + state + " (v" + release + ")");
    if (state == ContainerState.DOWN) {
      lastChange().ifPresent(c -> {
        line.append(" ").append(c.cause());
        c.exitCode().ifPresent(code -> line.append(" with exit code ").append(code));
      });
    }
    if (restarts > 0) {
      line.append(" restarts=").append(restarts);
    }
    if (type.receivesTraffic()) {
      endpoint.ifPresent(e -> line.append(" ").append(e));
    }
    return line.toString();
  }
}
