package io.deis.scheduler.k8s;

import io.kubernetes.client.openapi.models.V1Pod;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Numbers an app's pods of one type 1..N, so {@code ps} shows web.1, web.2... A pod seen before
 * keeps its place; new pods take the free numbers in order of creation time, then name (the
 * creation time has only second resolution). A new scheduler, knowing nothing, numbers all pods by
 * creation time and name. Numbers always stay 1..N: when pods go, the rest close up in order.
 */
final class Numbering {
  private static final Comparator<V1Pod> BY_AGE = Comparator
      .comparing((V1Pod p) -> p.getMetadata().getCreationTimestamp(), Comparator.nullsLast(Comparator.<OffsetDateTime>naturalOrder()))
      .thenComparing(p -> p.getMetadata().getName());

  /** "app/type" -> pod name -> number, as last shown. */
  private final Map<String, Map<String, Integer>> known = new ConcurrentHashMap<>();

  /** The pods of one app and type in number order: element i is container i+1. */
  synchronized List<V1Pod> number(String appAndType, List<V1Pod> pods) {
    Map<String, Integer> before = known.getOrDefault(appAndType, Map.of());
    List<V1Pod> old = new ArrayList<>();
    List<V1Pod> fresh = new ArrayList<>();
    for (V1Pod pod : pods) {
      (before.containsKey(pod.getMetadata().getName()) ? old : fresh).add(pod);
    }
    old.sort(Comparator.comparing(p -> before.get(p.getMetadata().getName())));
    fresh.sort(BY_AGE);
    // Known pods keep their number while it is still within 1..N; new pods fill the gaps in age order.
    int total = pods.size();
    V1Pod[] slots = new V1Pod[total];
    List<V1Pod> displaced = new ArrayList<>();
    for (V1Pod pod : old) {
      int num = before.get(pod.getMetadata().getName());
      if (num <= total && slots[num - 1] == null) {
        slots[num - 1] = pod;
      } else {
        displaced.add(pod);
      }
    }
    List<V1Pod> rest = new ArrayList<>(displaced);
    rest.addAll(fresh);
    int next = 0;
    for (int i = 0; i < total; i++) {
      if (slots[i] == null) {
        slots[i] = rest.get(next++);
      }
    }
    Map<String, Integer> after = new LinkedHashMap<>();
    List<V1Pod> ordered = new ArrayList<>(total);
    for (int i = 0; i < total; i++) {
      after.put(slots[i].getMetadata().getName(), i + 1);
      ordered.add(slots[i]);
    }
    known.put(appAndType, new HashMap<>(after));
    return ordered;
  }

  void forget(String app) {
    known.keySet().removeIf(k -> k.startsWith(app + "/"));
  }
}
