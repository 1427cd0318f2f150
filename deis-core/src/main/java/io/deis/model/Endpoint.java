package io.deis.model;

/** Where a running container answers, as seen from the controller's host: for routers and health checks. */
public record Endpoint(String host, int port) {
  public String url(String path) {
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path;
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
