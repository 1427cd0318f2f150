package io.deis.junit5;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a user's test class that the tests here run through {@link UserRun}: run any other way (a
 * {@code -Dtest=} pattern that matches nested classes) it is skipped, since its failures are the
 * point of the test that runs it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RunByUserRun.Condition.class)
@interface RunByUserRun {
  /** The configuration parameter {@link UserRun} sets. */
  String PARAMETER = "io.deis.junit5.test.userRun";

  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(PARAMETER).isPresent()
          ? ConditionEvaluationResult.enabled("run by UserRun")
          : ConditionEvaluationResult.disabled("a user's test class, run by the test it is nested in");
    }
  }
}
