package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Containers are numbered 1..N per type, stably while pods come and go. */
class NumberingTest {
  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-01-01T10:00:00Z");
  private final Numbering numbering = new Numbering();

  private static V1Pod pod(String name, int second) {
    return new V1Pod().metadata(new V1ObjectMeta().name(name).creationTimestamp(T0.plusSeconds(second)));
  }

  private List<String> number(V1Pod... pods) {
    return numbering.number("app/web", List.of(pods)).stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void aNewSchedulerNumbersByCreationTimeThenName() {
    assertThat(number(pod("c", 5), pod("b", 1), pod("a", 1))).containsExactly("a", "b", "c");
  }

  @Test
  void podsKeepTheirNumbersAndNewOnesComeAfter() {
    number(pod("z", 1), pod("y", 2));
    // "a" sorts first by name and shares a creation second with "y", but it is new: it comes third.
    assertThat(number(pod("a", 2), pod("z", 1), pod("y", 2))).containsExactly("z", "y", "a");
  }

  @Test
  void aReplacedPodTakesTheFreedNumber() {
    number(pod("p1", 1), pod("p2", 1), pod("p3", 1));
    assertThat(number(pod("p1", 1), pod("p3", 1), pod("new", 9))).containsExactly("p1", "new", "p3");
  }

  @Test
  void numbersCloseUpWhenPodsGo() {
    number(pod("old1", 1), pod("old2", 1));
    number(pod("old1", 1), pod("old2", 1), pod("new1", 5), pod("new2", 5));
    assertThat(number(pod("new1", 5), pod("new2", 5))).containsExactly("new1", "new2");
  }
}
