package io.deis.scheduler.k8s;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The condition behind {@link RequiresBusybox}: looks for busybox on the PATH once per run. */
final class BusyboxCondition implements ExecutionCondition {
  static final String REQUIRED_PROPERTY = "deis.busybox.required";
  private static volatile boolean announced;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (onPath("busybox")) {
      return ConditionEvaluationResult.enabled("busybox is on the PATH");
    }
    String why = "no busybox on the PATH (install Debian's busybox or busybox-static)";
    if (Boolean.getBoolean(REQUIRED_PROPERTY)) {
      throw new ExtensionConfigurationException(why + " and -D" + REQUIRED_PROPERTY + "=true: the Kubernetes tests must run");
    }
    String line = "Kubernetes tests with the fake kubelet skipped: " + why + " (-D" + REQUIRED_PROPERTY + "=true makes this a failure)";
    synchronized (BusyboxCondition.class) {
      if (!announced) {
        announced = true;
        System.err.println(line);
      }
    }
    return ConditionEvaluationResult.disabled(line);
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
