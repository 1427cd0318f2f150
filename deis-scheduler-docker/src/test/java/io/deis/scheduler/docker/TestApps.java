package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Image;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.model.Installation;
import io.deis.scheduler.Labels;
import io.deis.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/** Controllers on Docker, git commits to push, and what an installation has on the daemon: for the tests that go through the controller. */
final class TestApps {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private TestApps() {}

  /** A controller on {@code store} with a Docker scheduler, its installation tracked for the sweep. */
  static Controller controller(Store store, Path data, DockerScheduler scheduler) {
    TestDocker.track(store.installation());
    return Controller.builder().store(store).scheduler(scheduler).dataDirectory(data).passwordHashIterations(1000).build();
  }

  /** Registers {@code name} (password: name + "-password") and logs in. */
  static Session user(Controller deis, String name) {
    deis.register(name, name + "-password", "");
    return deis.login(name, name + "-password");
  }

  /** Commits {@code files} to the repository at {@code repo} (made when missing). */
  static Path commit(Path repo, Map<String, String> files) {
    try {
      Files.createDirectories(repo);
      try (Git git = Files.isDirectory(repo.resolve(".git")) ? Git.open(repo.toFile()) : Git.init().setDirectory(repo.toFile()).call()) {
        for (Map.Entry<String, String> f : files.entrySet()) {
          Files.writeString(repo.resolve(f.getKey()), f.getValue());
        }
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("Tester", "tester@example.com");
        git.commit().setMessage("test").setAuthor(who).setCommitter(who).call();
      }
      return repo;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Procfile whose web process serves {@code $GREETING}, after {@code delay} seconds when above 0. */
  static Map<String, String> webApp(int delaySeconds) {
    String delay = delaySeconds > 0 ? "sleep " + delaySeconds + "; " : "";
    return Map.of("Procfile", "web: " + delay + TestDocker.webCommand() + "\nworker: exec sleep 1000\n");
  }

  /** The body of GET {@code url}, which must answer 200. */
  static String get(String url) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET " + url).isEqualTo(200);
      return response.body().strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The installation's containers on the daemon: Docker name to Docker id. */
  static Map<String, String> containers(Installation installation) {
    Map<String, String> found = new TreeMap<>();
    DockerClient docker = TestDocker.client();
    docker.listContainersCmd().withShowAll(true).withLabelFilter(Labels.forInstallation(installation)).exec()
        .forEach(c -> found.put(c.getNames()[0].substring(1), c.getId()));
    return found;
  }

  /** Every Docker object of the installation: containers, networks and image tags, by name. */
  static Set<String> everything(Installation installation) {
    DockerClient docker = TestDocker.client();
    Set<String> found = new TreeSet<>(containers(installation).keySet());
    docker.listNetworksCmd().exec().stream()
        .filter(n -> n.getLabels() != null && installation.id().equals(n.getLabels().get(Labels.INSTALLATION)))
        .forEach(n -> found.add("network " + n.getName()));
    for (Image image : docker.listImagesCmd().exec()) {
      for (String tag : image.getRepoTags() == null ? new String[0] : image.getRepoTags()) {
        if (tag.startsWith(DockerNames.REPOSITORY_ROOT + installation.id() + "/")) {
          found.add("image " + tag);
        }
      }
    }
    return found;
  }
}
