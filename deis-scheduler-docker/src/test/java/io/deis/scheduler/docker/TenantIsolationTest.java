package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.build.BuildSource;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.BuildException;
import io.deis.error.PermissionDeniedException;
import io.deis.model.Procfile;
import io.deis.store.InMemoryStore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's tenant isolation on Docker, through the controller and its users: mallory cannot run
 * or build on alice's images (by name, by image id, in FROM or COPY --from) until alice shares
 * her app, and a Dockerfile cannot fetch from the network with ADD.
 */
@RequiresDocker
class TenantIsolationTest {
  private static final Procfile WORKER = Procfile.parse("worker: exec sleep 1000\n");

  @TempDir
  Path tmp;
  private Controller deis;
  private Session alice;
  private Session mallory;
  private String aliceImage;
  private String aliceImageId;

  @BeforeEach
  void aliceHasAnAppWithASecret() {
    deis = TestApps.controller(new InMemoryStore(), tmp.resolve("data"), TestDocker.newScheduler());
    TestApps.user(deis, "admin");
    alice = TestApps.user(deis, "alice");
    mallory = TestApps.user(deis, "mallory");
    alice.createApp("dt-alpha");
    mallory.createApp("dt-mallory");
    Path repo = TestApps.commit(tmp.resolve("alpha"), Map.of("Procfile", "worker: exec sleep 1000\n", "secret.txt", "alice's secret\n"));
    aliceImage = alice.deploy("dt-alpha", BuildSource.commit(repo, "HEAD")).build().orElseThrow().image().orElseThrow();
    assertThat(aliceImage).startsWith("deis-jvm/" + deis.installation().id() + "/dt-alpha:build-");
    aliceImageId = TestDocker.client().inspectImageCmd(aliceImage).exec().getId();
  }

  @AfterEach
  void close() {
    deis.close();
  }

  @AfterAll
  static void sweep() {
    TestDocker.sweep(false);
  }

  @Test
  void anotherAppsImageCannotBeDeployedByNameOrByIdUntilItsOwnerSharesTheApp() {
    int releases = mallory.releases("dt-mallory").size();

    assertThatThrownBy(() -> mallory.deploy("dt-mallory", new BuildSource.Image(aliceImage, WORKER)))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessage("image " + aliceImage + " was built for another app, which mallory may not use: "
            + "use an image of an app you own or collaborate on");
    assertThatThrownBy(() -> mallory.deploy("dt-mallory", new BuildSource.Image(aliceImageId, WORKER)))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("image " + aliceImageId + " was built for another app, which mallory may not use");
    assertThatThrownBy(() -> mallory.deploy("dt-mallory", new BuildSource.Image("deis-jvm/otherinstall1/dt-alpha:v2", WORKER)))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("belongs to another Deis installation on this Docker host");
    assertThat(mallory.releases("dt-mallory")).as("a refused build makes no release").hasSize(releases);
    assertThat(mallory.ps("dt-mallory")).isEmpty();

    alice.share("dt-alpha", "mallory");
    mallory.deploy("dt-mallory", new BuildSource.Image(aliceImage, Procfile.parse("web: " + TestDocker.webCommand() + "\n")));
    assertThat(mallory.ps("dt-mallory")).singleElement().satisfies(c -> assertThat(c.release()).isEqualTo(releases + 1));
  }

  @Test
  void aDockerfileCannotBuildOnOrCopyFromAnotherAppsImage() {
    Path from = TestApps.commit(tmp.resolve("from"), Map.of("Dockerfile", "FROM " + aliceImage + "\nCMD cat /app/secret.txt\n"));
    assertThatThrownBy(() -> mallory.deploy("dt-mallory", BuildSource.commit(from, "HEAD")))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessage("FROM image (line 1 of the Dockerfile) " + aliceImage + " was built for another app, which mallory "
            + "may not use: use an image of an app you own or collaborate on");

    Path copy = TestApps.commit(tmp.resolve("copy"), Map.of("Dockerfile", "FROM " + TestDocker.stackImage()
        + "\nCOPY --from=" + aliceImageId + " /app/secret.txt /stolen.txt\nCMD cat /stolen.txt\n"));
    assertThatThrownBy(() -> mallory.deploy("dt-mallory", BuildSource.commit(copy, "HEAD")))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("COPY --from image (line 2 of the Dockerfile) " + aliceImageId + " was built for another app");

    Path variable = TestApps.commit(tmp.resolve("variable"), Map.of("Dockerfile", "ARG BASE=" + aliceImage + "\nFROM ${BASE}\n"));
    assertThatThrownBy(() -> mallory.deploy("dt-mallory", BuildSource.commit(variable, "HEAD")))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("FROM image (line 2 of the Dockerfile)");
    assertThat(TestDocker.client().listImagesCmd().withReferenceFilter("deis-jvm/" + deis.installation().id() + "/dt-mallory").exec())
        .as("nothing was built").isEmpty();

    alice.share("dt-alpha", "mallory");
    Path shared = TestApps.commit(tmp.resolve("shared"), Map.of("Dockerfile", "FROM " + aliceImage
        + "\nCMD [\"/bin/sh\", \"-c\", \"exec httpd -f -p $PORT -h /app\"]\n"));
    mallory.deploy("dt-mallory", BuildSource.commit(shared, "HEAD"));
    assertThat(TestApps.get(mallory.endpoints("dt-mallory").get(0) + "secret.txt")).as("shared, so built on").isEqualTo("alice's secret");
  }

  @Test
  void addFromAUrlIsRefusedUnlessTheBuilderAllowsIt() {
    Path add = TestApps.commit(tmp.resolve("add"), Map.of("Dockerfile",
        "FROM " + TestDocker.stackImage() + "\nADD https://example.com/payload.tar.gz /payload\nCMD sleep 1000\n"));
    assertThatThrownBy(() -> mallory.deploy("dt-mallory", BuildSource.commit(add, "HEAD")))
        .isInstanceOf(BuildException.class)
        .hasMessage("ADD https://example.com/payload.tar.gz on line 2 of the Dockerfile of dt-mallory fetches from the network, "
            + "which this builder does not allow: add the file to the repository, or have the platform's operator allow it "
            + "(DockerScheduler.builder().allowRemoteAdd(true))");
  }
}
