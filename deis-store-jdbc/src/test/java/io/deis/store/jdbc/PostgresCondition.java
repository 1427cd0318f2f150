package io.deis.store.jdbc;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The condition behind {@link RequiresPostgres}: starts the server once per test run. */
final class PostgresCondition implements ExecutionCondition {
  static final String REQUIRED_PROPERTY = "deis.postgres.required";
  private static volatile boolean announced;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String why = TestPostgres.unavailable();
    if (why.isEmpty()) {
      // Closed by JUnit when the whole run ends.
      context.getRoot().getStore(ExtensionContext.Namespace.create(PostgresCondition.class))
          .getOrComputeIfAbsent("server", k -> (AutoCloseable) TestPostgres::closeQuietly);
      return ConditionEvaluationResult.enabled("PostgreSQL runs");
    }
    if (Boolean.getBoolean(REQUIRED_PROPERTY)) {
      throw new ExtensionConfigurationException(why + " and -D" + REQUIRED_PROPERTY + "=true: PostgreSQL tests must run");
    }
    String line = "PostgreSQL tests skipped: " + why + " (-D" + REQUIRED_PROPERTY + "=true makes this a failure)";
    synchronized (PostgresCondition.class) {
      if (!announced) {
        announced = true;
        System.err.println(line);
      }
    }
    return ConditionEvaluationResult.disabled(line);
  }
}
