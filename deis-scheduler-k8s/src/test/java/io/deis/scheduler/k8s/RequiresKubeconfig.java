package io.deis.scheduler.k8s;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks the real-cluster tests (the {@code k8s-real-cluster} profile): they run against the
 * cluster that {@code KUBECONFIG} names, and skip with one line when it names none.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresKubeconfig.Condition.class)
public @interface RequiresKubeconfig {

  /** Enabled when {@code KUBECONFIG} names a file that exists. */
  final class Condition implements ExecutionCondition {
    private static volatile boolean announced;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      String kubeconfig = System.getenv("KUBECONFIG");
      if (kubeconfig != null && !kubeconfig.isBlank() && Files.isRegularFile(Path.of(kubeconfig.split(":")[0]))) {
        return ConditionEvaluationResult.enabled("KUBECONFIG names " + kubeconfig);
      }
      String line = "Kubernetes real-cluster tests skipped: KUBECONFIG names no kubeconfig file (see the README for kind and k3s)";
      synchronized (Condition.class) {
        if (!announced) {
          announced = true;
          System.err.println(line);
        }
      }
      return ConditionEvaluationResult.disabled(line);
    }
  }
}
