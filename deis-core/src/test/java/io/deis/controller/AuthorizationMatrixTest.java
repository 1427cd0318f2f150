package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.deis.build.BuildSource;
import io.deis.error.AuthenticationException;
import io.deis.error.DeisException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.local.LocalRuntime;
import io.deis.model.AppName;
import io.deis.model.ConfigChange;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerFilter;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.store.InMemoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every public operation of {@link Session} (and the controller's authenticating entries) against
 * every role a caller can have towards an app, with the expected outcome written once, in
 * {@link #OPERATIONS}. An allowed call passes authorization; a denied one is refused with the
 * original's 403 or 401 words, changes nothing (the store and the runtime are compared before and
 * after) and its message says nothing of the app.
 */
class AuthorizationMatrixTest {
  /** Who the caller is, towards the app {@value #APP} (owned by olivia, made by peter). */
  enum Role {
    OWNER, COLLABORATOR, ADMINISTRATOR, OTHER_USER, DELETED_USER, REVOKED_TOKEN, PREVIOUS_OWNER, UNSHARED_USER
  }

  /** What an operation needs. */
  enum Needs {
    /** Owner, collaborators, administrators. */
    USE(EnumSet.of(Role.OWNER, Role.COLLABORATOR, Role.ADMINISTRATOR)),
    /** Owner and administrators. */
    OWN(EnumSet.of(Role.OWNER, Role.ADMINISTRATOR)),
    /** Administrators. */
    ADMIN(EnumSet.of(Role.ADMINISTRATOR)),
    /** The certificate's owner (olivia) and administrators; others are told it does not exist. */
    CERTIFICATE_OWNER(EnumSet.of(Role.OWNER, Role.ADMINISTRATOR)),
    /** Any live, authenticated user, on their own account. */
    SIGNED_IN(EnumSet.of(Role.OWNER, Role.COLLABORATOR, Role.ADMINISTRATOR, Role.OTHER_USER, Role.PREVIOUS_OWNER, Role.UNSHARED_USER)),
    /** Anyone holding a session object, even a dead one: it only forgets its own token. */
    ANYONE(EnumSet.allOf(Role.class));

    final Set<Role> allowed;

    Needs(Set<Role> allowed) {
      this.allowed = allowed;
    }
  }

  static final String APP = "target";
  static final String CERT_NAME = "target.example.com";

  record Operation(String name, Needs needs, Consumer<World> call) {}

  /**
   * The table: each operation once, with what it needs. Ordered so that what an allowed call
   * changes does not stand in the way of the calls after it (reads, then writes, then what gives
   * the app or the session away).
   */
  static final List<Operation> OPERATIONS = List.of(
      op("user", Needs.SIGNED_IN, w -> w.s.user()),
      op("apps", Needs.SIGNED_IN, w -> w.s.apps()),
      op("app", Needs.USE, w -> w.s.app(APP)),
      op("collaborators", Needs.USE, w -> w.s.collaborators(APP)),
      op("builds", Needs.USE, w -> w.s.builds(APP)),
      op("releases", Needs.USE, w -> w.s.releases(APP)),
      op("release", Needs.USE, w -> w.s.release(APP, 2)),
      op("currentRelease", Needs.USE, w -> w.s.currentRelease(APP)),
      op("config", Needs.USE, w -> w.s.config(APP)),
      op("ps", Needs.USE, w -> w.s.ps(APP)),
      op("ps(filter)", Needs.USE, w -> w.s.ps(APP, ContainerFilter.type(ProcessType.of("worker")))),
      op("logs", Needs.USE, w -> w.s.logs(APP, 10)),
      op("endpoints", Needs.USE, w -> w.s.endpoints(APP)),
      op("domains", Needs.USE, w -> w.s.domains(APP)),
      op("setConfig(map)", Needs.USE, w -> w.s.setConfig(APP, Map.of("SET_BY", w.role.name()))),
      op("setConfig(change)", Needs.USE, w -> w.s.setConfig(APP, ConfigChange.builder().set("CHANGED_BY", w.role.name()).build())),
      op("unsetConfig", Needs.USE, w -> w.s.unsetConfig(APP, "SET_BY")),
      op("scale(text)", Needs.USE, w -> w.s.scale(APP, "worker=1")),
      op("scale(formation)", Needs.USE, w -> w.s.scale(APP, Formation.parse("worker=0"))),
      op("restart", Needs.USE, w -> w.s.restart(APP, ContainerFilter.all())),
      op("run", Needs.USE, w -> w.s.run(APP, "true")),
      op("run(timeout)", Needs.USE, w -> w.s.run(APP, "true", Duration.ofSeconds(30))),
      op("deploy", Needs.USE, w -> w.s.deploy(APP, BuildSource.commit(w.repo, "HEAD"))),
      op("deploy(progress)", Needs.USE, w -> w.s.deploy(APP, BuildSource.commit(w.repo, "HEAD"), line -> {})),
      op("rollback", Needs.USE, w -> w.s.rollback(APP)),
      op("rollback(version)", Needs.USE, w -> w.s.rollback(APP, 2)),
      op("addDomain", Needs.USE, w -> w.s.addDomain(APP, "added.example.com")),
      op("removeDomain", Needs.OWN, w -> w.s.removeDomain(APP, "d1.example.com")),
      op("share", Needs.OWN, w -> w.s.share(APP, "oscar-friend")),
      op("unshare(another)", Needs.OWN, w -> w.s.unshare(APP, "spare")),
      op("unshare(self)", Needs.USE, w -> w.s.unshare(APP, w.s.toString().replaceAll("Session\\[(.*)]", "$1"))),
      op("transferApp", Needs.OWN, w -> w.s.transferApp(APP, "olivia")),
      op("certificates", Needs.SIGNED_IN, w -> w.s.certificates()),
      op("certificate", Needs.CERTIFICATE_OWNER, w -> w.s.certificate(CERT_NAME)),
      op("removeCertificate", Needs.CERTIFICATE_OWNER, w -> w.s.removeCertificate(CERT_NAME)),
      op("addCertificate", Needs.SIGNED_IN, w -> w.s.addCertificate(w.pem("ec-cert.pem"), w.pem("ec-key.pem"),
          Optional.of(w.role.name().toLowerCase().replace('_', '-') + ".example.com"))),
      op("keys", Needs.SIGNED_IN, w -> w.s.keys()),
      op("addKey", Needs.SIGNED_IN, w -> w.s.addKey("k", ControllerTest.ED25519)),
      op("removeKey", Needs.SIGNED_IN, w -> w.s.removeKey("k")),
      op("createApp", Needs.SIGNED_IN, w -> w.s.createApp("made-by-" + w.role.name().toLowerCase().replace('_', '-'))),
      op("createApp(generated)", Needs.SIGNED_IN, w -> w.s.createApp()),
      op("register", Needs.SIGNED_IN, w -> w.s.register("new-" + w.role.name().toLowerCase(), "new-password", "")),
      op("changePassword", Needs.SIGNED_IN, w -> w.s.changePassword(w.password, w.password + "!")),
      op("users", Needs.ADMIN, w -> w.s.users()),
      op("administrators", Needs.ADMIN, w -> w.s.administrators()),
      op("setAdmin", Needs.ADMIN, w -> w.s.setAdmin("victim", true)),
      op("regenerateToken(other)", Needs.ADMIN, w -> w.s.regenerateToken("victim")),
      op("setPassword(other)", Needs.ADMIN, w -> w.s.setPassword("victim", "victim-new-password")),
      op("deleteUser(other)", Needs.ADMIN, w -> w.s.deleteUser("victim")),
      op("destroyApp", Needs.OWN, w -> w.s.destroyApp(APP)),
      op("regenerateToken", Needs.SIGNED_IN, w -> w.s.regenerateToken()),
      op("regenerateAllTokens", Needs.ADMIN, w -> w.fresh().regenerateAllTokens()),
      op("logout", Needs.ANYONE, w -> w.fresh().logout()),
      op("deleteAccount", Needs.SIGNED_IN, w -> w.fresh().deleteAccount()));

  private static Operation op(String name, Needs needs, Consumer<World> call) {
    return new Operation(name, needs, call);
  }

  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(Role.class)
  void everyOperationIsAllowedOrDeniedExactlyAsTheTableSays(Role role) {
    List<String> wrong = new ArrayList<>();
    try (World w = new World(tmp, role)) {
      for (Operation op : OPERATIONS) {
        boolean allowed = op.needs.allowed.contains(role);
        String before = allowed ? "" : w.snapshot();
        Throwable thrown = catchThrowable(() -> op.call.accept(w));
        if (allowed) {
          if (isDenial(thrown)) {
            wrong.add(op.name + ": expected allowed, got " + thrown);
          }
        } else {
          String expected = expectedDenial(role, op.needs);
          if (thrown == null) {
            wrong.add(op.name + ": expected " + expected + ", but it was allowed");
          } else if (!describe(thrown).equals(expected)) {
            wrong.add(op.name + ": expected " + expected + ", got " + describe(thrown));
          } else if (!w.snapshot().equals(before)) {
            wrong.add(op.name + ": denied, but it changed something");
          }
        }
      }
    }
    assertThat(wrong).as(role + " against the table").isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = Role.class, names = {"DELETED_USER", "REVOKED_TOKEN"})
  void theControllersEntriesDoNotLetADeadCredentialBackIn(Role role) {
    try (World w = new World(tmp, role)) {
      assertThat(catchThrowable(() -> w.deis.authenticate(w.s.token().orElseThrow()))).isInstanceOf(AuthenticationException.class)
          .hasMessage("Invalid token.");
      if (role == Role.DELETED_USER) {
        assertThat(catchThrowable(() -> w.deis.login("dora", "dora-password"))).isInstanceOf(AuthenticationException.class)
            .hasMessage("Unable to log in with provided credentials.");
        assertThat(catchThrowable(() -> w.deis.authenticateKey(w.doraKeyFingerprint))).isInstanceOf(AuthenticationException.class);
      }
      assertThat(w.deis.appNames()).contains(AppName.of(APP)); // the embedder's view needs no user
    }
  }

  private static boolean isDenial(Throwable thrown) {
    return thrown instanceof PermissionDeniedException || thrown instanceof AuthenticationException
        || thrown instanceof NotFoundException && thrown.getMessage().startsWith("app '");
  }

  /** The original's answer: 401 for a dead credential, 404 for someone else's certificate, else 403 in Deis's words. */
  private static String expectedDenial(Role role, Needs needs) {
    if (role == Role.DELETED_USER || role == Role.REVOKED_TOKEN) {
      return "401 Invalid token.";
    }
    if (needs == Needs.CERTIFICATE_OWNER) {
      return "404 no certificate for '" + CERT_NAME + "'";
    }
    return "403 " + PermissionDeniedException.DEFAULT_MESSAGE;
  }

  private static String describe(Throwable thrown) {
    return thrown instanceof DeisException d ? d.httpStatus() + " " + d.getMessage() : thrown.toString();
  }

  /** One platform with the app in its final shape and a session for the role under test. */
  static final class World implements AutoCloseable {
    final Role role;
    final InMemoryStore store = new InMemoryStore();
    final Controller deis;
    final Path repo;
    final Session s;
    final String password;
    String doraKeyFingerprint;

    World(Path tmp, Role role) {
      this.role = role;
      Path dir = tmp.resolve(role.name());
      deis = Controller.builder().trustedUsersOnly(true).store(store).dataDirectory(dir.resolve("data"))
          .scheduler(new RuntimeScheduler(new LocalRuntime(dir.resolve("containers")), SchedulerContract.fastOptions()))
          .passwordHashIterations(1000).build();
      for (String user : List.of("admin", "peter", "olivia", "colin", "oscar", "dora", "ursula", "spare", "victim", "oscar-friend")) {
        deis.register(user, user + "-password", user + "@example.com");
      }
      Session admin = deis.login("admin", "admin-password");
      Session peter = deis.login("peter", "peter-password");
      Session olivia = deis.login("olivia", "olivia-password");
      repo = dir.resolve("repo");
      peter.createApp(APP);
      GitRepos.commit(repo, Map.of("Procfile", "worker: exec sleep 1000\n"));
      peter.deploy(APP, BuildSource.commit(repo, "HEAD")); // v2
      GitRepos.commit(repo, Map.of("README", "second\n"));
      peter.deploy(APP, BuildSource.commit(repo, "HEAD")); // v3
      peter.setConfig(APP, Map.of("SET_BY", "peter"));
      peter.share(APP, "colin");
      peter.share(APP, "ursula");
      peter.share(APP, "spare");
      peter.addDomain(APP, "d1.example.com");
      peter.transferApp(APP, "olivia");
      olivia.unshare(APP, "ursula");
      olivia.addCertificate(pem("rsa-cert.pem"), pem("rsa-key-pkcs8.pem"), Optional.of(CERT_NAME));
      Session dora = deis.login("dora", "dora-password");
      doraKeyFingerprint = dora.addKey("dora", ControllerTest.ECDSA).fingerprint();
      String user = switch (role) {
        case OWNER, REVOKED_TOKEN -> "olivia";
        case COLLABORATOR -> "colin";
        case ADMINISTRATOR -> "admin";
        case OTHER_USER -> "oscar";
        case DELETED_USER -> "dora";
        case PREVIOUS_OWNER -> "peter";
        case UNSHARED_USER -> "ursula";
      };
      password = user + "-password";
      Session session = role == Role.DELETED_USER ? dora : deis.login(user, password);
      if (role == Role.DELETED_USER) {
        admin.deleteUser("dora");
      } else if (role == Role.REVOKED_TOKEN) {
        session.logout();
      }
      s = session;
    }

    /** Another session of the role's user, for the operations that end the session they run in. */
    Session fresh() {
      if (role == Role.DELETED_USER || role == Role.REVOKED_TOKEN) {
        return s;
      }
      String user = s.toString().replaceAll("Session\\[(.*)]", "$1");
      try {
        return deis.login(user, password);
      } catch (AuthenticationException e) {
        return deis.login(user, password + "!"); // changePassword ran before
      }
    }

    /** Everything a call could change: apps, releases, sharing, domains, users, keys, certificates, containers. */
    String snapshot() {
      StringBuilder text = new StringBuilder();
      store.apps().forEach(a -> {
        text.append(a).append(store.collaborators(a.name())).append(store.domains(a.name()));
        store.releases(a.name()).forEach(r -> text.append(r.version()).append(r.status()).append(r.config().values()));
        deis.scheduler.containers(a.name()).forEach(c -> text.append(c.id()).append(c.state()).append(c.history().size()));
      });
      store.users().forEach(u -> text.append(u).append(store.keys(u.username())).append(store.passwordHash(u.username())));
      text.append(store.certificates());
      return text.toString();
    }

    String pem(String name) {
      return AuthorizationMatrixTest.pem(name);
    }

    @Override
    public void close() {
      deis.close();
    }
  }

  static String pem(String name) {
    try (InputStream in = AuthorizationMatrixTest.class.getResourceAsStream("/io/deis/model/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static {
    // Each operation appears once.
    Set<String> names = OPERATIONS.stream().map(Operation::name).collect(Collectors.toSet());
    if (names.size() != OPERATIONS.size()) {
      throw new IllegalStateException("an operation is listed twice");
    }
  }
}
