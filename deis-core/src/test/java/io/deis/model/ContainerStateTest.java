package io.deis.model;

import static io.deis.model.ContainerState.CREATED;
import static io.deis.model.ContainerState.DESTROYED;
import static io.deis.model.ContainerState.DOWN;
import static io.deis.model.ContainerState.INITIALIZED;
import static io.deis.model.ContainerState.UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.IllegalStateTransitionException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContainerStateTest {
  private static final Set<String> LEGAL = Set.of(
      "initialized->created", "created->up", "up->down", "down->up", "created->destroyed", "down->destroyed");

  @Test
  void thereAreExactlyTheGlossarysFiveStates() {
    assertThat(ContainerState.values()).extracting(ContainerState::toString)
        .containsExactly("initialized", "created", "up", "down", "destroyed");
  }

  @Test
  void exactlyTheDesignedMovesAreLegalAndEveryOtherThrowsNamingFromToAndWhy() {
    for (ContainerState from : ContainerState.values()) {
      for (ContainerState to : ContainerState.values()) {
        String move = from + "->" + to;
        if (LEGAL.contains(move)) {
          assertThat(from.canMoveTo(to)).as(move).isTrue();
          from.checkMove("app_v2.web.1", to);
        } else {
          assertThat(from.canMoveTo(to)).as(move).isFalse();
          assertThatThrownBy(() -> from.checkMove("app_v2.web.1", to))
              .as(move)
              .isInstanceOf(IllegalStateTransitionException.class)
              .hasMessageStartingWith("container app_v2.web.1 cannot move from " + from + " to " + to + ": ");
        }
      }
    }
  }

  @Test
  void destroyingAnUpContainerMustStopItFirst() {
    assertThatThrownBy(() -> UP.checkMove("c", DESTROYED)).hasMessageContaining("must be stopped");
  }

  @Test
  void everyMoveIsRecordedWithTimeCauseAndExitCode() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    Container c = Container.initialized("id", AppName.of("app"), ProcessType.WEB, 1, 2)
        .moveTo(CREATED, "create", OptionalInt.empty(), t)
        .moveTo(UP, "start", OptionalInt.empty(), t)
        .moveTo(DOWN, "crashed", OptionalInt.of(137), t.plusSeconds(5));

    assertThat(c.history()).extracting(StateChange::from).containsExactly(INITIALIZED, CREATED, UP);
    assertThat(c.history()).extracting(StateChange::to).containsExactly(CREATED, UP, DOWN);
    assertThat(c.lastChange().orElseThrow().exitCode()).hasValue(137);
    assertThat(c.lastChange().orElseThrow().at()).isEqualTo(t.plusSeconds(5));
    assertThat(c.psLine()).isEqualTo("web.1 down (v2) crashed with exit code 137");
    assertThat(c.name()).isEqualTo("app.web.1");
    assertThat(c.jobName()).isEqualTo("app_v2.web.1");
    assertThat(EnumSet.allOf(ContainerState.class)).hasSize(5);
  }
}
