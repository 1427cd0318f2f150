package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Procfile;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubernetes.client.util.Yaml;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.FileReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The cluster {@code KUBECONFIG} names, set up for the real-cluster tests: with the kubeconfig's
 * own (admin) rights it makes a namespace, a service account in it, and the published ClusterRole
 * and ClusterRoleBinding ({@code rbac.yaml}, under names of their own); the scheduler under test
 * then talks to the API with that service account's token only, so it has exactly the role's
 * rights. {@link #close} removes all of it.
 */
final class RealCluster implements AutoCloseable {
  /** The image the test processes run in; override with -Ddeis.k8s.image for a mirror. */
  static final String IMAGE = System.getProperty("deis.k8s.image", "busybox:1.36");

  private final ApiClient admin;
  private final String id = UUID.randomUUID().toString().substring(0, 6);
  private final String namespace = "deis-e2e-" + id;
  private final String roleName = "deis-scheduler-e2e-" + id;
  private ApiClient scoped;

  private RealCluster(ApiClient admin) {
    this.admin = admin;
  }

  static RealCluster start() {
    String path = System.getenv("KUBECONFIG").split(":")[0];
    try (Reader reader = new FileReader(path, StandardCharsets.UTF_8)) {
      ApiClient admin = ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(reader)).setReadTimeout(Duration.ofSeconds(60)).build();
      RealCluster cluster = new RealCluster(admin);
      cluster.setUp();
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the kubeconfig " + path, e);
    } catch (ApiException e) {
      throw new IllegalStateException("could not set up the test namespace, service account and role: HTTP " + e.getCode()
          + " " + e.getResponseBody(), e);
    }
  }

  private void setUp() throws ApiException, IOException {
    CoreV1Api core = new CoreV1Api(admin);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute();
    core.createNamespacedServiceAccount(namespace, new V1ServiceAccount().metadata(new V1ObjectMeta().name("deis-scheduler"))).execute();
    RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(admin);
    try (Reader published = new InputStreamReader(KubernetesScheduler.class.getResourceAsStream("rbac.yaml"), StandardCharsets.UTF_8)) {
      for (Object object : Yaml.loadAll(published)) {
        if (object instanceof V1ClusterRole role) {
          role.getMetadata().setName(roleName);
          rbac.createClusterRole(role).execute();
        } else if (object instanceof V1ClusterRoleBinding binding) {
          binding.getMetadata().setName(roleName);
          binding.getRoleRef().setName(roleName);
          binding.getSubjects().forEach(s -> s.setNamespace(namespace));
          rbac.createClusterRoleBinding(binding).execute();
        }
      }
    }
    String token = core.createNamespacedServiceAccountToken("deis-scheduler", namespace, new AuthenticationV1TokenRequest()
        .spec(new V1TokenRequestSpec().expirationSeconds(3600L))).execute().getStatus().getToken();
    ClientBuilder builder = new ClientBuilder().setBasePath(admin.getBasePath())
        .setAuthentication(new AccessTokenAuthentication(token)).setReadTimeout(Duration.ofSeconds(60));
    caCertificate().ifPresent(ca -> builder.setCertificateAuthority(ca.getBytes(StandardCharsets.UTF_8)));
    scoped = builder.build();
  }

  /** The cluster's CA, as every namespace gets it in the kube-root-ca.crt ConfigMap (made shortly after the namespace). */
  private Optional<String> caCertificate() throws ApiException {
    if (!admin.getBasePath().startsWith("https")) {
      return Optional.empty();
    }
    CoreV1Api core = new CoreV1Api(admin);
    Instant until = Instant.now().plusSeconds(30);
    while (true) {
      try {
        V1ConfigMap ca = core.readNamespacedConfigMap("kube-root-ca.crt", namespace).execute();
        return Optional.of(ca.getData().get("ca.crt"));
      } catch (ApiException e) {
        if (e.getCode() != 404 || Instant.now().isAfter(until)) {
          throw e;
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(interrupted);
        }
      }
    }
  }

  /** A client with the service account's token: exactly the published role's rights. */
  ApiClient scopedClient() {
    return scoped;
  }

  /** A client with the kubeconfig's own rights, for what the tests set up behind the scheduler's back. */
  ApiClient adminClient() {
    return admin;
  }

  /** The namespace the tests own (no app runs in it; dry runs go there). */
  String namespace() {
    return namespace;
  }

  static Build build(AppName app, Procfile procfile) {
    return new Build(UUID.randomUUID().toString(), app, "tester", Instant.now(), Optional.empty(), Optional.of(IMAGE), procfile,
        Optional.empty(), Optional.empty());
  }

  /** The scheduler the real-cluster tests use: the scoped service account, a 3 minute deadline, a 5 s stop grace. */
  KubernetesScheduler.Builder schedulerBuilder() {
    return KubernetesScheduler.builder(scopedClient()).deployDeadline(java.time.Duration.ofMinutes(3))
        .stopGrace(java.time.Duration.ofSeconds(5));
  }

  /** The contract's commands in busybox. */
  static io.deis.scheduler.contract.SchedulerContract.Commands commands() {
    return new io.deis.scheduler.contract.SchedulerContract.Commands(webCommand(), "exec sleep 1000", "exit 3", "sleep 2; exit 3");
  }

  /** Serves $GREETING on / at $PORT on every address of the pod: busybox's httpd, as in the image. */
  static String webCommand() {
    return "mkdir -p /tmp/www && printf '%s' \"$GREETING\" > /tmp/www/index.html && exec httpd -f -p \"$PORT\" -h /tmp/www";
  }

  @Override
  public void close() {
    RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(admin);
    CoreV1Api core = new CoreV1Api(admin);
    KubeApi api = new KubeApi(admin);
    for (Runnable cleanup : new Runnable[] {
        () -> api.delete("delete cluster role binding " + roleName, () -> rbac.deleteClusterRoleBinding(roleName).buildCall(null)),
        () -> api.delete("delete cluster role " + roleName, () -> rbac.deleteClusterRole(roleName).buildCall(null)),
        () -> api.delete("delete namespace " + namespace, () -> core.deleteNamespace(namespace).buildCall(null))}) {
      try {
        cleanup.run();
      } catch (RuntimeException e) {
        System.err.println("real-cluster cleanup: " + e.getMessage());
      }
    }
  }
}
