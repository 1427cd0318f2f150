package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.model.AppName;
import io.deis.model.Installation;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Names carry the installation, map app names one to one onto valid Docker names, and say whose an image is. */
class DockerNamesTest {
  private final DockerNames names = new DockerNames(Installation.of("abc123def456"));

  @Test
  void everyNameCarriesTheInstallation() {
    assertThat(names.container("web_v2.web.1")).isEqualTo("deis-jvm-abc123def456-web_v2.web.1");
    assertThat(names.runContainer("web_v2.run.1")).matches("deis-jvm-abc123def456-web_v2\\.run\\.1-[0-9a-f]{8}");
    assertThat(names.network(AppName.of("web"))).isEqualTo("deis-jvm-abc123def456-web");
    assertThat(names.repository(AppName.of("web"))).isEqualTo("deis-jvm/abc123def456/web");
    assertThat(new DockerNames(Installation.of("other0000001")).container("web_v2.web.1"))
        .isNotEqualTo(names.container("web_v2.web.1"));
  }

  @Test
  void appNamesEndingInDashesBecomeValidRepositoryComponentsOneToOne() {
    assertThat(DockerNames.pathComponent(AppName.of("a-b"))).isEqualTo("a-b");
    assertThat(DockerNames.pathComponent(AppName.of("app-"))).isEqualTo("app.1");
    assertThat(DockerNames.pathComponent(AppName.of("app--"))).isEqualTo("app.2");
    for (String app : new String[] {"a", "a-b", "a--b", "app-", "app---", "x1-2-"}) {
      String component = DockerNames.pathComponent(AppName.of(app));
      assertThat(component).as(app).matches("[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*");
      assertThat(DockerNames.appOf(component)).as(app).contains(AppName.of(app));
    }
    assertThat(DockerNames.appOf("app.0")).isEmpty();
    assertThat(DockerNames.appOf("App")).isEmpty();
  }

  @Test
  void anImageNameSaysWhichInstallationAndAppItBelongsTo() {
    assertThat(DockerNames.ownerByName("deis-jvm/abc123def456/web:v3")).contains(
        new DockerNames.Owner(Optional.of(Installation.of("abc123def456")), Optional.of(AppName.of("web"))));
    assertThat(DockerNames.ownerByName("docker.io/deis-jvm/abc123def456/app.1@sha256:00")).contains(
        new DockerNames.Owner(Optional.of(Installation.of("abc123def456")), Optional.of(AppName.of("app-"))));
    assertThat(DockerNames.ownerByName("deis-jvm/web:v3")).as("the old naming, of no installation")
        .contains(new DockerNames.Owner(Optional.empty(), Optional.empty()));
    assertThat(DockerNames.ownerByName("busybox:1")).isEmpty();
    assertThat(DockerNames.ownerByName("registry.example.com/deis-jvm/abc123def456/web:v3")).as("another registry's image").isEmpty();
  }
}
