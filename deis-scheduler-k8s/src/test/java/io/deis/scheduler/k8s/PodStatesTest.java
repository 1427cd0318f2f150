package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Endpoint;
import io.deis.model.ProcessType;
import io.deis.model.StateChange;
import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStateRunning;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ContainerStateWaiting;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** How pods read as Deis containers, for each status the kubelet can report. */
class PodStatesTest {
  private static final AppName APP = AppName.of("myapp");
  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-01-01T10:00:00Z");

  private static V1Pod pod(String node, V1PodStatus status) {
    return new V1Pod()
        .metadata(new V1ObjectMeta().name("myapp-web-abc12-xyz").creationTimestamp(T0)
            .labels(Map.of("io.deis.type", "web", "io.deis.release", "7")))
        .spec(new V1PodSpec().nodeName(node))
        .status(status);
  }

  private static V1PodStatus status(String phase, boolean ready, int restarts, V1ContainerState state, V1ContainerState last) {
    return new V1PodStatus().phase(phase).podIP("10.244.0.9")
        .conditions(List.of(new V1PodCondition().type("Ready").status(ready ? "True" : "False")))
        .containerStatuses(List.of(new V1ContainerStatus().name("web").ready(ready).restartCount(restarts).state(state).lastState(last)));
  }

  private static V1ContainerState running() {
    return new V1ContainerState().running(new V1ContainerStateRunning().startedAt(T0.plusSeconds(2)));
  }

  private static V1ContainerState terminated(int code) {
    return new V1ContainerState().terminated(new V1ContainerStateTerminated().exitCode(code)
        .startedAt(T0.plusSeconds(2)).finishedAt(T0.plusSeconds(5)));
  }

  private static V1ContainerState waiting(String reason) {
    return new V1ContainerState().waiting(new V1ContainerStateWaiting().reason(reason));
  }

  @Test
  void aPodNotYetScheduledIsInitialized() {
    V1Pod pod = pod(null, new V1PodStatus().phase("Pending"));
    assertThat(PodStates.state(pod)).isEqualTo(ContainerState.INITIALIZED);
    assertThat(PodStates.container(pod, APP, ProcessType.WEB, 1, false).history()).isEmpty();
  }

  @Test
  void aScheduledPodWhoseContainerIsStillBeingCreatedIsCreated() {
    V1Pod pod = pod("node-1", status("Pending", false, 0, waiting("ContainerCreating"), null));
    assertThat(PodStates.state(pod)).isEqualTo(ContainerState.CREATED);
    assertThat(PodStates.failure(pod)).isEmpty();
  }

  @Test
  void aRunningPodIsUpOnlyOnceReady() {
    assertThat(PodStates.state(pod("node-1", status("Running", false, 0, running(), null)))).isEqualTo(ContainerState.CREATED);

    V1Pod ready = pod("node-1", status("Running", true, 0, running(), null));
    Container web = PodStates.container(ready, APP, ProcessType.WEB, 2, false);
    assertThat(web.state()).isEqualTo(ContainerState.UP);
    assertThat(web.name()).isEqualTo("myapp.web.2");
    assertThat(web.release()).isEqualTo(7);
    assertThat(web.endpoint()).contains(new Endpoint("10.244.0.9", 5000));
    assertThat(web.history()).extracting(StateChange::cause).containsExactly("create", "start");
  }

  @Test
  void aCrashLoopingPodIsDownWithItsExitCodeAndFailsADeploy() {
    V1Pod pod = pod("node-1", status("Running", false, 1, waiting("CrashLoopBackOff"), terminated(3)));

    assertThat(PodStates.state(pod)).isEqualTo(ContainerState.DOWN);
    assertThat(PodStates.exitCode(pod)).hasValue(3);
    assertThat(PodStates.failure(pod)).contains("crashed with exit code 3 (CrashLoopBackOff)");
    Container c = PodStates.container(pod, APP, ProcessType.WEB, 1, false);
    assertThat(c.psLine()).startsWith("web.1 down (v7) crashed with exit code 3");
    assertThat(c.restarts()).isEqualTo(1);
    assertThat(c.endpoint()).isEmpty();
  }

  @Test
  void aContainerBackUpAfterACrashShowsTheCrashInItsHistory() {
    V1Pod pod = pod("node-1", status("Running", true, 1, running(), terminated(3)));

    Container c = PodStates.container(pod, APP, ProcessType.WEB, 1, false);
    assertThat(c.state()).isEqualTo(ContainerState.UP);
    assertThat(c.history()).extracting(StateChange::to)
        .containsExactly(ContainerState.CREATED, ContainerState.UP, ContainerState.DOWN, ContainerState.UP);
    assertThat(c.history().get(2).exitCode()).isEqualTo(OptionalInt.of(3));
    assertThat(c.history().get(3).cause()).isEqualTo("restarted after crash");
  }

  @Test
  void aFinishedOrFailedPodIsDown() {
    assertThat(PodStates.state(pod("node-1", status("Succeeded", false, 0, terminated(0), null)))).isEqualTo(ContainerState.DOWN);
    V1Pod failed = pod("node-1", status("Failed", false, 0, terminated(2), null));
    assertThat(PodStates.state(failed)).isEqualTo(ContainerState.DOWN);
    assertThat(PodStates.container(failed, APP, ProcessType.WEB, 1, false).lastChange().orElseThrow().cause()).isEqualTo("crashed");
  }

  @Test
  void aPodBeingDeletedIsDownAndADeletedOneIsDestroyed() {
    V1Pod stopping = pod("node-1", status("Running", true, 0, running(), null));
    stopping.getMetadata().deletionTimestamp(T0.plusSeconds(9));
    assertThat(PodStates.state(stopping)).isEqualTo(ContainerState.DOWN);
    assertThat(PodStates.container(stopping, APP, ProcessType.WEB, 1, false).lastChange().orElseThrow().cause()).isEqualTo("stop");
    assertThat(PodStates.deleted()).isEqualTo(ContainerState.DESTROYED);
  }

  @Test
  void containersThatCannotStartFailADeployAtOnce() {
    for (String reason : List.of("InvalidImageName", "CreateContainerConfigError")) {
      V1Pod pod = pod("node-1", status("Pending", false, 0, waiting(reason), null));
      assertThat(PodStates.state(pod)).as(reason).isEqualTo(ContainerState.CREATED);
      assertThat(PodStates.failure(pod)).as(reason).contains("cannot start (" + reason + ")");
    }
  }

  @Test
  void anImagePullFailsOnlyAfterTheKubeletRetriedIt() {
    PodTrouble trouble = new PodTrouble();
    V1Pod first = pod("node-1", status("Pending", false, 0, waiting("ErrImagePull"), null));
    V1Pod backingOff = pod("node-1", status("Pending", false, 0, waiting("ImagePullBackOff"), null));

    assertThat(trouble.of(first)).as("the first failed pull").isEmpty();
    assertThat(trouble.of(backingOff)).as("the kubelet's back-off before its retry").isEmpty();
    assertThat(trouble.of(first)).as("the retry failed too").hasValueSatisfying(why ->
        assertThat(why).contains("cannot pull image").contains("ErrImagePull after 2 tries"));
  }

  @Test
  void aPodNoNodeCanTakeSaysWhy() {
    V1Pod pod = pod(null, new V1PodStatus().phase("Pending").conditions(List.of(new V1PodCondition().type("PodScheduled")
        .status("False").reason("Unschedulable").message("0/3 nodes are available: 3 Insufficient memory."))));

    assertThat(new PodTrouble().of(pod)).contains("cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory.");
    assertThat(PodStates.state(pod)).isEqualTo(ContainerState.INITIALIZED);
  }

  @Test
  void anEvictedPodHasEnded() {
    V1Pod pod = pod("node-1", status("Failed", false, 0, null, null).reason("Evicted"));
    assertThat(PodStates.ended(pod)).isTrue();
    assertThat(Inventory.containersOf(List.of(pod))).isEmpty();
  }

  @Test
  void aRestartedContainerSaysSo() {
    V1Pod pod = pod("node-1", status("Running", true, 0, running(), null));
    assertThat(PodStates.container(pod, APP, ProcessType.WEB, 1, true).history()).extracting(StateChange::cause)
        .containsExactly("create", "restart");
  }
}
