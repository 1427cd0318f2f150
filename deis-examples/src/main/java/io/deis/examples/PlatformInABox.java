package io.deis.examples;

import io.deis.controller.AuditEvent;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Key;
import io.deis.model.SshPublicKey;
import io.deis.router.Router;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.docker.DockerScheduler;
import io.deis.server.GitServer;
import io.deis.server.api.ApiServer;
import io.deis.store.jdbc.JdbcStore;
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
 *                [--database jdbc:postgresql://HOST/DB?user=U&amp;password=P]
 * </pre>
 *
 * <p>The platform's state (users, keys, apps, releases) is kept in {@code --data DIR} (an H2 file,
 * beside the git repositories and build checkouts), or in the PostgreSQL database of
 * {@code --database}. Stop the box and start it again on the same data: everything is still there,
 * and the apps run again at their current release and formation. The first start registers
 * {@code --user} with a random password, printed and kept in {@code DIR/admin-password} (readable
 * by its owner only) so that a later start logs the administrator in again; a registered
 * {@code --key} does as well.
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
      + " [--port 2222] [--api-port 8000] [--router-port 8080] [--host 127.0.0.1] [--data DIR]"
      + " [--database jdbc:postgresql://HOST/DB?user=U&password=P]";

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

  /** The running platform: its store, its controller, its API, its git server, its router and the administrator's session. */
  public record Running(JdbcStore store, Controller controller, ApiServer api, GitServer git, Router router, Session admin)
      implements AutoCloseable {
    @Override
    public void close() {
      router.close();
      api.close();
      git.close();
      controller.close();
      store.close();
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

    // The state outlives the box: in the data directory (H2) or in PostgreSQL, with the git
    // repositories, the build checkouts and the SSH host key in the data directory.
    Path data = Files.createDirectories(options.data.toAbsolutePath());
    JdbcStore store = options.database.isPresent()
        ? JdbcStore.postgres(options.database.get(), System.getenv("DEIS_DATABASE_USER"), System.getenv("DEIS_DATABASE_PASSWORD"))
        : JdbcStore.h2(data);
    Controller deis;
    try {
      // On the local runtime pushed code runs as this host's user: only the administrator may use the
      // platform, unless the operator vouches for everyone who can reach it (--trusted-users).
      Controller.Builder controller = Controller.builder().store(store).dataDirectory(Files.createDirectories(data.resolve("controller")))
          .trustedUsersOnly(options.trustedUsers);
      if (options.docker) {
        Scheduler docker = DockerScheduler.builder().build(); // fails at once, naming DOCKER_HOST, when no daemon answers
        controller.scheduler(docker);
      }
      deis = controller.build();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
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
      store.close();
      throw e;
    }
    try {
      Optional<String> password = Optional.empty();
      Session admin;
      if (store.user(options.user).isEmpty()) {
        password = Optional.of(randomPassword());
        deis.register(options.user, password.get(), options.user + "@localhost");
        admin = deis.login(options.user, password.get());
        writeOwnerOnly(data.resolve(PASSWORD_FILE), password.get());
      } else {
        admin = again(deis, store, options.user, publicKey, data);
      }
      Optional<Key> key = publicKey.map(k -> registered(store, options.user, k).orElseGet(() -> admin.addKey(null, k)));
      deis.addListener(event -> {
        if (SHOWN.contains(event.kind())) {
          out.println("[deis] " + event.app().map(a -> a + ": ").orElse("") + event.message());
        }
      });
      if (options.app.isPresent() && admin.apps().stream().noneMatch(a -> a.name().value().equals(options.app.get()))) {
        admin.createApp(options.app.get());
      }

      out.println("Deis platform in a box");
      out.println("  controller:    " + (options.docker ? "Docker" : "local runtime") + ", data in " + data);
      out.println("  state:         " + store + ", kept across restarts (" + admin.apps().size() + " apps)");
      out.println("  API:           " + api.url() + "  (Deis v1 API " + ApiServer.API_VERSION + ")");
      out.println("  git server:    ssh://git@" + git.host() + ":" + git.port() + "/APP.git");
      out.println("  router:        http://APP." + router.platformDomain() + " at " + routerUrl(options.host, router.port()));
      out.println("  administrator: " + options.user + password.map(p -> " (password " + p + ")").orElse(" (registered earlier)")
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
      return new Running(store, deis, api, git, router, admin);
    } catch (RuntimeException e) {
      router.close();
      api.close();
      git.close();
      deis.close();
      store.close();
      throw e;
    }
  }

  private static final String PASSWORD_FILE = "admin-password";

  /**
   * The administrator's session on a restart: by a key of theirs when one is given and registered,
   * else with the password the first start kept.
   */
  private static Session again(Controller deis, JdbcStore store, String user, Optional<String> publicKey, Path data) throws IOException {
    Optional<Key> key = publicKey.flatMap(k -> registered(store, user, k));
    if (key.isPresent()) {
      return deis.authenticateKey(key.get().fingerprint());
    }
    Path file = data.resolve(PASSWORD_FILE);
    if (Files.isRegularFile(file)) {
      try {
        return deis.login(user, Files.readString(file).strip());
      } catch (io.deis.error.AuthenticationException e) {
        // changed since the first start: fall through to the error
      }
    }
    throw new IllegalArgumentException("user '" + user + "' exists in this platform's state, and the box cannot log them in"
        + " (the password kept in " + file + " is missing or was changed): pass --key with a key registered to " + user
        + ", or start with another --data");
  }

  private static Optional<Key> registered(JdbcStore store, String user, String publicKey) {
    return store.keyByFingerprint(SshPublicKey.parse(publicKey).fingerprintSha256()).filter(k -> k.owner().equals(user));
  }

  private static void writeOwnerOnly(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text + "\n");
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
      String host, Path data, boolean docker, boolean trustedUsers, Optional<String> database) {
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
      Optional<String> database = Optional.empty();
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
          case "--database" -> {
            if (!value.startsWith("jdbc:postgresql:")) {
              throw new IllegalArgumentException("--database '" + value.replaceFirst("\\?.*", "?...")
                  + "' is not a PostgreSQL JDBC URL: use jdbc:postgresql://HOST[:PORT]/DATABASE (the default keeps the state in --data)");
            }
            database = Optional.of(value);
          }
          case "--port" -> port = number(flag, value);
          case "--api-port" -> apiPort = number(flag, value);
          case "--router-port" -> routerPort = number(flag, value);
          default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
        }
      }
      return new Options(app, key, user, port, apiPort, routerPort, host, data, docker, trustedUsers, database);
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
