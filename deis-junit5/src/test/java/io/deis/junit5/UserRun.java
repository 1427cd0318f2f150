package io.deis.junit5;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs users' test classes (nested classes of the tests here, which surefire does not run by
 * itself) through the JUnit Platform launcher, as a build tool would, and keeps what happened to
 * each test and class.
 */
final class UserRun {
  /** One finished test or class: its display name and how it ended. */
  record Outcome(String name, boolean isTest, TestExecutionResult result) {
    boolean succeeded() {
      return result.getStatus() == TestExecutionResult.Status.SUCCESSFUL;
    }

    String failureMessage() {
      return result.getThrowable().map(t -> t.getClass().getName() + ": " + t.getMessage()).orElse("");
    }
  }

  final List<Outcome> outcomes;

  private UserRun(List<Outcome> outcomes) {
    this.outcomes = outcomes;
  }

  /** Runs {@code classes} with the given configuration parameters (JUnit's, as junit-platform.properties would set them). */
  static UserRun of(Map<String, String> parameters, Class<?>... classes) {
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(Arrays.stream(classes).map(c -> selectClass(c)).toList())
        .configurationParameters(parameters)
        .configurationParameter(RunByUserRun.PARAMETER, "true")
        .build();
    List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.getSource().isPresent()) {
          outcomes.add(new Outcome(id.getDisplayName(), id.isTest(), result));
        }
      }
    });
    return new UserRun(List.copyOf(outcomes));
  }

  static UserRun of(Class<?>... classes) {
    return of(Map.of(), classes);
  }

  List<Outcome> tests() {
    return outcomes.stream().filter(Outcome::isTest).toList();
  }

  List<Outcome> failures() {
    return outcomes.stream().filter(o -> !o.succeeded()).toList();
  }

  /** Every outcome, for assertion messages. */
  @Override
  public String toString() {
    return outcomes.stream().map(o -> o.name() + ": " + o.result().getStatus() + (o.succeeded() ? "" : " " + o.failureMessage()))
        .collect(Collectors.joining("\n"));
  }
}
