package io.deis.junit5;

import io.deis.scheduler.docker.DockerScheduler;
import io.deis.scheduler.docker.TestDocker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** The apps the tests deploy, written the way a user keeps them: a directory with a Procfile, or a Dockerfile. */
final class Apps {
  /** This test run's sessions directory: the reaper of these tests sweeps it, and nobody else's. */
  static final Path SESSIONS = Path.of("target", "deis-junit5-sessions").toAbsolutePath();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Apps() {}

  /**
   * A Procfile app that runs on both backends: busybox httpd serving {@code $GREETING} at /, after
   * printing a line. Its {@code .gitignore} keeps {@code ignored.txt} out of the build, as a push would.
   */
  static Path procfileApp() {
    return write(Map.of(
        "Procfile", "web: mkdir -p www && echo \"$GREETING\" > www/index.html && echo \"web listening on $PORT\""
            + " && exec busybox httpd -f -p \"$PORT\" -h www\n",
        ".gitignore", "ignored.txt\n",
        "ignored.txt", "never built\n"));
  }

  /** A Dockerfile app: {@code src/test/apps/hello}'s Dockerfile on a scratch image with the static busybox. */
  static Path dockerfileApp() {
    try {
      Path dir = write(Map.of("Dockerfile", Files.readString(Path.of("src/test/apps/hello/Dockerfile"))));
      Files.copy(Path.of("/bin/busybox"), dir.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Procfile app whose web process prints two lines, one with a config value, and exits. */
  static Path failingApp() {
    return write(Map.of("Procfile",
        "web: echo 'starting the failing app'; echo \"cannot reach the database at $DATABASE_URL\"; exit 3\n"));
  }

  /** Settings of the Docker tests' schedulers: Procfile apps run on the busybox stack image built FROM scratch. */
  static void busyboxStack(DockerScheduler.Builder docker) {
    docker.stackImage(TestDocker.stackImage());
  }

  /** The parameters of a user's run that uses this run's sessions directory. */
  static Map<String, String> parameters() {
    return Map.of(DeisExtension.SESSIONS_PROPERTY, SESSIONS.toString());
  }

  /** The body of GET {@code url}, stripped, which must answer 200. */
  static String get(URI url) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("GET " + url + " answered " + r.statusCode());
      }
      return r.body().strip();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Whether anything answers at {@code url}. */
  static boolean answers(URI url) {
    try {
      HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Path write(Map<String, String> files) {
    try {
      Path dir = Files.createDirectories(Path.of("target", "test-apps-made", UUID.randomUUID().toString()).toAbsolutePath());
      for (Map.Entry<String, String> f : files.entrySet()) {
        Files.writeString(dir.resolve(f.getKey()), f.getValue());
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
