package io.deis.examples;

import io.deis.controller.AuditEvent;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Key;
import io.deis.model.SshPublicKey;
import io.deis.server.GitServer;
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
 * The platform in a box: a controller on the local runtime and the git server, so that
 * {@code git push deis master} builds, releases and runs an app on this machine.
 *
 * <pre>
 * PlatformInABox [--app NAME] [--key PUBLIC_KEY_FILE_OR_TEXT] [--user NAME] [--port 2222] [--host 127.0.0.1] [--data DIR]
 *                [--database jdbc:postgresql://HOST/DB?user=U&amp;password=P]
 * </pre>
 *
 * <p>The platform's state (users, keys, apps, releases) is kept in {@code --data DIR} (an H2 file,
 * with the git repositories and build checkouts beside it), or in the PostgreSQL database of
 * {@code --database}. Stop the box and start it again on the same data: everything is still there,
 * and the apps are started again at their current release and formation. The first start
 * registers {@code --user} with a random password (printed) and {@code --key}; later starts
 * authenticate the administrator by that key.
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
      "usage: PlatformInABox [--app NAME] [--key PUBLIC_KEY_FILE_OR_TEXT] [--user NAME] [--port 2222] [--host 127.0.0.1] [--data DIR]"
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
      out.println("Stopping: apps' processes end, the git server closes.");
      box.close();
      stopped.countDown();
    }, "platform-in-a-box-shutdown"));
    out.println();
    out.println("Ctrl+C stops the platform and every app.");
    stopped.await();
  }

  /** The running platform: its store, its controller, its git server and the administrator's session. */
  public record Running(JdbcStore store, Controller controller, GitServer git, Session admin) implements AutoCloseable {
    @Override
    public void close() {
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
    String publicKey = readPublicKey(options.key);

    Path data = Files.createDirectories(options.data.toAbsolutePath());
    JdbcStore store = options.database.isPresent()
        ? JdbcStore.postgres(options.database.get(), System.getenv("DEIS_DATABASE_USER"), System.getenv("DEIS_DATABASE_PASSWORD"))
        : JdbcStore.h2(data);
    Controller deis;
    try {
      deis = Controller.builder().store(store).dataDirectory(Files.createDirectories(data.resolve("controller"))).build();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    GitServer git;
    try {
      git = GitServer.builder().controller(deis).host(options.host).port(options.port).dataDirectory(data).build().start();
    } catch (RuntimeException e) {
      deis.close();
      store.close();
      throw e;
    }
    try {
      Optional<String> password = Optional.empty();
      Session admin;
      Key key;
      if (store.user(options.user).isEmpty()) {
        password = Optional.of(randomPassword());
        deis.register(options.user, password.get(), options.user + "@localhost");
        admin = deis.login(options.user, password.get());
        key = admin.addKey(null, publicKey);
      } else {
        // A restart on the same state: the administrator is known by the key registered on the first start.
        String fingerprint = SshPublicKey.parse(publicKey).fingerprintSha256();
        key = store.keyByFingerprint(fingerprint).filter(k -> k.owner().equals(options.user)).orElseThrow(() ->
            new IllegalArgumentException("user '" + options.user + "' exists in this platform's state, but the key " + fingerprint
                + " is not one of theirs: pass --key with the key registered on the first start, or another --data"));
        admin = deis.authenticateKey(fingerprint);
      }
      deis.addListener(event -> {
        if (SHOWN.contains(event.kind())) {
          out.println("[deis] " + event.app().map(a -> a + ": ").orElse("") + event.message());
        }
      });
      if (options.app.isPresent() && admin.apps().stream().noneMatch(a -> a.name().value().equals(options.app.get()))) {
        admin.createApp(options.app.get());
      }

      out.println("Deis platform in a box");
      out.println("  controller:    local runtime, data in " + data);
      out.println("  state:         " + store + ", kept across restarts (" + admin.apps().size() + " apps)");
      out.println("  git server:    ssh://git@" + git.host() + ":" + git.port() + "/APP.git");
      out.println("  administrator: " + options.user + password.map(p -> " (password " + p + ")").orElse(" (registered earlier)")
          + ", key " + key.fingerprint() + " " + key.id());
      out.println();
      out.println("  On the local runtime pushed code runs as processes of " + System.getProperty("user.name")
          + " on this host: single-tenant, for development only.");
      out.println();
      if (options.app.isPresent()) {
        out.println("Add the remote in your app's git repository and push:");
        out.println("  git remote add deis " + git.remoteUrl(options.app.get()));
        out.println("  git push deis master");
      } else {
        out.println("No app was created (--app NAME creates one). Its remote would be " + git.remoteUrl("NAME"));
      }
      return new Running(store, deis, git, admin);
    } catch (RuntimeException e) {
      git.close();
      deis.close();
      store.close();
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

  private static String randomPassword() {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private record Options(Optional<String> app, Optional<String> key, String user, int port, String host, Path data,
      Optional<String> database) {
    static Options parse(String[] args) {
      Optional<String> app = Optional.empty();
      Optional<String> key = Optional.empty();
      String user = "admin";
      int port = GitServer.DEFAULT_PORT;
      String host = "127.0.0.1";
      Path data = Path.of("deis-data");
      Optional<String> database = Optional.empty();
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
          case "--database" -> {
            if (!value.startsWith("jdbc:postgresql:")) {
              throw new IllegalArgumentException("--database '" + value.replaceFirst("\\?.*", "?...")
                  + "' is not a PostgreSQL JDBC URL: use jdbc:postgresql://HOST[:PORT]/DATABASE (the default keeps the state in --data)");
            }
            database = Optional.of(value);
          }
          case "--port" -> {
            try {
              port = Integer.parseInt(value);
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("--port '" + value + "' is not a number");
            }
          }
          default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
        }
      }
      return new Options(app, key, user, port, host, data, database);
    }
  }
}
