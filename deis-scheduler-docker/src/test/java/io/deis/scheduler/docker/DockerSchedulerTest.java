package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static io.deis.scheduler.contract.SchedulerContract.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.model.Frame;
import io.deis.error.BuildException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Endpoint;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.model.StateChange;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RunResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the contract does not cover: how the Deis model maps onto Docker objects, seen through the daemon itself. */
@RequiresDocker
class DockerSchedulerTest {
  private static final Logger log = LoggerFactory.getLogger(DockerSchedulerTest.class);
  private static final AtomicInteger APPS = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path sources;

  private final DockerClient docker = TestDocker.client();
  private DockerScheduler scheduler;
  private AppName app;
  private int nextVersion = 2;

  @BeforeEach
  void start() {
    scheduler = TestDocker.startedScheduler();
    app = AppName.of("dt-" + APPS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6));
  }

  @AfterEach
  void destroyAndClose() {
    try {
      scheduler.destroy(app);
    } finally {
      scheduler.close();
    }
  }

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void namesLabelsEnvLimitsAndNetworkAreVisibleInInspect() throws Exception {
    Release v2 = release(procfileBuild("web", TestDocker.webCommand(), "worker", "exec sleep 1000"),
        ConfigChange.builder().set("GREETING", "limited").set("PORT", "8080")
            .memory(ProcessType.of("worker"), "64M").cpu(ProcessType.of("worker"), 256).build());
    scheduler.deploy(v2, Formation.parse("web=1 worker=1"));

    InspectContainerResponse worker = docker.inspectContainerCmd(named("_v2.worker.1")).exec();
    assertThat(worker.getHostConfig().getMemory()).isEqualTo(64L << 20);
    assertThat(worker.getHostConfig().getCpuShares()).isEqualTo(256);
    assertThat(worker.getConfig().getLabels()).containsAllEntriesOf(Labels.forContainer(TestDocker.INSTALLATION, app, 2, ProcessType.of("worker"), 1));
    assertThat(worker.getConfig().getEnv()).contains("GREETING=limited", "PORT=8080");
    assertThat(worker.getHostConfig().getNetworkMode()).isEqualTo(network());
    assertThat(worker.getNetworkSettings().getNetworks().get(network()).getAliases()).contains("worker");
    assertThat(worker.getMounts()).as("no volumes").isEmpty();
    assertThat(worker.getConfig().getImage()).isEqualTo(repository() + ":v2");

    InspectContainerResponse web = docker.inspectContainerCmd(named("_v2.web.1")).exec();
    assertThat(web.getHostConfig().getMemory()).as("no limit configured for web: the default").isEqualTo(512L << 20);
    Container webContainer = scheduler.containers(app).get(0);
    // The config's PORT wins over the default, and the web container publishes it on a loopback port.
    assertThat(webContainer.endpoint()).hasValueSatisfying(e -> assertThat(e.host()).isEqualTo("127.0.0.1"));
    assertThat(get(webContainer.endpoint().get(), "/")).isEqualTo("limited");
    assertThat(web.getNetworkSettings().getPorts().getBindings().keySet())
        .extracting(Object::toString).containsExactly("8080/tcp");
  }

  @Test
  void aContainerReachesAnotherProcessTypeByItsAliasOnTheAppNetwork() {
    String client = "while true; do wget -qO- \"http://web:$PORT/\" 2>&1 | sed 's/^/GOT /'; sleep 1; done";
    Release v2 = release(procfileBuild("web", TestDocker.webCommand(), "worker", client),
        ConfigChange.builder().set("GREETING", "hello-over-alias").build());
    scheduler.deploy(v2, Formation.parse("web=2 worker=1"));

    await(Duration.ofSeconds(30), () -> scheduler.logs(app, 50).stream().anyMatch(l -> l.text().contains("GOT hello-over-alias")));
    assertThat(scheduler.logs(app, 50)).anySatisfy(l -> {
      assertThat(l.source()).isEqualTo("worker.1");
      assertThat(l.text()).isEqualTo("GOT hello-over-alias");
    });
    // Nothing set PORT, so every container got Deis's default.
    assertThat(docker.inspectContainerCmd(named("_v2.worker.1")).exec().getConfig().getEnv()).contains("PORT=5000");
  }

  @Test
  void aDockerfileBuildFromASourceTreeRunsAWebContainerThatAnswersHttp() throws Exception {
    String dockerfile = "FROM " + TestDocker.stackImage() + "\n"
        + "COPY index.html /www/index.html\n"
        + "CMD httpd -f -p \"$PORT\" -h /www\n";
    Build source = TestDocker.sourceBuild(sources, app, Procfile.EMPTY, Optional.of(dockerfile),
        Map.of("index.html", "built from a Dockerfile\n"));
    List<String> progress = new ArrayList<>();
    Build built = scheduler.imageBuilder().build(source, progress::add);
    assertThat(built.image()).hasValueSatisfying(i -> assertThat(i).startsWith(repository() + ":build-"));
    assertThat(progress).anyMatch(l -> l.contains("COPY index.html"));

    Release v2 = release(built, ConfigChange.builder().build());
    scheduler.deploy(v2, Formation.parse("cmd=1"));

    Container cmd = scheduler.containers(app).get(0);
    assertThat(cmd.name()).isEqualTo(app + ".cmd.1");
    assertThat(get(cmd.endpoint().orElseThrow(), "/")).isEqualTo("built from a Dockerfile");
  }

  @Test
  void aDockerfileThatDoesNotBuildIsABuildErrorSayingWhy() {
    Build source = TestDocker.sourceBuild(sources, app, Procfile.EMPTY,
        Optional.of("FROM " + TestDocker.stackImage() + "\nRUN exit 7\n"), Map.of());

    assertThatThrownBy(() -> scheduler.imageBuilder().build(source, line -> { }))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("docker build of " + app)
        .hasMessageContaining("7");
  }

  @Test
  void aContainerKilledOutsideTheSchedulerGoesDownWithItsExitCodeAndComesBackFresh() {
    Release v2 = release(procfileBuild("worker", "exec sleep 1000"), ConfigChange.builder().build());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    String name = named("_v2.worker.1");
    String before = docker.inspectContainerCmd(name).exec().getId();

    docker.killContainerCmd(name).exec(); // SIGKILL: exit code 137, noticed through the event stream

    // The crash is recorded from the event stream; a reconcile (the controller's, on the crash) starts it again.
    await(Duration.ofSeconds(30), () -> {
      scheduler.reconcile(v2, Formation.parse("worker=1"));
      Container c = scheduler.containers(app).get(0);
      return c.restarts() >= 1 && c.state() == ContainerState.UP;
    });
    assertThat(scheduler.containers(app).get(0).history()).anySatisfy(h -> {
      assertThat(h.to()).isEqualTo(ContainerState.DOWN);
      assertThat(h.exitCode()).hasValue(137);
    });
    InspectContainerResponse after = docker.inspectContainerCmd(name).exec();
    assertThat(after.getState().getRunning()).isTrue();
    assertThat(after.getId()).as("a new Docker container, so a fresh filesystem").isNotEqualTo(before);
  }

  @Test
  void aFileWrittenInAContainerIsGoneAfterARestart() throws Exception {
    scheduler.deploy(release(procfileBuild("worker", "exec sleep 1000"), ConfigChange.builder().build()), Formation.parse("worker=1"));
    String name = named("_v2.worker.1");
    assertThat(exec(name, "echo scratch > /app/scratch && test -e /app/scratch")).isZero();

    scheduler.restart(app, ContainerFilter.all());

    assertThat(exec(name, "test -e /app/scratch")).as("exit code of 'test -e' on the written file").isEqualTo(1);
    assertThat(exec(name, "test -e /app/Procfile")).as("the build's own files are there").isZero();
  }

  @Test
  void aSecondSchedulerAdoptsRunningContainersWithoutDuplicatingOrLosingAny() throws Exception {
    Release v2 = release(procfileBuild("web", TestDocker.webCommand(), "worker", "exec sleep 1000"),
        ConfigChange.builder().set("GREETING", "adopted").build());
    scheduler.deploy(v2, Formation.parse("web=2 worker=2"));
    Map<String, String> dockerIds = dockerIdsByName();
    List<Endpoint> endpoints = scheduler.containers(app).stream().flatMap(c -> c.endpoint().stream()).toList();
    scheduler.close(); // the controller goes away; its containers keep running

    // While no controller runs: a worker crashes, and a container of an old release is still around.
    docker.killContainerCmd(named("_v2.worker.2")).exec();
    String stale = docker.createContainerCmd(TestDocker.stackImage()).withName(named("_v1.worker.1"))
        .withLabels(Labels.forContainer(TestDocker.INSTALLATION, app, 1, ProcessType.of("worker"), 1)).withCmd("sleep", "1000").exec().getId();
    docker.startContainerCmd(stale).exec();

    scheduler = TestDocker.startedScheduler();
    assertThat(scheduler.containers(app)).as("everything of the installation is adopted as it is").hasSize(5);
    scheduler.reconcile(v2, Formation.parse("web=2 worker=2"));

    assertThat(scheduler.containers(app)).extracting(Container::name)
        .containsExactly(app + ".web.1", app + ".web.2", app + ".worker.1", app + ".worker.2");
    await(Duration.ofSeconds(30), () -> scheduler.containers(app).stream().allMatch(c -> c.state() == ContainerState.UP));
    assertThat(scheduler.containers(app)).allSatisfy(c -> assertThat(c.release()).isEqualTo(2));
    assertThat(scheduler.containers(app).stream().flatMap(c -> c.endpoint().stream()).toList()).containsExactlyElementsOf(endpoints);
    for (Endpoint e : endpoints) {
      assertThat(get(e, "/")).isEqualTo("adopted");
    }
    Map<String, String> now = dockerIdsByName();
    assertThat(now.keySet()).as("exactly the v2 containers, the stale v1 one removed")
        .containsExactlyInAnyOrder(named("_v2.web.1"), named("_v2.web.2"), named("_v2.worker.1"), named("_v2.worker.2"));
    assertThat(now.get(named("_v2.web.1"))).as("running containers are adopted, not recreated").isEqualTo(dockerIds.get(named("_v2.web.1")));
    assertThat(now.get(named("_v2.worker.1"))).isEqualTo(dockerIds.get(named("_v2.worker.1")));
    assertThat(now.get(named("_v2.worker.2"))).as("the crashed one was started fresh").isNotEqualTo(dockerIds.get(named("_v2.worker.2")));

    // The adopted containers are fully managed: a new release replaces them all.
    scheduler.deploy(release(procfileBuild("worker", "exec sleep 1000"), ConfigChange.builder().build()), Formation.parse("worker=1"));
    assertThat(dockerIdsByName().keySet()).containsExactly(named("_v3.worker.1"));
  }

  @Test
  void destroyingAnAppLeavesNoContainerNetworkOrImageTagBehind() {
    // An image build on a shared image: destroying the app untags its release image, never the shared one.
    Build image = scheduler.imageBuilder().build(new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(),
        Optional.empty(), Optional.of(TestDocker.stackImage()),
        Procfile.parse("web: " + TestDocker.webCommand() + "\nworker: exec sleep 1000\n"), Optional.empty(), Optional.empty()), l -> { });
    Release v2 = release(image, ConfigChange.builder().set("GREETING", "bye").build());
    scheduler.deploy(v2, Formation.parse("web=1 worker=2"));
    RunResult run = scheduler.run(v2, "echo one-off; exit 4", Duration.ofSeconds(60));
    assertThat(run).isEqualTo(new RunResult(4, "one-off"));
    Release v3 = release(procfileBuild("worker", "exec sleep 1000"), ConfigChange.builder().build());
    scheduler.deploy(v3, Formation.parse("worker=1"));
    assertThat(docker.listImagesCmd().withReferenceFilter(repository()).exec()).isNotEmpty();

    scheduler.destroy(app);

    assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Labels.forApp(TestDocker.INSTALLATION, app)).exec()).isEmpty();
    assertThat(docker.listNetworksCmd().exec()).noneMatch(n -> n.getName().equals(network()));
    assertThat(docker.listImagesCmd().withReferenceFilter(repository()).exec()).isEmpty();
    assertThat(docker.inspectImageCmd(TestDocker.stackImage()).exec().getId()).as("the shared image stays").isNotEmpty();
  }

  @Test
  void anAppNetworkRemovedBehindTheSchedulersBackIsMadeAgain() {
    Release v2 = release(procfileBuild("worker", "exec sleep 1000"), ConfigChange.builder().build());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    scheduler.scale(v2, Formation.parse("worker=0"));
    docker.removeNetworkCmd(network()).exec();

    scheduler.scale(v2, Formation.parse("worker=1"));

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
    assertThat(docker.inspectContainerCmd(named("_v2.worker.1")).exec().getNetworkSettings().getNetworks())
        .containsKey(network());
  }

  @Test
  void aWebContainerCountsAsUpOnlyOnceItsProcessListensNotWhenDockersProxyDoes() throws Exception {
    // Docker's proxy accepts on the published port at once; this app listens only after a while.
    Release v2 = release(procfileBuild("web", "sleep 3; " + TestDocker.webCommand()),
        ConfigChange.builder().set("GREETING", "late but ready").build());

    scheduler.deploy(v2, Formation.parse("web=1"));

    assertThat(get(scheduler.containers(app).get(0).endpoint().orElseThrow(), "/")).isEqualTo("late but ready");
  }

  @Test
  void aWebContainerThatNeverListensFailsTheDeployAndSaysSo() {
    try (DockerScheduler impatient = DockerScheduler.builder().stackImage(TestDocker.stackImage())
        .options(TestDocker.fastOptions().withDeployTimeout(Duration.ofSeconds(3))).build()) {
      impatient.start(TestDocker.INSTALLATION);
      Release v2 = release(procfileBuild("web", "exec sleep 1000"), ConfigChange.builder().build());

      assertThatThrownBy(() -> impatient.deploy(v2, Formation.parse("web=1")))
          .isInstanceOf(SchedulerException.class)
          .hasMessageContaining(app + "_v2.web.1 did not listen on PORT 5000 within 3s");
      assertThat(impatient.containers(app)).isEmpty();
    }
  }

  @Test
  void aOneOffRunThatOutlivesItsTimeoutIsStoppedRemovedAndReported() {
    Release v2 = release(procfileBuild("worker", "exec sleep 1000"), ConfigChange.builder().build());

    assertThatThrownBy(() -> scheduler.run(v2, "echo started; sleep 60", Duration.ofSeconds(2)))
        .isInstanceOf(SchedulerException.class)
        .hasMessageContaining("'echo started; sleep 60' did not finish within 2s");
    assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Labels.forApp(TestDocker.INSTALLATION, app)).exec())
        .as("the one-off container is removed").isEmpty();
  }

  @Test
  void anImageThatIsMissingAndCannotBePulledIsAClearBuildError() {
    try (DockerScheduler impatient = DockerScheduler.builder().stackImage(TestDocker.stackImage())
        .options(TestDocker.fastOptions()).pullTimeout(Duration.ofSeconds(20)).build()) {
      impatient.start(TestDocker.INSTALLATION);
      Build missing = new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.empty(),
          Optional.of("deis-jvm-test/not-on-this-host:1"), Procfile.EMPTY, Optional.empty(), Optional.empty());

      assertThatThrownBy(() -> impatient.imageBuilder().build(missing, line -> { }))
          .isInstanceOf(BuildException.class)
          .hasMessageContaining("image deis-jvm-test/not-on-this-host:1 is not on this Docker host");
    }
  }

  @Test
  void aReleaseWhoseBuildWasNeverBuiltIsRefusedWithTheReason() {
    Build unbuilt = TestDocker.sourceBuild(sources, app, Procfile.parse("worker: exec sleep 1000"), Optional.empty(), Map.of());

    assertThatThrownBy(() -> scheduler.deploy(release(unbuilt, ConfigChange.builder().build()), Formation.parse("worker=1")))
        .isInstanceOf(SchedulerException.class)
        .hasMessageContaining("has no image: run it through DockerScheduler.imageBuilder()");
    assertThat(scheduler.containers(app)).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  /** The Docker name of the app's container of this job name suffix ({@code _v2.web.1}). */
  private String named(String jobSuffix) {
    return "deis-jvm-" + TestDocker.INSTALLATION.id() + "-" + app + jobSuffix;
  }

  private String network() {
    return "deis-jvm-" + TestDocker.INSTALLATION.id() + "-" + app;
  }

  private String repository() {
    return "deis-jvm/" + TestDocker.INSTALLATION.id() + "/" + app;
  }

  private Build procfileBuild(String... typeThenCommand) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < typeThenCommand.length; i += 2) {
      text.append(typeThenCommand[i]).append(": ").append(typeThenCommand[i + 1]).append('\n');
    }
    Build source = TestDocker.sourceBuild(sources, app, Procfile.parse(text.toString()), Optional.empty(), Map.of());
    return scheduler.imageBuilder().build(source, log::debug);
  }

  private Release release(Build build, ConfigChange change) {
    Config config = Config.empty(UUID.randomUUID().toString(), "tester", Instant.now())
        .apply(change, UUID.randomUUID().toString(), "tester", Instant.now());
    int version = nextVersion++;
    return new Release(UUID.randomUUID().toString(), app, version, "tester", Instant.now(), Optional.of(build), config,
        "tester deployed v" + version, Release.Status.PENDING, Optional.empty());
  }

  private Map<String, String> dockerIdsByName() {
    Map<String, String> ids = new java.util.TreeMap<>();
    docker.listContainersCmd().withShowAll(true).withLabelFilter(Labels.forApp(TestDocker.INSTALLATION, app)).exec()
        .forEach(c -> ids.put(c.getNames()[0].substring(1), c.getId()));
    return ids;
  }

  /** Runs {@code command} inside the running container and returns its exit code. */
  private int exec(String container, String command) throws InterruptedException {
    String exec = docker.execCreateCmd(container).withCmd("/bin/sh", "-c", command).withAttachStdout(true)
        .withAttachStderr(true).exec().getId();
    docker.execStartCmd(exec).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<Frame>()).awaitCompletion(30, TimeUnit.SECONDS);
    InspectExecResponse done = docker.inspectExecCmd(exec).exec();
    return done.getExitCodeLong().intValue();
  }

  private static String get(Endpoint endpoint, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint.url(path)))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + path + " on " + endpoint).isEqualTo(200);
    return response.body().strip();
  }

}
