package io.deis.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import io.deis.scheduler.DeployException;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.contract.SchedulerContract;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.Yaml;

/**
 * On the cluster {@code KUBECONFIG} names, as the service account holding only the published role:
 * every object of the golden file passes the API server's validation and admission (a server-side
 * dry run), each failure the fake stands in for is met as a cluster makes it, and a web app answers
 * through its Service from inside the cluster.get().
 */
@RequiresKubeconfig
class RealClusterFaultsTest {
  private static final AtomicInteger APPS = new AtomicInteger();
  private static final Gson GSON = new Gson();
  @RegisterExtension
  static final TestCluster<RealCluster> cluster = TestCluster.real();

  private KubernetesScheduler scheduler;
  private Installation installation;
  private AppName app;

  @BeforeEach
  void newApp() {
    installation = Installation.generate();
    app = AppName.of("e2e-" + APPS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6));
    scheduler = cluster.started(cluster.builder(), installation, app);
  }

  private Release release(int version, String procfile, Map<String, String> values) {
    Build build = RealCluster.build(app, Procfile.parse(procfile));
    return TestApps.release(app, version, build, values);
  }

  // ------------------------------------------------------------------------------------------- what the scheduler writes

  @Test
  void everyGoldenObjectPassesAServerSideDryRun() throws Exception {
    List<String> tried = dryRunGoldenObjects(cluster.get().scopedClient(), cluster.get().namespace());

    assertThat(tried).as("the golden file's objects").anyMatch(t -> t.startsWith("Pod myapp-run-"))
        .anyMatch(t -> t.startsWith("Deployment ")).anyMatch(t -> t.startsWith("Service ")).anyMatch(t -> t.startsWith("Secret "))
        .anyMatch(t -> t.startsWith("Namespace "));
  }

  /**
   * Sends every object the golden file shows written (the replaced ones too, as creates: the same
   * validation and admission, and no object needed first) with {@code dryRun=All}, into {@code ns};
   * returns the kind and name of each.
   */
  static List<String> dryRunGoldenObjects(ApiClient client, String ns) throws Exception {
    String golden = Files.readString(Path.of("src/test/resources/golden/myapp-writes.yaml"), StandardCharsets.UTF_8);
    List<String> tried = new ArrayList<>();
    for (String document : golden.split("\n---\n")) {
      String[] lines = document.split("\n", 2);
      if (!lines[0].startsWith("# POST ") && !lines[0].startsWith("# PUT ") || lines.length < 2 || lines[1].isBlank()) {
        continue;
      }
      String path = lines[0].substring(lines[0].indexOf(' ', 2) + 1).strip();
      JsonObject body = GSON.toJsonTree(new Yaml().load(lines[1])).getAsJsonObject();
      String kind = body.get("kind").getAsString();
      String collection;
      if (kind.equals("Namespace")) {
        body.getAsJsonObject("metadata").addProperty("name", ns + "-dry");
        collection = "/api/v1/namespaces";
      } else {
        body.getAsJsonObject("metadata").addProperty("namespace", ns);
        collection = path.replaceFirst("/namespaces/myapp/", "/namespaces/" + ns + "/");
        if (lines[0].startsWith("# PUT ")) {
          collection = collection.substring(0, collection.lastIndexOf('/'));
        }
      }
      dryRunCreate(client, collection, body);
      tried.add(kind + " " + body.getAsJsonObject("metadata").get("name").getAsString());
    }
    return tried;
  }

  private static void dryRunCreate(ApiClient client, String path, JsonObject body) throws ApiException {
    Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/json", "Accept", "application/json"));
    okhttp3.Call call = client.buildCall(client.getBasePath(), path, "POST", List.of(new Pair("dryRun", "All")), List.of(), body,
        headers, new HashMap<>(), new HashMap<>(), new String[] {"BearerToken"}, null);
    try (okhttp3.Response response = call.execute()) {
      assertThat(response.code()).as("dry run of %s %s: %s", path, body.getAsJsonObject("metadata").get("name"),
          response.body() == null ? "" : response.body().string()).isBetween(200, 299);
    } catch (java.io.IOException e) {
      throw new ApiException(e);
    }
  }

  // ------------------------------------------------------------------------------------------- failures a cluster makes

  @Test
  void aCrashLoopFailsTheDeployAndThePreviousReleaseKeepsServing() {
    scheduler.deploy(release(2, "worker: exec sleep 1000\n", Map.of()), Formation.parse("worker=1"));

    assertThatThrownBy(() -> scheduler.deploy(release(3, "worker: echo going down; exit 3\n", Map.of()), Formation.parse("worker=1")))
        .isInstanceOf(DeployException.class).hasMessageContaining("exit code 3").hasMessageContaining("going down");
    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> {
      assertThat(c.release()).isEqualTo(2);
      assertThat(c.state()).isEqualTo(ContainerState.UP);
    });
  }

  @Test
  void anImageThatCannotBePulledFailsTheDeployAfterTheKubeletRetried() {
    Build unpullable = new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.empty(),
        Optional.of("registry.invalid/deis/nope:1"), Procfile.parse("worker: exec sleep 1000\n"), Optional.empty(), Optional.empty());

    assertThatThrownBy(() -> scheduler.deploy(TestApps.release(app, 2, unpullable, Map.of()), Formation.parse("worker=1")))
        .isInstanceOf(DeployException.class).hasMessageContaining("cannot pull image registry.invalid/deis/nope:1")
        .hasMessageNotContaining("not ready within");
  }

  @Test
  void aPodNoNodeCanTakeFailsTheDeployAtOnce() {
    Release release = release(2, "worker: exec sleep 1000\n", Map.of());
    Config huge = release.config().apply(ConfigChange.builder().memory(ProcessType.of("worker"), "1000G").build(),
        "c", "tester", Instant.now());

    assertThatThrownBy(() -> scheduler.deploy(TestApps.release(app, 2, release.build().orElseThrow(), huge), Formation.parse("worker=1")))
        .isInstanceOf(DeployException.class).hasMessageContaining("cannot be scheduled").hasMessageContaining("Insufficient memory");
  }

  @Test
  void aLeftoverFailedPodDoesNotHoldUpTheNextDeploy() throws Exception {
    Release v2 = release(2, "worker: exec sleep 1000\n", Map.of());
    scheduler.deploy(v2, Formation.parse("worker=1"));
    // As a pod evicted or shut down with its node leaves it: the app's labels, phase Failed, lingering.
    Map<String, String> labels = Map.of("io.deis.heritage", "deis-jvm", "io.deis.installation", installation.id(),
        "io.deis.app", app.value(), "io.deis.type", "worker", "io.deis.release", "2");
    CoreV1Api admin = new CoreV1Api(cluster.get().adminClient());
    admin.createNamespacedPod(app.value(), new V1Pod().metadata(new V1ObjectMeta().name(app + "-worker-leftover").labels(labels))
        .spec(new V1PodSpec().restartPolicy("Never").containers(List.of(new V1Container().name("worker").image(RealCluster.IMAGE)
            .command(List.of("sh", "-c", "exit 1")))))).execute();
    SchedulerContract.await(Duration.ofMinutes(2), () -> {
      try {
        return "Failed".equals(admin.readNamespacedPod(app + "-worker-leftover", app.value()).execute().getStatus().getPhase());
      } catch (ApiException e) {
        return false;
      }
    });

    scheduler.deploy(release(3, "worker: exec sleep 1000\n", Map.of()), Formation.parse("worker=1"));

    assertThat(scheduler.containers(app)).singleElement().satisfies(c -> assertThat(c.release()).isEqualTo(3));
  }

  @Test
  void aCommandThatIgnoresSigtermIsKilledAfterTheStopGrace() {
    Release v2 = release(2, "worker: trap '' TERM; sleep 1000\n", Map.of());
    scheduler.deploy(v2, Formation.parse("worker=2"));

    Instant start = Instant.now();
    scheduler.scale(v2, Formation.parse("worker=1"));

    Duration took = Duration.between(start, Instant.now());
    assertThat(took).as("the 5 s stop grace, not the cluster's default 30 s").isBetween(Duration.ofSeconds(5), Duration.ofSeconds(28));
  }

  @Test
  void aShellCommandStopsAtOnceBecauseSigtermReachesTheApp() {
    // A second scheduler of the same installation, with a 30 s grace; the test's first one destroys the app afterwards.
    KubernetesScheduler graceful = cluster.started(cluster.builder().stopGrace(Duration.ofSeconds(30)), installation, null);
    Release v2 = release(2, "worker: echo started; sleep 1000\n", Map.of());
    graceful.deploy(v2, Formation.parse("worker=2"));

    Instant start = Instant.now();
    graceful.scale(v2, Formation.parse("worker=1"));

    // Without the init shell's forwarding, /bin/sh as PID 1 would ignore SIGTERM and the stop would last the 30 s grace.
    assertThat(Duration.between(start, Instant.now())).as("SIGTERM ends sleep at once").isLessThan(Duration.ofSeconds(20));
  }

  // ------------------------------------------------------------------------------------------- traffic

  @Test
  void aWebAppAnswersThroughItsServiceFromInsideTheCluster() {
    Release v2 = release(2, "web: " + RealCluster.webCommand() + "\n", Map.of("GREETING", "hello through the service"));
    scheduler.deploy(v2, Formation.parse("web=2"));

    RunResult result = scheduler.run(v2, "wget -qO- http://" + app + "/", Duration.ofMinutes(2));

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("hello through the service");
  }
}
