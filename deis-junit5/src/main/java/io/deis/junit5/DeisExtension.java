package io.deis.junit5;

import io.deis.error.InvalidInputException;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.Scheduler;
import io.deis.scheduler.docker.DockerScheduler;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ModifierSupport;

/**
 * The JUnit 5 (Jupiter) extension that deploys a test's {@link Deployed @Deployed}
 * {@link DeisApp} fields, in the spirit of Testcontainers' {@code @Testcontainers}: static fields
 * once before the class's tests and removed after them, instance fields before and after each
 * test. It waits until each app is up (and its health check answers) before the tests run, and
 * removes everything it made afterwards, whatever happened.
 *
 * <p>Use {@link Deis @Deis} on the class, or register the extension in a static field for options:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final DeisExtension deis = DeisExtension.builder()
 *     .backend(Backend.DOCKER)
 *     .docker(docker -> docker.stackImage("heroku/heroku:24"))
 *     .startupTimeout(Duration.ofMinutes(5))
 *     .build();
 * }</pre>
 *
 * <p>Each test class gets its own session: a controller on its own store, whose installation id
 * labels every container, network and image it makes, so classes running in parallel never see
 * each other's apps. Every session is recorded in a sessions directory with its JVM's pid; each new
 * session first removes what the sessions of JVMs that are gone left (a JVM killed mid-test).
 *
 * <p>Configuration parameters (JUnit's, or system properties): {@value #BACKEND_PROPERTY}
 * ({@code auto}, {@code docker} or {@code local}) picks the backend of classes that leave it to
 * {@link Backend#AUTO}; {@value #SESSIONS_PROPERTY} is the sessions directory (default
 * {@code deis-junit5-<user>} in the temporary directory).
 */
public final class DeisExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  /** The configuration parameter naming the backend of classes whose own choice is {@link Backend#AUTO}. */
  public static final String BACKEND_PROPERTY = "deis.junit5.backend";
  /** The configuration parameter naming the sessions directory, which the reaper sweeps. */
  public static final String SESSIONS_PROPERTY = "deis.junit5.sessions";
  /** The default of {@link Builder#startupTimeout}. */
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(2);
  /** The default of {@link Builder#logLines}. */
  public static final int DEFAULT_LOG_LINES = 50;
  /** The most lines {@link Builder#logLines} allows: what the controller returns from one logs call by default. */
  public static final int MAX_LOG_LINES = 10_000;

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DeisExtension.class);
  /** Containers are stopped harder than the default's 10 s grace: a test's apps need no graceful goodbye. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(2);

  private final Builder options;
  /** Made by JUnit for {@link Deis @Deis}: its settings come from the annotation. */
  private final boolean declarative;

  /** The extension as {@link Deis @Deis} (or {@code @ExtendWith}) makes it: the backend from the annotation, other options by default. */
  public DeisExtension() {
    this(new Builder(), true);
  }

  private DeisExtension(Builder options, boolean declarative) {
    this.options = options;
    this.declarative = declarative;
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- callbacks

  @Override
  public void beforeAll(ExtensionContext context) {
    if (standsAside(context)) {
      return;
    }
    Class<?> testClass = context.getRequiredTestClass();
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    TestSession session = session(context).orElse(null);
    if (session == null) {
      session = TestSession.open(settings(context), testClass.getName());
      store.put(sessionKey(context), session);
    }
    List<DeisApp> deployed = new ArrayList<>();
    store.put(appsKey(context), deployed);
    for (Field field : fields(testClass, true)) {
      DeisApp app = read(field, null);
      session.deploy(app, testClass.getSimpleName() + "." + field.getName());
      deployed.add(app);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (standsAside(context)) {
      return;
    }
    TestSession session = session(context).orElseThrow(() -> new ExtensionConfigurationException(
        "DeisExtension must be registered in a static field (or through @Deis): it was not set up before the class's tests"));
    List<DeisApp> deployed = new ArrayList<>();
    context.getStore(NAMESPACE).put(appsKey(context), deployed);
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      for (Field field : fields(instance.getClass(), false)) {
        DeisApp app = read(field, instance);
        session.deploy(app, instance.getClass().getSimpleName() + "." + field.getName() + " of " + context.getDisplayName());
        deployed.add(app);
      }
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!standsAside(context)) {
      removeApps(context);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (standsAside(context)) {
      return;
    }
    try {
      removeApps(context);
    } finally {
      TestSession own = context.getStore(NAMESPACE).remove(sessionKey(context), TestSession.class);
      if (own != null) {
        own.close();
      }
    }
  }

  /** Removes the apps deployed for this context (a class or a test); every one is tried, the first failure thrown. */
  private void removeApps(ExtensionContext context) {
    @SuppressWarnings("unchecked")
    List<DeisApp> deployed = context.getStore(NAMESPACE).remove(appsKey(context), List.class);
    Optional<TestSession> session = session(context);
    if (deployed == null || session.isEmpty()) {
      return;
    }
    RuntimeException first = null;
    for (DeisApp app : deployed) {
      try {
        session.get().remove(app);
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * The session of this class, or of the class a {@code @Nested} class is nested in: the
   * outermost class that uses the extension opens it.
   */
  private static Optional<TestSession> session(ExtensionContext context) {
    for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
      TestSession found = c.get().getStore(NAMESPACE).get(sessionKey(c.get()), TestSession.class);
      if (found != null) {
        return Optional.of(found);
      }
    }
    return Optional.empty();
  }

  private static String sessionKey(ExtensionContext context) {
    return "session@" + context.getUniqueId();
  }

  private static String appsKey(ExtensionContext context) {
    return "apps@" + context.getUniqueId();
  }

  /**
   * Whether this is the {@link Deis @Deis} instance of a class that also registers a configured
   * extension in a field: that one does the work, so nothing is deployed twice.
   */
  private boolean standsAside(ExtensionContext context) {
    if (!declarative) {
      return false;
    }
    for (Optional<Class<?>> c = context.getTestClass(); c.isPresent(); c = Optional.ofNullable(c.get().getEnclosingClass())) {
      boolean registered = AnnotationSupport.findAnnotatedFields(c.get(), RegisterExtension.class,
          f -> DeisExtension.class.isAssignableFrom(f.getType()), HierarchyTraversalMode.TOP_DOWN).stream().findAny().isPresent();
      if (registered) {
        return true;
      }
    }
    return false;
  }

  private static List<Field> fields(Class<?> testClass, boolean statics) {
    List<Field> found = AnnotationSupport.findAnnotatedFields(testClass, Deployed.class,
        f -> ModifierSupport.isStatic(f) == statics, HierarchyTraversalMode.TOP_DOWN);
    for (Field f : found) {
      if (!DeisApp.class.isAssignableFrom(f.getType())) {
        throw new ExtensionConfigurationException("@Deployed field " + testClass.getSimpleName() + "." + f.getName() + " is a "
            + f.getType().getSimpleName() + ": @Deployed marks DeisApp fields");
      }
    }
    return found;
  }

  private static DeisApp read(Field field, Object instance) {
    try {
      if (!field.canAccess(Modifier.isStatic(field.getModifiers()) ? null : instance)) {
        field.setAccessible(true);
      }
      DeisApp app = (DeisApp) field.get(instance);
      if (app == null) {
        throw new ExtensionConfigurationException("@Deployed field " + field.getDeclaringClass().getSimpleName() + "." + field.getName()
            + " is null: initialize it, for example with DeisApp.fromDirectory(Path.of(\"src/test/apps/hello\"))");
      }
      return app;
    } catch (IllegalAccessException | RuntimeException e) {
      if (e instanceof ExtensionConfigurationException ece) {
        throw ece;
      }
      throw new ExtensionConfigurationException("cannot read @Deployed field " + field.getName() + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- settings

  /** The settings of a session, with configuration parameters and the annotation resolved. */
  private Settings settings(ExtensionContext context) {
    Backend backend = options.backend;
    String source = "DeisExtension.builder().backend(" + backend + ")";
    if (declarative) {
      Optional<Deis> annotation = findDeis(context.getRequiredTestClass());
      backend = annotation.map(Deis::backend).orElse(Backend.AUTO);
      source = "@Deis(backend = " + backend + ")";
    }
    if (backend == Backend.AUTO) {
      Optional<String> named = context.getConfigurationParameter(BACKEND_PROPERTY);
      if (named.isPresent()) {
        try {
          backend = Backend.valueOf(named.get().strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new ExtensionConfigurationException(BACKEND_PROPERTY + " '" + named.get() + "' is not a backend: use auto, docker or local");
        }
        source = "-D" + BACKEND_PROPERTY + "=" + named.get();
      } else {
        source = "AUTO: Docker when a daemon answers";
      }
    }
    Path sessions = options.sessions != null ? options.sessions
        : context.getConfigurationParameter(SESSIONS_PROPERTY).map(Path::of)
            .orElse(Path.of(System.getProperty("java.io.tmpdir"), "deis-junit5-" + System.getProperty("user.name", "user")));
    return new Settings(backend, source, options.docker, options.startupTimeout, options.logLines, sessions);
  }

  private static Optional<Deis> findDeis(Class<?> testClass) {
    for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
      Optional<Deis> found = AnnotationSupport.findAnnotation(c, Deis.class);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  /**
   * What a session runs with.
   *
   * @param backendSource how messages say where the backend choice came from
   */
  record Settings(Backend backend, String backendSource, Consumer<DockerScheduler.Builder> docker, Duration startupTimeout,
      int logLines, Path sessions) {

    RuntimeScheduler.Options schedulerOptions() {
      return RuntimeScheduler.Options.defaults().withDeployTimeout(startupTimeout).withStopGrace(STOP_GRACE);
    }

    /** A new Docker scheduler with the user's settings; throws when no daemon answers. */
    Scheduler newDockerScheduler() {
      DockerScheduler.Builder builder = DockerScheduler.builder().options(schedulerOptions());
      docker.accept(builder);
      return builder.build();
    }
  }

  /** Options of a {@link DeisExtension}; every one has a default. */
  public static final class Builder {
    private Backend backend = Backend.AUTO;
    private Consumer<DockerScheduler.Builder> docker = b -> {};
    private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
    private int logLines = DEFAULT_LOG_LINES;
    private Path sessions;

    private Builder() {}

    /** Where apps run; default {@link Backend#AUTO} (and then {@value DeisExtension#BACKEND_PROPERTY}, when set, decides). */
    public Builder backend(Backend backend) {
      if (backend == null) {
        throw new InvalidInputException("backend is missing (null): use Backend.AUTO, DOCKER or LOCAL");
      }
      this.backend = backend;
      return this;
    }

    /**
     * Settings of the Docker scheduler (daemon address, stack image of Procfile apps, limits), applied
     * to its builder each time the extension makes one; default: none (DOCKER_HOST, else the default socket).
     */
    public Builder docker(Consumer<DockerScheduler.Builder> settings) {
      if (settings == null) {
        throw new InvalidInputException("Docker settings are missing (null): give a function such as b -> b.stackImage(\"...\")");
      }
      this.docker = settings;
      return this;
    }

    /**
     * How long an app's containers may take to come up and pass their checks after its build;
     * default 2 minutes, 1 second to 1 hour.
     */
    public Builder startupTimeout(Duration timeout) {
      if (timeout == null || timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new InvalidInputException("startupTimeout " + timeout + " is out of range: use 1 second (PT1S) to 1 hour (PT1H)");
      }
      this.startupTimeout = timeout;
      return this;
    }

    /**
     * How many lines of build output, and of the containers' logs, the failure of an app that did
     * not come up shows; default {@value DeisExtension#DEFAULT_LOG_LINES}, 1 to {@value DeisExtension#MAX_LOG_LINES}.
     */
    public Builder logLines(int lines) {
      if (lines < 1 || lines > MAX_LOG_LINES) {
        throw new InvalidInputException("logLines " + lines + " is out of range: use 1 to " + MAX_LOG_LINES);
      }
      this.logLines = lines;
      return this;
    }

    /** The sessions directory, which the reaper sweeps; default {@value DeisExtension#SESSIONS_PROPERTY}, else {@code deis-junit5-<user>} in the temporary directory. */
    public Builder sessionsDirectory(Path directory) {
      if (directory == null) {
        throw new InvalidInputException("sessions directory is missing (null): give a directory every test JVM of this machine can use");
      }
      this.sessions = directory;
      return this;
    }

    public DeisExtension build() {
      Builder copy = new Builder();
      copy.backend = backend;
      copy.docker = docker;
      copy.startupTimeout = startupTimeout;
      copy.logLines = logLines;
      copy.sessions = sessions;
      return new DeisExtension(copy, false);
    }
  }
}
