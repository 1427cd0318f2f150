package io.deis.scheduler;

import io.deis.model.Build;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One pass of {@link RuntimeScheduler#reconcile} for one app, holding its operation lock. */
final class Reconciliation {
  private static final Logger log = LoggerFactory.getLogger(RuntimeScheduler.class);

  private final RuntimeScheduler scheduler;
  private final ContainerRuntime runtime;
  private final AppContainers app;
  private final Release release;
  private final Formation formation;

  Reconciliation(RuntimeScheduler scheduler, AppContainers app, Release release, Formation formation) {
    this.scheduler = scheduler;
    this.runtime = scheduler.runtime();
    this.app = app;
    this.release = release;
    this.formation = formation;
  }

  Optional<Duration> run() {
    app.release(release);
    refresh();
    List<Slot> unwanted = new ArrayList<>();
    Map<ProcessType, List<Slot>> keep = new LinkedHashMap<>();
    for (Slot slot : app.live()) {
      Container c = slot.container;
      boolean ours = c.release() == release.version() && formation.count(c.type()) > 0 && !c.id().isEmpty();
      if (ours) {
        keep.computeIfAbsent(c.type(), t -> new ArrayList<>()).add(slot);
      } else {
        unwanted.add(slot);
      }
    }
    List<Slot> fresh = new ArrayList<>();
    for (ProcessType type : formation.counts().keySet()) {
      List<Slot> have = new ArrayList<>(keep.getOrDefault(type, List.of()));
      // One container per number (an adopted duplicate goes), and at most the formation's count, lowest numbers kept.
      have.sort(Comparator.comparingInt((Slot s) -> s.container.num()).thenComparing(s -> s.container.state() != ContainerState.UP));
      Set<Integer> nums = new TreeSet<>();
      List<Slot> kept = new ArrayList<>();
      for (Slot slot : have) {
        if (kept.size() < formation.count(type) && nums.add(slot.container.num())) {
          kept.add(slot);
        } else {
          unwanted.add(slot);
        }
      }
      int num = 1;
      for (int i = kept.size(); i < formation.count(type); i++) {
        while (nums.contains(num)) {
          num++;
        }
        nums.add(num);
        fresh.add(app.add(release.version(), type, num));
      }
      keep.put(type, kept);
    }
    scheduler.retire(app, unwanted, "reconcile to v" + release.version(), false);
    Instant now = Instant.now();
    Optional<Instant> next = Optional.empty();
    List<Slot> toStart = new ArrayList<>(fresh);
    for (List<Slot> kept : keep.values()) {
      for (Slot slot : kept) {
        ContainerState state = slot.container.state();
        if (state == ContainerState.CREATED || state == ContainerState.DOWN && !now.isBefore(slot.restartAt)) {
          toStart.add(slot);
        } else if (state == ContainerState.DOWN) {
          next = Optional.of(next.filter(n -> n.isBefore(slot.restartAt)).orElse(slot.restartAt));
        }
      }
    }
    Build build = release.build().orElse(null);
    Map<Slot, String> failures = scheduler.tasks().run(toStart, slot -> {
      if (slot.container.state() == ContainerState.INITIALIZED) {
        ContainerSpec spec = scheduler.spec(release, build, slot.container.type(), slot.container.num(), build.command(slot.container.type()));
        String id = runtime.create(spec);
        app.update(slot, c -> c.withId(id).moveTo(ContainerState.CREATED, "create"));
      }
      boolean restart = slot.container.state() == ContainerState.DOWN;
      scheduler.start(app, slot, restart ? "restarted after crash" : "start");
      if (restart) {
        app.update(slot, Container::restarted);
      }
      slot.pending = false;
      scheduler.watchReadiness(app, slot);
    }, "start");
    // A container that could not even be created is dropped, and created again next time.
    failures.keySet().stream().filter(s -> s.container.state() == ContainerState.INITIALIZED).forEach(app::remove);
    if (!failures.isEmpty()) {
      log.warn("{}: reconcile to v{} could not start some containers: {}", app.name, release.version(), RuntimeScheduler.describe(failures));
      Instant retry = now.plus(scheduler.options().restartBackoff());
      next = Optional.of(next.filter(n -> n.isBefore(retry)).orElse(retry));
    }
    return next.map(at -> {
      Duration wait = Duration.between(Instant.now(), at);
      return wait.isNegative() ? Duration.ZERO : wait;
    });
  }

  /**
   * Brings the table in line with what the runtime says now: containers it does not know (a task
   * of an interrupted operation made them) are adopted, containers the runtime lost are
   * forgotten, and each known container takes the runtime's word on whether it runs (a stop
   * or start whose answer was lost leaves the table wrong).
   */
  private void refresh() {
    Map<String, RuntimeContainer> byId = new LinkedHashMap<>();
    runtime.list(Labels.forApp(scheduler.installation(), app.name)).forEach(rc -> byId.put(rc.id(), rc));
    for (Slot slot : app.all()) {
      Container c = slot.container;
      if (c.id().isEmpty() || c.state() == ContainerState.DESTROYED) {
        continue;
      }
      RuntimeContainer rc = byId.remove(c.id());
      if (rc == null) {
        log.warn("{}: {} is gone from the runtime", app.name, c.jobName());
        app.remove(slot);
      } else if (rc.running() && c.state() != ContainerState.UP) {
        app.update(slot, x -> x.moveTo(ContainerState.UP, "found running").withEndpoint(rc.endpoint()));
      } else if (!rc.running() && c.state() == ContainerState.UP) {
        app.update(slot, x -> x.moveTo(ContainerState.DOWN, "found stopped", rc.exitCode(), Instant.now()));
      }
    }
    for (RuntimeContainer rc : byId.values()) {
      Optional<Container> found = ContainerLabels.read(rc);
      if (found.isEmpty()) {
        if (!ProcessType.RUN.value().equals(rc.labels().get(Labels.TYPE))) {
          log.warn("{}: removing container {}: its labels {} name no type, number and release", app.name, rc.id(), rc.labels());
          runtime.destroy(rc.id());
        }
        continue;
      }
      Container c = found.get().moveTo(ContainerState.CREATED, "adopted");
      app.adopt(rc.running() ? c.moveTo(ContainerState.UP, "adopted").withEndpoint(rc.endpoint()) : c);
    }
  }
}
