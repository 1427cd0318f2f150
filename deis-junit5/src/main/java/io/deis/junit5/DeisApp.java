package io.deis.junit5;

import io.deis.build.BuildSource;
import io.deis.controller.Session;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.model.AppName;
import io.deis.model.ConfigChange;
import io.deis.model.Container;
import io.deis.model.ContainerState;
import io.deis.model.Endpoint;
import io.deis.model.Formation;
import io.deis.model.HealthCheck;
import java.net.URI;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An app a test deploys: from a directory (a Procfile app, or a Dockerfile app on Docker) or from
 * an image. Declare it in a {@link Deployed @Deployed} field; once deployed it gives the app's
 * {@link #name()}, its {@link #url()} and the {@link #session()} that owns it, through which the
 * test changes config, scales, rolls back, reads logs and runs one-off commands:
 *
 * <pre>{@code
 * @Deployed
 * static final DeisApp app = DeisApp.fromDirectory(Path.of("src/test/apps/hello"))
 *     .withConfig("GREETING", "Howdy")
 *     .withHealthCheck("/")
 *     .withScale("web=2");
 *
 * @Test
 * void rollsBack() {
 *   app.session().setConfig(app.name(), Map.of("GREETING", "Hi"));
 *   app.session().rollback(app.name());
 *   List<String> lines = app.session().logs(app.name(), 100);
 * }
 * }</pre>
 *
 * <p>The directory is not a git repository: at deploy time its files are committed into a
 * temporary repository (as {@code git push} would deliver them: {@code .gitignore} is honoured,
 * {@code .git} is left out, file modes are kept) and that commit is built.
 *
 * <p>The {@code with...} methods change the definition and return it; they are refused once the
 * app is deployed. {@link #url()} and {@link #session()} work only while it is deployed.
 */
public final class DeisApp {
  /** Where the app's build comes from. */
  sealed interface Source permits Directory, Image {}

  record Directory(Path path) implements Source {}

  record Image(String reference) implements Source {}

  private final Source source;
  private final Map<String, String> config = new LinkedHashMap<>();
  private Optional<AppName> name = Optional.empty();
  private Optional<Formation> scale = Optional.empty();
  private volatile Deployment deployment;

  private DeisApp(Source source) {
    this.source = source;
  }

  /**
   * An app built from the files of {@code directory}: a Procfile app (runs on both backends) or a
   * Dockerfile app (Docker only). The directory is read when the app is deployed.
   */
  public static DeisApp fromDirectory(Path directory) {
    if (directory == null) {
      throw new InvalidInputException("app directory is missing (null): give the directory that holds the app's Procfile or Dockerfile");
    }
    return new DeisApp(new Directory(directory));
  }

  /** {@link #fromDirectory(Path)} of a path such as {@code "src/test/apps/hello"}, relative to the working directory. */
  public static DeisApp fromDirectory(String directory) {
    if (directory == null) {
      throw new InvalidInputException("app directory is missing (null): give the directory that holds the app's Procfile or Dockerfile");
    }
    return fromDirectory(Path.of(directory));
  }

  /** An app that runs a ready image (Docker only), as {@code deis pull} does: its {@code cmd} process gets the URL. */
  public static DeisApp fromImage(String reference) {
    return new DeisApp(new Image(((BuildSource.Image) BuildSource.image(reference)).reference()));
  }

  /** The app's name; by default the controller generates one such as {@code gentle-gardener}. */
  public DeisApp withName(String appName) {
    AppName checked = AppName.of(appName);
    definition().name = Optional.of(checked);
    return this;
  }

  /** A config value the app starts with (an environment variable of its containers). */
  public DeisApp withConfig(String key, String value) {
    if (key == null || value == null) {
      throw new InvalidInputException("config " + (key == null ? "key" : "value of " + key) + " is missing (null)");
    }
    return withConfig(Map.of(key, value));
  }

  /** Config values the app starts with. Keys and values are checked as {@code deis config:set} checks them. */
  public DeisApp withConfig(Map<String, String> values) {
    if (values == null) {
      throw new InvalidInputException("config values are missing (null): give a map of keys to values");
    }
    ConfigChange.builder().setAll(values).build(); // checks every key and value now, naming the key of a bad one
    definition().config.putAll(values);
    return this;
  }

  /**
   * The path of the app's health check ({@code HEALTHCHECK_URL}): the deploy, and so the
   * extension, waits until it answers 200 on every new web container.
   */
  public DeisApp withHealthCheck(String path) {
    new HealthCheck(path, java.time.Duration.ofSeconds(1), java.time.Duration.ZERO); // the one check of a path
    return withConfig(HealthCheck.URL_KEY, path);
  }

  /** The formation to scale to once deployed, in {@code deis scale} syntax ({@code "web=2 worker=1"}); default: the first build's (web=1). */
  public DeisApp withScale(String formation) {
    Formation parsed = Formation.parse(formation);
    definition().scale = Optional.of(parsed);
    return this;
  }

  /** The app's name. */
  public String name() {
    return running().name().value();
  }

  /**
   * The session of the app's owner, a user the extension registered on the test's own controller:
   * every operation of {@link Session} works on this app ({@code session().scale(name(), "web=3")}).
   */
  public Session session() {
    return running().session();
  }

  /** The backend the app runs on: {@link Backend#DOCKER} or {@link Backend#LOCAL}. */
  public Backend backend() {
    return running().backend();
  }

  /**
   * The URL of the app's first up web (or cmd) container of its current release, such as
   * {@code http://172.17.0.5:5000/}. Read afresh on every call: a config change, a scale or a
   * rollback replaces containers, and with them their addresses.
   *
   * @throws NotFoundException when no web or cmd container of the current release is up
   */
  public URI url() {
    Deployment d = running();
    Session session = d.session();
    int current = session.currentRelease(d.name().value()).version();
    Endpoint endpoint = session.ps(d.name().value()).stream()
        .filter(c -> c.release() == current && c.state() == ContainerState.UP && c.type().receivesTraffic())
        .sorted(Comparator.comparing(Container::type).thenComparingInt(Container::num))
        .flatMap(c -> c.endpoint().stream())
        .findFirst()
        .orElseThrow(() -> new NotFoundException("app '" + d.name() + "' has no web or cmd container of v" + current
            + " up: scale it with session().scale(name(), \"web=1\")"));
    return URI.create(endpoint.url("/"));
  }

  /** {@link #url()} resolved against {@code path}, such as {@code "/health"}. */
  public URI url(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new InvalidInputException("path " + io.deis.error.DeisException.quote(path) + " is invalid: give one starting with /");
    }
    return url().resolve(path);
  }

  @Override
  public String toString() {
    Deployment d = deployment;
    return "DeisApp[" + describeSource() + (d != null ? ", deployed as " + d.name() + " on " + d.backend().displayName() : "") + "]";
  }

  // ---------------------------------------------------------------- for the extension

  Source source() {
    return source;
  }

  Map<String, String> config() {
    return Map.copyOf(config);
  }

  Optional<AppName> requestedName() {
    return name;
  }

  Optional<Formation> scale() {
    return scale;
  }

  /** How messages name the app before it has a name: by where it comes from. */
  String describeSource() {
    return source instanceof Directory d ? "directory " + d.path() : "image " + ((Image) source).reference();
  }

  /** Marks the app as deployed; refused when it is deployed already (the same field used by two tests at once). */
  synchronized void deployed(Deployment running) {
    if (deployment != null) {
      throw new IllegalStateException(this + " is deployed already: a DeisApp can be deployed once at a time; "
          + "give each test class (or test) its own");
    }
    this.deployment = running;
  }

  synchronized void undeployed() {
    this.deployment = null;
  }

  synchronized boolean isDeployed() {
    return deployment != null;
  }

  private synchronized DeisApp definition() {
    if (deployment != null) {
      throw new IllegalStateException(this + " is deployed: change it through session(), or its definition before it is deployed");
    }
    return this;
  }

  private Deployment running() {
    Deployment d = deployment;
    if (d == null) {
      throw new IllegalStateException(this + " is not deployed: declare it in a @Deployed field of a test class run "
          + "with @Deis (or a registered DeisExtension); a static field is deployed for the whole class, an instance field for each test");
    }
    return d;
  }

  /** Where a deployed app lives. */
  record Deployment(AppName name, Session session, Backend backend) {}
}
