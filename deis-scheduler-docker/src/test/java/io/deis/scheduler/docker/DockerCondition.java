package io.deis.scheduler.docker;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The condition behind {@link RequiresDocker}: asks the daemon once per test run. */
final class DockerCondition implements ExecutionCondition {
  static final String REQUIRED_PROPERTY = "deis.docker.required";
  private static volatile String unavailable; // null: not asked yet; "": the daemon answers
  private static volatile boolean announced;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String why = unavailable();
    if (why.isEmpty()) {
      // Closed by JUnit when the whole run ends: the stack image and anything a test left behind go.
      context.getRoot().getStore(ExtensionContext.Namespace.create(DockerCondition.class))
          .computeIfAbsent("sweep", k -> (AutoCloseable) () -> TestDocker.sweep(true));
      return ConditionEvaluationResult.enabled("a Docker daemon answers");
    }
    if (Boolean.getBoolean(REQUIRED_PROPERTY)) {
      throw new ExtensionConfigurationException(why + " and -D" + REQUIRED_PROPERTY + "=true: Docker tests must run");
    }
    String line = "Docker tests skipped: " + why + " (-D" + REQUIRED_PROPERTY + "=true makes this a failure)";
    synchronized (DockerCondition.class) {
      if (!announced) {
        announced = true;
        System.err.println(line);
      }
    }
    return ConditionEvaluationResult.disabled(line);
  }

  private static synchronized String unavailable() {
    if (unavailable == null) {
      try (DockerScheduler probe = DockerScheduler.builder().build()) {
        unavailable = "";
      } catch (RuntimeException e) {
        unavailable = e.getMessage();
      }
    }
    return unavailable;
  }
}
