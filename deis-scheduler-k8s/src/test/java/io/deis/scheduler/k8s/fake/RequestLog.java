package io.deis.scheduler.k8s.fake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Every request that reached the fake API server, so tests can count what an operation costs. */
public final class RequestLog {
  /**
   * One request: its verb as the API server names it (get, list, watch, create, update, patch,
   * delete), its path and body, and what RBAC authorizes it by: the API group ("" for core), the
   * resource with its subresource ({@code pods/log}) and the namespace (null for cluster scope).
   */
  public record Request(String method, String verb, String path, String body, String group, String resource, String namespace) {
    public boolean isWrite() {
      return switch (verb) {
        case "create", "update", "patch", "delete" -> true;
        default -> false;
      };
    }

    @Override
    public String toString() {
      return verb + " " + path;
    }
  }

  private final List<Request> requests = new ArrayList<>();

  public synchronized void add(Request request) {
    requests.add(request);
  }

  synchronized void record(Request request) {
    requests.add(request);
  }

  public synchronized List<Request> all() {
    return List.copyOf(requests);
  }

  public synchronized void clear() {
    requests.clear();
  }

  public synchronized int count() {
    return requests.size();
  }

  public synchronized long writes() {
    return requests.stream().filter(Request::isWrite).count();
  }

  /** How many requests of each verb, e.g. {@code {create=5, list=2, watch=1}}. */
  public synchronized Map<String, Long> byVerb() {
    return requests.stream().collect(Collectors.groupingBy(Request::verb, TreeMap::new, Collectors.counting()));
  }
}
