package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.Installation;
import io.deis.scheduler.k8s.fake.FakeKubernetes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up the cluster tests share, as a JUnit 5 extension on a static field:
 * {@code @RegisterExtension static final TestCluster<FakeKubernetes> cluster = TestCluster.fake();}
 * One cluster per test class (started before its first test, closed after its last: starting
 * one costs a few hundred milliseconds, and each test uses apps of its own), and the schedulers a
 * test starts through {@link #started}, each of which destroys its app and is closed after that
 * test, after the class's own {@code @AfterEach} methods (which may undo a fault first).
 *
 * <p>The cluster starts in {@code beforeAll}, never when the field is made, so a class that a
 * condition disables ({@link RequiresBusybox}, {@link RequiresKubeconfig}) starts nothing.
 */
final class TestCluster<C extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
  private final Supplier<C> start;
  private final Function<C, KubernetesScheduler.Builder> builder;
  private C cluster;
  /** Numbers the class's app names, so each test has an app (a namespace) of its own. */
  private final java.util.concurrent.atomic.AtomicInteger apps = new java.util.concurrent.atomic.AtomicInteger();
  /** What the current test started, undone after it in the order it was started. */
  private final List<Runnable> teardowns = new ArrayList<>();

  private TestCluster(Supplier<C> start, Function<C, KubernetesScheduler.Builder> builder) {
    this.start = start;
    this.builder = builder;
  }

  /** The fake cluster in this JVM; schedulers talk to it as a kubeconfig-less user would. */
  static TestCluster<FakeKubernetes> fake() {
    return new TestCluster<>(FakeKubernetes::start, fake -> KubernetesScheduler.builder(fake.client()));
  }

  /** The cluster {@code KUBECONFIG} names, set up by {@link RealCluster} (the {@code k8s-real-cluster} profile). */
  static TestCluster<RealCluster> real() {
    return new TestCluster<>(RealCluster::start, RealCluster::schedulerBuilder);
  }

  /** The cluster of the running test class. */
  C get() {
    if (cluster == null) {
      throw new IllegalStateException("no cluster: TestCluster must be a static @RegisterExtension field");
    }
    return cluster;
  }

  /** A new app name for a test: {@code <prefix>-1}, {@code <prefix>-2}, ... */
  AppName newApp(String prefix) {
    return AppName.of(prefix + "-" + apps.incrementAndGet());
  }

  /** A scheduler builder for this cluster, with the settings its tests share (none on the fake). */
  KubernetesScheduler.Builder builder() {
    return builder.apply(get());
  }

  /**
   * {@code builder}'s scheduler, started for {@link TestApps#INSTALLATION} as a Controller would
   * start it; after the test it destroys {@code app} and is closed.
   */
  KubernetesScheduler started(KubernetesScheduler.Builder builder, AppName app) {
    return started(builder, TestApps.INSTALLATION, app);
  }

  /**
   * {@code builder}'s scheduler, started for {@code installation}; after the test it destroys
   * {@code app} (unless null: a scheduler that only looks on) and is closed.
   */
  KubernetesScheduler started(KubernetesScheduler.Builder builder, Installation installation, AppName app) {
    KubernetesScheduler scheduler = builder.build();
    teardowns.add(() -> {
      try {
        if (app != null) {
          scheduler.destroy(app);
        }
      } finally {
        scheduler.close();
      }
    });
    scheduler.start(installation);
    return scheduler;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = start.get();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    RuntimeException first = null;
    for (Runnable teardown : teardowns) {
      try {
        teardown.run();
      } catch (RuntimeException e) {
        // Every scheduler is still closed; the first failure fails the test, as a failing @AfterEach did.
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    teardowns.clear();
    if (first != null) {
      throw first;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (cluster != null) { // null when the start failed
      try {
        cluster.close();
      } finally {
        cluster = null;
      }
    }
  }
}
