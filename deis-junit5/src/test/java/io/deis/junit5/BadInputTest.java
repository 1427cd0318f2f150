package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input to the public API is a clear error naming the input and what would be valid; null is never an NPE. */
class BadInputTest {

  @Test
  void anAppDefinitionRefusesBadInputNamingIt() {
    assertThatThrownBy(() -> DeisApp.fromDirectory((Path) null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("app directory is missing");
    assertThatThrownBy(() -> DeisApp.fromDirectory((String) null)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> DeisApp.fromImage("Not An Image")).isInstanceOf(InvalidInputException.class).hasMessageContaining("image reference");
    assertThatThrownBy(() -> DeisApp.fromImage(null)).isInstanceOf(InvalidInputException.class);

    DeisApp app = DeisApp.fromDirectory("src/test/apps/hello");
    assertThatThrownBy(() -> app.withName("Bad_Name")).isInstanceOf(InvalidInputException.class).hasMessageContaining("Bad_Name");
    assertThatThrownBy(() -> app.withName(null)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> app.withConfig("1BAD", "x")).isInstanceOf(InvalidInputException.class).hasMessageContaining("1BAD");
    assertThatThrownBy(() -> app.withConfig("KEY", null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("KEY");
    assertThatThrownBy(() -> app.withConfig(null, "x")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> app.withConfig(null)).isInstanceOf(InvalidInputException.class);
    Map<String, String> withNull = new HashMap<>();
    withNull.put("KEY", null);
    assertThatThrownBy(() -> app.withConfig(withNull)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> app.withConfig("SECRET", "bad\u0000value")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("SECRET").hasMessageNotContaining("bad");
    assertThatThrownBy(() -> app.withHealthCheck("no-slash")).isInstanceOf(InvalidInputException.class).hasMessageContaining("HEALTHCHECK_URL");
    assertThatThrownBy(() -> app.withScale("web=lots")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> app.withScale(null)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void anAppThatIsNotDeployedSaysHowToDeployIt() {
    DeisApp app = DeisApp.fromDirectory("src/test/apps/hello");
    assertThatThrownBy(app::url).isInstanceOf(IllegalStateException.class).hasMessageContaining("is not deployed: declare it in a @Deployed field");
    assertThatThrownBy(app::session).isInstanceOf(IllegalStateException.class);
    assertThat(app.toString()).isEqualTo("DeisApp[directory src/test/apps/hello]");
  }

  @Test
  void everyOptionIsBoundedAndTheRefusalNamesTheLimit() {
    DeisExtension.Builder builder = DeisExtension.builder();
    assertThatThrownBy(() -> builder.startupTimeout(Duration.ofMillis(10))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("startupTimeout").hasMessageContaining("1 hour");
    assertThatThrownBy(() -> builder.startupTimeout(Duration.ofHours(2))).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> builder.startupTimeout(null)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> builder.logLines(0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("logLines 0 is out of range: use 1 to 10000");
    assertThatThrownBy(() -> builder.logLines(10_001)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> builder.backend(null)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> builder.docker(null)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> builder.sessionsDirectory(null)).isInstanceOf(InvalidInputException.class);
  }

  @RunByUserRun
  @Deis(backend = Backend.LOCAL)
  static class WrongField {
    @Deployed
    static final String app = "not an app";

    @org.junit.jupiter.api.Test
    void neverRuns() {}
  }

  @RunByUserRun
  @Deis(backend = Backend.LOCAL)
  static class NullField {
    @Deployed
    static DeisApp app;

    @org.junit.jupiter.api.Test
    void neverRuns() {}
  }

  @RunByUserRun
  @Deis
  static class UnknownBackend {
    @org.junit.jupiter.api.Test
    void neverRuns() {}
  }

  @Test
  void misusedFieldsAndParametersFailTheClassSayingWhatToDo() {
    assertThat(FailureMessageTest.failure(UserRun.of(Apps.parameters(), WrongField.class)))
        .contains("@Deployed field WrongField.app is a String: @Deployed marks DeisApp fields");
    assertThat(FailureMessageTest.failure(UserRun.of(Apps.parameters(), NullField.class)))
        .contains("@Deployed field NullField.app is null: initialize it");
    Map<String, String> parameters = new HashMap<>(Apps.parameters());
    parameters.put(DeisExtension.BACKEND_PROPERTY, "kubernetes");
    assertThat(FailureMessageTest.failure(UserRun.of(parameters, UnknownBackend.class)))
        .contains("deis.junit5.backend 'kubernetes' is not a backend: use auto, docker or local");
  }
}
