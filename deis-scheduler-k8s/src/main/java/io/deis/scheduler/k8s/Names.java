package io.deis.scheduler.k8s;

import io.deis.model.AppName;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;

/**
 * How Deis names map onto Kubernetes names, in one place. Objects are found again by their labels
 * ({@link Scope}); names only have to be valid and not collide.
 */
final class Names {
  /** Every container listens on this port, given to it as {@code PORT}: the core's one default, as in Deis Workflow. */
  static final int PORT = ContainerSpec.DEFAULT_PORT;
  /** The port a Service answers on inside the cluster. */
  static final int SERVICE_PORT = 80;
  /** Set on a Deployment's pod template by {@code restart}, as {@code kubectl rollout restart} does. */
  static final String RESTARTED_AT = "io.deis/restartedAt";

  private Names() {}

  static String namespace(AppName app) {
    Rules.checkApp(app);
    return app.value();
  }

  /** {@code <app>-<type>}; '_' (legal in a Procfile type) becomes '-', since object names are DNS names. */
  static String deployment(AppName app, ProcessType type) {
    return app + "-" + dnsSafe(type);
  }

  /**
   * The name for a new Deployment of {@code type}: {@code <app>-<type>}, unless another type's
   * Deployment has it ({@code clock_tick} and {@code clock-tick} both map to it, with different
   * selectors, and a selector cannot change): then that name with a short hash of the type.
   */
  static String deployment(AppName app, ProcessType type, Collection<String> taken) {
    String name = deployment(app, type);
    return taken.contains(name) ? name + "-" + hash(type.value()) : name;
  }

  static String container(ProcessType type) {
    return dnsSafe(type);
  }

  static String secret(AppName app, int version) {
    return app + "-v" + version + "-env";
  }

  static String runSecret(String runPod) {
    return runPod + "-env";
  }

  static String service(AppName app) {
    return app.value();
  }

  static String dnsSafe(ProcessType type) {
    return type.value().replace('_', '-');
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 3);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
