package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.deis.error.BuildException;
import io.deis.error.InvalidInputException;
import io.deis.error.SchedulerException;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import io.deis.scheduler.k8s.fake.RequestLog;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the Kubernetes backend does beyond the shared contract: its objects, waits, runs, logs and errors. */
@RequiresBusybox
class KubernetesSchedulerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @RegisterExtension
  static final TestCluster<FakeKubernetes> cluster = TestCluster.fake();

  private KubernetesScheduler scheduler;
  private AppName app;

  @BeforeEach
  void newApp() {
    app = cluster.newApp("k8s");
    scheduler = cluster.started(cluster.builder().deployDeadline(Duration.ofSeconds(60)), app);
  }

  private Build build(String procfile) {
    return TestApps.imageBuild(app, Procfile.parse(procfile));
  }

  @Test
  void theServiceIsAClusterIpOnPort80ToTheWebPodsPort() {
    scheduler.deploy(TestApps.release(app, 2, build("web: " + TestApps.webCommand() + "\nworker: exec sleep 1000\n"), Map.of()),
        Formation.parse("web=1 worker=1"));

    JsonObject service = cluster.get().store().get("services", app.value(), app.value()).orElseThrow();
    JsonObject spec = service.getAsJsonObject("spec");
    assertThat(spec.get("type").getAsString()).isEqualTo("ClusterIP");
    assertThat(spec.get("clusterIP").getAsString()).startsWith("10.96.");
    assertThat(spec.getAsJsonObject("selector").get("io.deis.type").getAsString()).isEqualTo("web");
    JsonObject port = spec.getAsJsonArray("ports").get(0).getAsJsonObject();
    assertThat(port.get("port").getAsInt()).isEqualTo(80);
    assertThat(port.get("targetPort").getAsInt()).isEqualTo(5000);
  }

  @Test
  void anImageAppWithoutWebIsServedThroughCmd() {
    scheduler.deploy(TestApps.release(app, 2, build("cmd: " + TestApps.webCommand() + "\n"), Map.of()), Formation.parse("cmd=1"));

    JsonObject service = cluster.get().store().get("services", app.value(), app.value()).orElseThrow();
    assertThat(service.getAsJsonObject("spec").getAsJsonObject("selector").get("io.deis.type").getAsString()).isEqualTo("cmd");
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.name()).isEqualTo(app + ".cmd.1");
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
  }

  @Test
  void eachReleaseHasItsOwnSecretAndTheOldOneGoesOnceTheNewReleaseServes() {
    Build build = build("worker: exec sleep 1000\n");
    scheduler.deploy(TestApps.release(app, 2, build, Map.of("COLOR", "red")), Formation.parse("worker=1"));
    scheduler.deploy(TestApps.release(app, 3, build, Map.of("COLOR", "blue")), Formation.parse("worker=1"));

    assertThat(cluster.get().store().list("secrets", app.value(), s -> true))
        .extracting(s -> s.getAsJsonObject("metadata").get("name").getAsString()).containsExactly(app + "-v3-env");
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.release()).isEqualTo(3));
  }

  @Test
  void aDeployThatIsNotReadyByItsDeadlineFailsAndThePreviousReleaseKeepsServing() throws Exception {
    Build build = build("web: " + TestApps.webCommand() + "\n");
    scheduler.deploy(TestApps.release(app, 2, build, Map.of("GREETING", "old")), Formation.parse("web=1"));
    String serving = scheduler.containers(app).get(0).id();

    KubernetesScheduler impatient = cluster.started(cluster.builder().deployDeadline(Duration.ofSeconds(3)), null); // closed after the test
    Release unhealthy = TestApps.release(app, 3, build, Map.of("GREETING", "new", "HEALTHCHECK_URL", "/missing"));
    assertThatThrownBy(() -> impatient.deploy(unhealthy, Formation.parse("web=1")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("release v3 of " + app + " failed to deploy")
        .hasMessageContaining("not ready within 3s")
        .hasMessageContaining("health check GET /missing")
        .hasMessageContaining("previous release keeps serving");

    Container web = scheduler.containers(app).get(0);
    assertThat(scheduler.containers(app)).hasSize(1);
    assertThat(web.id()).isEqualTo(serving);
    assertThat(web.release()).isEqualTo(2);
    assertThat(get(web, "/")).isEqualTo("old");
    assertThat(cluster.get().store().list("secrets", app.value(), s -> true))
        .extracting(s -> s.getAsJsonObject("metadata").get("name").getAsString()).containsExactly(app + "-v2-env");
  }

  @Test
  void aDeployWhoseHealthCheckFailsFailsAfterFourProbesNotAtItsDeadline() throws Exception {
    Build build = build("web: " + TestApps.webCommand() + "\n");
    scheduler.deploy(TestApps.release(app, 2, build, Map.of("GREETING", "old")), Formation.parse("web=1"));

    // The deadline is 60 s; a message naming the health check shows the deploy did not wait for it.
    Release unhealthy = TestApps.release(app, 3, build, Map.of("GREETING", "new", "HEALTHCHECK_URL", "/missing"));
    assertThatThrownBy(() -> scheduler.deploy(unhealthy, Formation.parse("web=1")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("web.1 (pod " + app + "-web-")
        .hasMessageContaining("failed its health check GET /missing on port 5000")
        .hasMessageContaining("app containers failed to respond to health check")
        .hasMessageNotContaining("not ready within");

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.release()).isEqualTo(2);
      assertThat(get(c, "/")).isEqualTo("old");
    });
  }

  @Test
  void aFailedDeployQuotesTheCrashedContainersLastOutput() {
    Build build = build("worker: exec sleep 1000\n");
    scheduler.deploy(TestApps.release(app, 2, build, Map.of()), Formation.parse("worker=1"));

    Release broken = TestApps.release(app, 3, build("worker: echo starting up; echo cannot reach the database >&2; exit 3\n"), Map.of());
    assertThatThrownBy(() -> scheduler.deploy(broken, Formation.parse("worker=1")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("worker.1 (pod " + app + "-worker-")
        .hasMessageContaining("crashed with exit code 3")
        .hasMessageContaining("\n  last output of worker.1:\n    starting up\n    cannot reach the database");
  }

  @Test
  void aWebContainerAnswersOnItsEndpointWithItsConfig() throws Exception {
    scheduler.deploy(TestApps.release(app, 2, build("web: " + TestApps.webCommand() + "\n"), Map.of("GREETING", "hello k8s")),
        Formation.parse("web=2"));

    List<Container> web = scheduler.containers(app);
    assertThat(web).hasSize(2).allSatisfy(c -> assertThat(c.endpoint()).isPresent());
    assertThat(web.get(0).endpoint()).isNotEqualTo(web.get(1).endpoint());
    for (Container c : web) {
      assertThat(get(c, "/")).isEqualTo("hello k8s");
    }
  }

  @Test
  void runReturnsExitCodeAndOutputWithTheReleaseConfigAndLeavesNothingBehind() {
    Release v2 = TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of("GREETING", "from-config"));

    RunResult result = scheduler.run(v2, "echo \"$GREETING\"; echo to-stderr >&2; exit 3", Duration.ofSeconds(30));

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.output()).contains("from-config").contains("to-stderr");
    assertThat(cluster.get().store().list("pods", app.value(), p -> true)).isEmpty();
    assertThat(cluster.get().store().list("secrets", app.value(), p -> true)).isEmpty();
  }

  @Test
  void aRunThatOutlivesItsTimeoutIsDeletedAndReported() {
    Release v2 = TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of());

    assertThatThrownBy(() -> scheduler.run(v2, "exec sleep 600", Duration.ofSeconds(2)))
        .isInstanceOf(SchedulerException.class)
        .hasMessageContaining("'exec sleep 600'")
        .hasMessageContaining("did not finish within 2s");
    assertThat(cluster.get().store().list("pods", app.value(), p -> true)).isEmpty();
  }

  @Test
  void logsComeFromThePodsLabelledWithTheContainer() {
    scheduler.deploy(TestApps.release(app, 2, build("worker: echo hello from $HOSTNAME; exec sleep 1000\n"), Map.of()),
        Formation.parse("worker=2"));

    List<Container> containers = scheduler.containers(app);
    SchedulerContract.await(Duration.ofSeconds(20), () -> scheduler.logs(app, 10).size() == 2);
    assertThat(scheduler.logs(app, 10)).extracting(l -> l.source() + ": " + l.text()).containsExactlyInAnyOrder(
        "worker.1: hello from " + containers.get(0).id(),
        "worker.2: hello from " + containers.get(1).id());
    assertThat(scheduler.logs(app, 1)).hasSize(1);
  }

  @Test
  void aWaitLongerThanTheClientsReadTimeoutResumesItsWatch() {
    ApiClient shortReads = new ClientBuilder().setBasePath(cluster.get().url()).setReadTimeout(Duration.ofSeconds(2)).build();
    KubernetesScheduler patient = cluster.started(KubernetesScheduler.builder(shortReads).deployDeadline(Duration.ofSeconds(60)), null);
    Release slow = TestApps.release(app, 2, build("web: " + TestApps.webCommand() + "\n"),
        Map.of("HEALTHCHECK_URL", "/", "HEALTHCHECK_INITIAL_DELAY", "4"));
    cluster.get().requests().clear();

    patient.deploy(slow, Formation.parse("web=1"));

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
    assertThat(cluster.get().requests().all()).filteredOn(r -> r.verb().equals("watch")).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void aScaleWhoseNewContainersCrashIsScaledBack() throws Exception {
    Path poison = Files.createTempFile("deis-k8s-poison", "");
    Files.delete(poison);
    // Pods started after the poison file exists crash at once; the first one started before it.
    Release v2 = TestApps.release(app, 2, build("worker: if [ -e " + poison + " ]; then exit 3; fi; exec sleep 1000\n"), Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    String first = scheduler.containers(app).get(0).id();
    Files.createFile(poison);
    try {
      assertThatThrownBy(() -> scheduler.scale(v2, Formation.parse("worker=3")))
          .isInstanceOf(SchedulerException.class)
          .hasMessageContaining("could not scale " + app + " to worker=3")
          .hasMessageContaining("crashed with exit code 3")
          .hasMessageContaining("scaled back to worker=1");
    } finally {
      Files.delete(poison);
    }
    SchedulerContract.await(Duration.ofSeconds(20), () -> scheduler.containers(app).size() == 1);
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.id()).isEqualTo(first);
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
  }

  @Test
  void appsDeployConcurrentlyThroughOneScheduler() throws Exception {
    List<AppName> apps = List.of(AppName.of(app + "-a"), AppName.of(app + "-b"), AppName.of(app + "-c"), AppName.of(app + "-d"));
    ExecutorService pool = Executors.newFixedThreadPool(apps.size());
    try {
      List<Future<?>> deploys = new ArrayList<>();
      for (AppName each : apps) {
        deploys.add(pool.submit(() -> scheduler.deploy(TestApps.release(each, 2,
            TestApps.imageBuild(each, Procfile.parse("worker: exec sleep 1000\n")), Map.of()), Formation.parse("worker=2"))));
      }
      for (Future<?> deploy : deploys) {
        deploy.get();
      }
      for (AppName each : apps) {
        assertThat(scheduler.containers(each)).extracting(Container::name).containsExactly(each + ".worker.1", each + ".worker.2");
      }
    } finally {
      pool.shutdown();
      apps.forEach(scheduler::destroy);
    }
  }

  @Test
  void destroyRefusesANamespaceThatDeisDidNotMake() throws Exception {
    AppName foreign = AppName.of("not-deis-" + UUID.randomUUID().toString().substring(0, 6));
    new CoreV1Api(cluster.get().client()).createNamespace(new V1Namespace().apiVersion("v1").kind("Namespace")
        .metadata(new V1ObjectMeta().name(foreign.value()))).execute();

    assertThatThrownBy(() -> scheduler.destroy(foreign))
        .isInstanceOf(SchedulerException.class)
        .hasMessageContaining("namespace " + foreign + " exists but was not made by Deis")
        .hasMessageContaining("refusing to delete it");
    assertThat(cluster.get().store().get("namespaces", "", foreign.value())).isPresent();

    Release release = TestApps.release(foreign, 2, TestApps.imageBuild(foreign, Procfile.parse("worker: exec sleep 1000\n")), Map.of());
    assertThatThrownBy(() -> scheduler.deploy(release, Formation.parse("worker=1")))
        .isInstanceOf(SchedulerException.class)
        .hasMessageContaining("namespace " + foreign + " exists but was not made by Deis")
        .hasMessageContaining("refusing to deploy into it");
    assertThat(cluster.get().store().list("secrets", foreign.value(), o -> true)).isEmpty();
  }

  @Test
  void aClientConfiguredFromAKubeconfigWorks() throws Exception {
    String kubeconfig = String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: fake",
        "  cluster:",
        "    server: " + cluster.get().url(),
        "users:",
        "- name: alice",
        "  user:",
        "    token: s3cr3t-token",
        "contexts:",
        "- name: fake",
        "  context:",
        "    cluster: fake",
        "    user: alice",
        "current-context: fake",
        "");
    ApiClient client = ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(new StringReader(kubeconfig))).build();
    try (KubernetesScheduler fromKubeconfig = TestApps.started(KubernetesScheduler.using(client))) {
      fromKubeconfig.deploy(TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of()), Formation.parse("worker=1"));

      assertThat(fromKubeconfig.containers(app)).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.UP));
      assertThat(cluster.get().lastAuthorization()).isEqualTo("Bearer s3cr3t-token");
    }
  }

  @Test
  void destroyDeletesTheNamespaceAndEverythingInIt() {
    scheduler.deploy(TestApps.release(app, 2, build("worker: exec sleep 1000\n"), Map.of("A", "b")), Formation.parse("worker=2"));

    scheduler.destroy(app);

    assertThat(scheduler.containers(app)).isEmpty(); // at once: a terminating namespace is gone for Deis
    SchedulerContract.await(Duration.ofSeconds(20), () -> cluster.get().store().get("namespaces", "", app.value()).isEmpty());
    for (String resource : List.of("pods", "deployments", "services", "secrets")) {
      assertThat(cluster.get().store().list(resource, app.value(), o -> true)).as(resource).isEmpty();
    }
    assertThat(scheduler.containers(app)).isEmpty();
  }

  @Test
  void theImageBuilderRunsImagesAndRefusesSourceTrees() {
    Build image = build("web: run\n");
    assertThat(scheduler.imageBuilder().build(image, line -> { })).isEqualTo(image);

    Build source = new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.of("1a2b3c4d"),
        Optional.empty(), Procfile.parse("web: run\n"), Optional.empty(), Optional.of(Path.of("/tmp/src")));
    assertThatThrownBy(() -> scheduler.imageBuilder().build(source, line -> { }))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("build 1a2b3c4 of app " + app)
        .hasMessageContaining("the Kubernetes backend runs image builds only")
        .hasMessageContaining("Docker backend");
  }

  @Test
  void badInputIsRefusedBeforeAnythingIsWritten() {
    Build build = build("worker: exec sleep 1000\n");
    cluster.get().requests().clear();

    assertThatThrownBy(() -> scheduler.deploy(TestApps.release(app, 2, build, Map.of()), Formation.parse("web=1")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Container type web does not exist in application " + app);
    Release noBuild = new Release(UUID.randomUUID().toString(), app, 1, "tester", Instant.now(), Optional.empty(),
        TestApps.release(app, 1, build, Map.of()).config(), "tester created initial release", Release.Status.PENDING, Optional.empty());
    assertThatThrownBy(() -> scheduler.deploy(noBuild, Formation.parse("worker=1")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("release v1 of " + app + " has no build");
    assertThatThrownBy(() -> scheduler.run(TestApps.release(app, 2, build, Map.of()), " ", Duration.ofSeconds(5)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("run command is empty");
    AppName tooLong = AppName.of("a".repeat(64));
    assertThatThrownBy(() -> scheduler.containers(tooLong))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("app name '" + tooLong + "' is 64 characters long")
        .hasMessageContaining("at most 63");
    assertThat(cluster.get().requests().all()).filteredOn(RequestLog.Request::isWrite).isEmpty();
  }

  @Test
  void anUnreachableApiIsNamedInTheError() {
    try (KubernetesScheduler nowhere = TestApps.started(KubernetesScheduler.using(new ClientBuilder().setBasePath("http://127.0.0.1:9").build()))) {
      assertThatThrownBy(() -> nowhere.containers(app))
          .isInstanceOf(SchedulerException.class)
          .hasMessageContaining("could not read namespace " + app)
          .hasMessageContaining("the Kubernetes API at http://127.0.0.1:9 did not answer");
    }
  }

  private static String get(Container container, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(container.endpoint().orElseThrow().url(path)))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }
}
