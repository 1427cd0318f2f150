package io.deis.examples;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.deis.controller.AuditEvent;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Key;
import io.deis.router.Router;
import io.deis.server.GitServer;
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
 * The platform in a box: a controller on the local runtime, the git server and the router, so
 * that {@code git push deis master} builds, releases and runs an app on this machine, and
 * {@code curl -H 'Host: APP.local.deis' http://127.0.0.1:8080/} reaches it.
 *
 * <pre>
 * PlatformInABox [--app NAME] [--key PUBLIC_KEY_FILE_OR_TEXT] [--user NAME] [--port 2222] [--router-port 8080] [--host 127.0.0.1] [--data DIR]
 * </pre>
 *
 * <p>The administrator's public key is taken from {@code --key}, else from ~/.ssh (id_ed25519.pub,
 * id_ecdsa.pub, id_rsa.pub). On the local runtime pushed code runs as processes of the user who
 * started this program: single-tenant, for development.
 */
public final class PlatformInABox {
  private static final PrintStream out = System.out;
  private static final List<String> DEFAULT_KEYS = List.of("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub");
  private static final Set<AuditEvent.Kind> SHOWN = EnumSet.of(AuditEvent.Kind.APP_CREATED, AuditEvent.Kind.APP_DESTROYED,
      AuditEvent.Kind.RELEASE_CREATED, AuditEvent.Kind.RELEASE_FAILED, AuditEvent.Kind.PERMISSION_GRANTED);

  private static final String USAGE =
      "usage: PlatformInABox [--app NAME] [--key PUBLIC_KEY_FILE_OR_TEXT] [--user NAME] [--port 2222] [--router-port 8080]"
          + " [--host 127.0.0.1] [--data DIR]";

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
      out.println("Stopping: apps' processes end, the git server and the router close.");
      box.close();
      stopped.countDown();
    }, "platform-in-a-box-shutdown"));
    out.println();
    out.println("Ctrl+C stops the platform and every app.");
    stopped.await();
  }

  /** The running platform: its controller, its git server, its router and the administrator's session. */
  public record Running(Controller controller, GitServer git, Router router, Session admin) implements AutoCloseable {
    @Override
    public void close() {
      router.close();
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
    String publicKey = readPublicKey(options.key);

    // The store is in memory, so apps and releases end with this process; their repositories and
    // checkouts go with them. The SSH host key stays, so known_hosts stays valid across runs.
    Path data = options.data.toAbsolutePath();
    for (String stale : List.of("repos", "controller")) {
      Path dir = data.resolve(stale);
      if (Files.exists(dir)) {
        MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    }

    Controller deis = Controller.builder().dataDirectory(Files.createDirectories(data.resolve("controller"))).build();
    GitServer git;
    try {
      git = GitServer.builder().controller(deis).host(options.host).port(options.port).dataDirectory(data).build().start();
    } catch (RuntimeException e) {
      deis.close();
      throw e;
    }
    Router router;
    try {
      router = Router.builder().controller(deis).host(options.host).port(options.routerPort).build().start();
    } catch (RuntimeException e) {
      git.close();
      deis.close();
      throw e;
    }
    try {
      String password = randomPassword();
      deis.register(options.user, password, options.user + "@localhost");
      Session admin = deis.login(options.user, password);
      Key key = admin.addKey(null, publicKey);
      deis.addListener(event -> {
        if (SHOWN.contains(event.kind())) {
          out.println("[deis] " + event.app().map(a -> a + ": ").orElse("") + event.message());
        }
      });
      options.app.ifPresent(admin::createApp);

      out.println("Deis platform in a box");
      out.println("  controller:    local runtime, data in " + data);
      out.println("  git server:    ssh://git@" + git.host() + ":" + git.port() + "/APP.git");
      out.println("  router:        http://APP." + router.platformDomain() + " at " + routerUrl(options.host, router.port()));
      out.println("  administrator: " + options.user + " (password " + password + "), key " + key.fingerprint() + " " + key.id());
      out.println();
      out.println("  On the local runtime pushed code runs as processes of " + System.getProperty("user.name")
          + " on this host: single-tenant, for development only.");
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
      return new Running(deis, git, router, admin);
    } catch (RuntimeException e) {
      router.close();
      git.close();
      deis.close();
      throw e;
    }
  }

  private static String readPublicKey(Optional<String> given) throws IOException {
    if (given.isPresent()) {
      String value = given.get();
      if (value.startsWith("ssh-") || value.startsWith("ecdsa-")) {
        return value;
      }
      Path file = Path.of(value.replaceFirst("^~", System.getProperty("user.home")));
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--key " + value + ": no such file; give a public key file (.pub) or the key text");
      }
      return Files.readString(file).strip();
    }
    Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
    for (String name : DEFAULT_KEYS) {
      Path file = ssh.resolve(name);
      if (Files.isRegularFile(file)) {
        return Files.readString(file).strip();
      }
    }
    throw new IllegalArgumentException("no public key found in " + ssh + " (" + String.join(", ", DEFAULT_KEYS)
        + "): pass --key FILE.pub, or create one with: ssh-keygen -t ed25519");
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

  private record Options(Optional<String> app, Optional<String> key, String user, int port, int routerPort, String host, Path data) {
    static Options parse(String[] args) {
      Optional<String> app = Optional.empty();
      Optional<String> key = Optional.empty();
      String user = "admin";
      int port = GitServer.DEFAULT_PORT;
      int routerPort = 8080;
      String host = "127.0.0.1";
      Path data = Path.of("deis-data");
      List<String> rest = new ArrayList<>(List.of(args));
      while (!rest.isEmpty()) {
        String flag = rest.remove(0);
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
          case "--router-port" -> routerPort = number(flag, value);
          default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
        }
      }
      return new Options(app, key, user, port, routerPort, host, data);
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
