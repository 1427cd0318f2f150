package io.deis.scheduler.k8s.fake;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * A one-node Kubernetes for tests: the in-memory API over real HTTP ({@link FakeApiServer}), the
 * controllers that turn Deployments into pods ({@link FakeControllers}) and a kubelet that runs
 * pods as local processes ({@link FakeKubelet}). The scheduler under test talks to it only
 * through the official client, over HTTP, exactly as it would talk to a cluster.
 */
public final class FakeKubernetes implements AutoCloseable {
  private final Store store = new Store();
  private final ApiRules rules = new ApiRules();
  private final FakeApiServer api;
  private final FakeControllers controllers;
  private final FakeKubelet kubelet;

  private FakeKubernetes() throws IOException {
    api = new FakeApiServer(store, rules);
    controllers = new FakeControllers(store, rules);
    kubelet = new FakeKubelet(store);
    api.logSource(kubelet);
  }

  public static FakeKubernetes start() {
    try {
      return new FakeKubernetes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client for this API server, built the way a kubeconfig-less user would build one. */
  public ApiClient client() {
    ApiClient client = new ClientBuilder().setBasePath(api.url()).setVerifyingSsl(false)
        .setReadTimeout(Duration.ofSeconds(30)).build();
    return client;
  }

  public String url() {
    return api.url();
  }

  public String lastAuthorization() {
    return api.lastAuthorization();
  }

  public RequestLog requests() {
    return api.requests();
  }

  // --------------------------------------------------------------------------------------------- faults a cluster has

  /** How long a deleted namespace stays Terminating (tens of seconds on a real cluster; 0.5 s unless set). */
  public void namespaceTermination(Duration delay) {
    controllers.namespaceTermination(delay);
  }

  /** Pods of the namespace are refused at admission from now on, as by a quota, Pod Security or a webhook. */
  public void refusePods(String namespace, String why) {
    rules.refusePods(namespace, why);
  }

  public void allowPods(String namespace) {
    rules.allowPods(namespace);
  }

  /** Evicts a running pod: it ends Failed (reason Evicted) and lingers, and its Deployment replaces it. */
  public void evict(String namespace, String pod) {
    kubelet.evict(namespace, pod);
  }

  /** Every request of {@code verb} (get, list, watch, create, update, patch, delete) on a path matching {@code pathRegex} fails with {@code code}. */
  public void fail(String verb, String pathRegex, int code) {
    api.fail(verb, pathRegex, code);
  }

  /** No more injected failures. */
  public void heal() {
    api.heal();
  }

  /** The node's kubelet stops answering log requests for the pod (the API server answers 500). */
  public void failLogsOf(String namespace, String pod) {
    api.failLogsOf(namespace, pod);
  }

  /** The node's clock runs this far ahead of the test's (negative: behind); its timestamps say so. */
  public void nodeClockSkew(Duration skew) {
    kubelet.clockSkew(skew);
  }

  /**
   * Idle watches that allow bookmarks get a BOOKMARK this often (a real API server sends them about
   * once a minute; unless set, this one sends none). Only a write tells the fake server that a
   * client went away, so with this set {@link #openWatches} drops a cancelled watch soon after.
   */
  public void bookmarkEvery(Duration every) {
    api.bookmarkEvery(every);
  }

  /** The paths of the watch requests the API server is serving now, one entry each ({@code /api/v1/pods}: all namespaces' pods). */
  public java.util.List<String> openWatches() {
    return api.openWatches();
  }

  /** The objects as the API holds them, for assertions that look past the scheduler. */
  public Store store() {
    return store;
  }

  @Override
  public void close() {
    api.close();
    controllers.close();
    kubelet.close();
  }
}
