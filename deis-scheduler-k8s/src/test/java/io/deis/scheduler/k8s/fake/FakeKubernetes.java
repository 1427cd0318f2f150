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
  private final FakeApiServer api;
  private final FakeControllers controllers;
  private final FakeKubelet kubelet;

  private FakeKubernetes() throws IOException {
    api = new FakeApiServer(store);
    controllers = new FakeControllers(store);
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
