package io.deis.examples;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.controller.AuditEvent;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Key;
import io.deis.router.Router;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.docker.DockerScheduler;
import io.deis.server.GitServer;
import io.deis.server.api.ApiServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The platform in a box: a controller on the local runtime (or Docker with {@code --docker}), the
 * Deis v1 REST API on port 8000, the git server on port 2222 and the router on port 8080, so that
 * the {@code deis} client and {@code git push deis master} build, release and run apps on this
 * machine, and {@code curl -H 'Host: APP.local.deis' http://127.0.0.1:8080/} reaches them.
 *
 * <pre>
 * PlatformInABox [--docker] [--trusted-users] [--app NAME] [--key PUBLIC_KEY_FILE_OR_TEXT] [--user NAME]
 *                [--port 2222] [--api-port 8000] [--router-port 8080] [--host 127.0.0.1] [--data DIR]
 * </pre>
 *
 * <p>With {@code --key} the administrator gets that public key (to push without the deis client);
 * without it, users add their keys with {@code deis keys:add} (a key belongs to one user only, so
 * the box does not take one from ~/.ssh on its own). On the local runtime pushed code runs as
 * processes of the user who started this program: single-tenant, for development.
 */
public final class PlatformInABox {
  private static final PrintStream out = System.out;
  private static final Set<AuditEvent.Kind> SHOWN = EnumSet.of(AuditEvent.Kind.APP_CREATED, AuditEvent.Kind.APP_DESTROYED,
      AuditEvent.Kind.RELEASE_CREATED, AuditEvent.Kind.RELEASE_FAILED, AuditEvent.Kind.PERMISSION_GRANTED);

  private static final String USAGE = "usage: PlatformInABox [--docker] [--trusted-users] [--app NAME] [--key PUBLIC_KEY_FILE_OR_TEXT] [--user NAME]"
      + " [--port 2222] [--api-port 8000] [--router-port 8080] [--host 127.0.0.1] [--data DIR]";

  private PlatformInABox() {}

  public static void main(String[] args) throws Exception {
    Running box;
    try {
      box = start(args, out);
    } catch (IllegalArgumentException e) {
      System.err.println("platform in a box: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("platform in a box: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      out.println("Stopping: apps' processes end, the API, the git server and the router close.");
      box.close();
      stopped.countDown();
    }, "platform-in-a-box-shutdown"));
    out.println();
    out.println("Ctrl+C stops the platform and every app.");
    stopped.await();
  }

  /** The running platform: its controller, its API, its git server, its router and the administrator's session. */
  public record Running(Controller controller, ApiServer api, GitServer git, Router router, Session admin) implements AutoCloseable {
    @Override
    public void close() {
      router.close();
      api.close();
      git.close();
      controller.close();
    }
  }

  /**
   * Starts the platform as {@link #main} does and prints the same banner to {@code out}, without
   * waiting; for tests and for programs that embed the box.
   *
   * @throws IllegalArgumentException for a bad option or a missing public key
   */
  public static Running start(String[] args, PrintStream out) throws IOException {
    Options options = Options.parse(args);
    Optional<String> publicKey = readPublicKey(options.key);

    // The store is in memory, so apps and releases end with this process; their repositories and
    // checkouts go with them. The SSH host key stays, so known_hosts stays valid across runs.
    Path data = options.data.toAbsolutePath();
    for (String stale : List.of("repos", "controller")) {
      Path dir = data.resolve(stale);
      if (Files.exists(dir)) {
        MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    }

    // On the local runtime pushed code runs as this host's user: only the administrator may use the
    // platform, unless the operator vouches for everyone who can reach it (--trusted-users).
    Controller.Builder controller = Controller.builder().dataDirectory(Files.createDirectories(data.resolve("controller")))
        .trustedUsersOnly(options.trustedUsers);
    if (options.docker) {
      Scheduler docker = DockerScheduler.builder().build(); // fails at once, naming DOCKER_HOST, when no daemon answers
      controller.scheduler(docker);
    }
    Controller deis = controller.build();
    GitServer git = null;
    ApiServer api = null;
    Router router = null;
    try {
      git = GitServer.builder().controller(deis).host(options.host).port(options.port).dataDirectory(data).build().start();
      api = ApiServer.builder().controller(deis).host(options.host).port(options.apiPort).build().start();
      router = Router.builder().controller(deis).host(options.host).port(options.routerPort).build().start();
    } catch (RuntimeException e) {
      if (api != null) {
        api.close();
      }
      if (git != null) {
        git.close();
      }
      deis.close();
      throw e;
    }
    try {
      String password = randomPassword();
      deis.register(options.user, password, options.user + "@localhost");
      Session admin = deis.login(options.user, password);
      Optional<Key> key = publicKey.map(k -> admin.addKey(null, k));
      deis.addListener(event -> {
        if (SHOWN.contains(event.kind())) {
          out.println("[deis] " + event.app().map(a -> a + ": ").orElse("") + event.message());
        }
      });
      options.app.ifPresent(admin::createApp);

      out.println("Deis platform in a box");
      out.println("  controller:    " + (options.docker ? "Docker" : "local runtime") + ", data in " + data);
      out.println("  API:           " + api.url() + "  (Deis v1 API " + ApiServer.API_VERSION + ")");
      out.println("  git server:    ssh://git@" + git.host() + ":" + git.port() + "/APP.git");
      out.println("  router:        http://APP." + router.platformDomain() + " at " + routerUrl(options.host, router.port()));
      out.println("  administrator: " + options.user + " (password " + password + ")"
          + key.map(k -> ", key " + k.fingerprint() + " " + k.id()).orElse(", no key yet: add one with deis keys:add"));
      out.println();
      if (!options.docker) {
        out.println("  On the local runtime pushed code runs as processes of " + System.getProperty("user.name")
            + " on this host: single-tenant, for development only."
            + (options.trustedUsers ? " Every user is trusted (--trusted-users)." : " Only " + options.user
                + " may use it; --trusted-users lets others register."));
        out.println();
      }
      out.println("With the deis v1 client, register (or log in as " + options.user + "):");
      out.println("  deis register " + api.url());
      out.println();
      if (options.app.isPresent()) {
        out.println("Add the remote in your app's git repository and push:");
        out.println("  git remote add deis " + git.remoteUrl(options.app.get()));
        out.println("  git push deis master");
        out.println("Then reach it through the router:");
        out.println("  curl -H 'Host: " + options.app.get() + "." + router.platformDomain() + "' " + routerUrl(options.host, router.port()));
      } else {
        out.println("No app was created (--app NAME creates one). Its remote would be " + git.remoteUrl("NAME"));
      }
      return new Running(deis, api, git, router, admin);
    } catch (RuntimeException e) {
      router.close();
      api.close();
      git.close();
      deis.close();
      throw e;
    }
  }

  private static Optional<String> readPublicKey(Optional<String> given) throws IOException {
    if (given.isPresent()) {
      String value = given.get();
      if (value.startsWith("ssh-") || value.startsWith("ecdsa-")) {
        return Optional.of(value);
      }
      Path file = Path.of(value.replaceFirst("^~", System.getProperty("user.home")));
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--key " + value + ": no such file; give a public key file (.pub) or the key text");
      }
      return Optional.of(Files.readString(file).strip());
    }
    return Optional.empty(); // users add their keys through the API: deis keys:add
  }

  private static String routerUrl(String host, int port) {
    String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port + "/";
  }

  private static String randomPassword() {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private record Options(Optional<String> app, Optional<String> key, String user, int port, int apiPort, int routerPort,
      String host, Path data, boolean docker, boolean trustedUsers) {
    static Options parse(String[] args) {
      Optional<String> app = Optional.empty();
      Optional<String> key = Optional.empty();
      String user = "admin";
      int port = GitServer.DEFAULT_PORT;
      int apiPort = ApiServer.DEFAULT_PORT;
      int routerPort = 8080;
      boolean docker = false;
      boolean trustedUsers = false;
      String host = "127.0.0.1";
      Path data = Path.of("deis-data");
      List<String> rest = new ArrayList<>(List.of(args));
      while (!rest.isEmpty()) {
        String flag = rest.remove(0);
        if (flag.equals("--docker")) {
          docker = true;
          continue;
        }
        if (flag.equals("--trusted-users")) {
          trustedUsers = true;
          continue;
        }
        if (rest.isEmpty()) {
          throw new IllegalArgumentException(flag.startsWith("--") ? flag + " needs a value" : "unexpected argument '" + flag + "'");
        }
        String value = rest.remove(0);
        switch (flag) {
          case "--app" -> app = Optional.of(value);
          case "--key" -> key = Optional.of(value);
          case "--user" -> user = value;
          case "--host" -> host = value;
          case "--data" -> data = Path.of(value);
          case "--port" -> port = number(flag, value);
          case "--api-port" -> apiPort = number(flag, value);
          case "--router-port" -> routerPort = number(flag, value);
          default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
        }
      }
      return new Options(app, key, user, port, apiPort, routerPort, host, data, docker, trustedUsers);
    }

    private static int number(String flag, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + " '" + value + "' is not a number");
      }
    }
  }
}
