package io.deis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.BuildException;
import io.deis.error.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ValuesTest {

  @ParameterizedTest
  @ValueSource(strings = {"test", "myid", "autotest-errors", "a", "web2-b"})
  void validAppNames(String name) {
    assertThat(AppName.of(name).value()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"camelCase", "Foo_", "9lives", "-dash", "with space", "under_score", ""})
  void invalidAppNamesSayWhatIsValid(String name) {
    assertThatThrownBy(() -> AppName.of(name))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(name.isEmpty() ? "app name is empty" : "app name '" + name + "'")
        .hasMessageMatching("(?s).*(lowercase letters, digits and dashes|\\[a-z0-9-\\]).*");
  }

  @Test
  void appNamesAreAtMost64Characters() {
    assertThat(AppName.of("a".repeat(64)).value()).hasSize(64);
    assertThatThrownBy(() -> AppName.of("a".repeat(65))).hasMessageContaining("65 characters").hasMessageContaining("at most 64");
  }

  @Test
  void processTypesAreCaseInsensitive() {
    assertThat(ProcessType.of("Web")).isEqualTo(ProcessType.WEB);
    assertThatThrownBy(() -> ProcessType.of("web.1")).isInstanceOf(InvalidInputException.class).hasMessageContaining("'web.1'");
  }

  @Test
  void processTypesAreValidLabelValues() {
    assertThat(ProcessType.of("clock_tick").value()).isEqualTo("clock_tick");
    assertThat(ProcessType.of("a".repeat(63)).value()).hasSize(63);
    for (String bad : new String[] {"_clock", "clock_", "-clock", "clock-"}) {
      assertThatThrownBy(() -> ProcessType.of(bad)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("'" + bad + "'").hasMessageContaining("starting and ending with a letter or digit");
    }
    assertThatThrownBy(() -> ProcessType.of("a".repeat(64))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("64 characters long").hasMessageContaining("at most 63");
  }

  @Test
  void formationParsesDeisSyntax() {
    Formation f = Formation.parse("web=3 worker=1,clock=0");
    assertThat(f.count(ProcessType.WEB)).isEqualTo(3);
    assertThat(f.count(ProcessType.of("worker"))).isEqualTo(1);
    assertThat(f.count(ProcessType.of("clock"))).isZero();
    assertThat(f.total()).isEqualTo(4);
    assertThat(f).hasToString("clock=0 web=3 worker=1");
  }

  @Test
  void badFormationsAreRejectedWithDeisWords() {
    assertThatThrownBy(() -> Formation.parse("web=not_an_int"))
        .hasMessage("Invalid scaling format: invalid literal for int() with base 10: 'not_an_int'");
    assertThatThrownBy(() -> Formation.parse("web=-1")).hasMessageContaining("web=-1");
    assertThatThrownBy(() -> Formation.parse("web")).hasMessageContaining("'web'").hasMessageContaining("type=count");
  }

  @Test
  void procfileParsesTypesAndCommands() {
    Procfile p = Procfile.parse("# comment\nweb: java Hello.java\n\nWorker:   sh -c 'while true; do sleep 1; done'\n");
    assertThat(p.commands()).containsOnlyKeys(ProcessType.WEB, ProcessType.of("worker"));
    assertThat(p.command(ProcessType.of("worker"))).hasValue("sh -c 'while true; do sleep 1; done'");
  }

  @Test
  void malformedProcfileLinesAreRejectedWithTheirNumber() {
    assertThatThrownBy(() -> Procfile.parse("web: ok\nthis is not a process\n"))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("this is not a process");
    assertThatThrownBy(() -> Procfile.parse("web:\n")).hasMessageContaining("line 1").hasMessageContaining("no command");
    assertThatThrownBy(() -> Procfile.parse("web: a\nweb: b\n")).hasMessageContaining("line 2").hasMessageContaining("second time");
  }

  @Test
  void configSetMergesUnsetRemovesAndDescribesTheChange() {
    Config empty = Config.empty("c1", "alice", Instant.EPOCH);
    Config one = empty.apply(ConfigChange.builder().set("FOO", "1").set("BAR", "x").build(), "c2", "alice", Instant.EPOCH);
    Config two = one.apply(ConfigChange.builder().set("BAR", "y").set("NEW", "n").unset("FOO").build(), "c3", "bob", Instant.EPOCH);

    assertThat(two.values()).containsExactly(Map.entry("BAR", "y"), Map.entry("NEW", "n"));
    assertThat(one.describeChangeFrom(empty)).isEqualTo("added BAR, FOO");
    assertThat(two.describeChangeFrom(one)).isEqualTo("added NEW, changed BAR, deleted FOO");
    assertThat(two.sameSettings(one)).isFalse();
    assertThat(one.apply(ConfigChange.builder().set("FOO", "1").build(), "c4", "x", Instant.EPOCH).sameSettings(one)).isTrue();
  }

  @Test
  void limitsAndTagsAreValidatedAndDescribed() {
    Config empty = Config.empty("c1", "alice", Instant.EPOCH);
    Config limited = empty.apply(ConfigChange.builder().memory(ProcessType.WEB, "512M").cpu(ProcessType.WEB, 512)
        .tag("environ", "dev").build(), "c2", "alice", Instant.EPOCH);
    assertThat(limited.memory(ProcessType.WEB)).hasValue("512M");
    assertThat(limited.cpu(ProcessType.WEB)).hasValue(512);
    assertThat(limited.describeChangeFrom(empty)).isEqualTo("changed limits for memory, cpu, added tag environ");

    assertThatThrownBy(() -> ConfigChange.builder().memory(ProcessType.WEB, "20MK"))
        .hasMessageContaining("Limit format: <number><unit>, where unit = B, K, M or G");
    assertThatThrownBy(() -> ConfigChange.builder().cpu(ProcessType.WEB, 2048)).hasMessageContaining("between 0 and 1024");
    assertThatThrownBy(() -> ConfigChange.builder().tag("in.valid", "x")).hasMessageContaining("Tag keys can only contain [a-z]");
    assertThatThrownBy(() -> ConfigChange.builder().tag("rack", "in\nvalid")).hasMessageContaining("Invalid tag value");
  }

  @ParameterizedTest
  @ValueSource(strings = {"123", "../../foo", "FOO/", "FOO-BAR", ""})
  void invalidConfigKeysAreRejected(String key) {
    assertThatThrownBy(() -> ConfigChange.builder().set(key, "v"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Config keys must start with a letter or underscore");
  }

  @Test
  void healthCheckComesFromConfigValuesAndIsValidated() {
    Config empty = Config.empty("c1", "alice", Instant.EPOCH);
    Config checked = empty.apply(ConfigChange.builder().set("HEALTHCHECK_URL", "/healthz").set("HEALTHCHECK_TIMEOUT", "2.5").build(),
        "c2", "alice", Instant.EPOCH);
    assertThat(checked.healthCheck()).hasValue(new HealthCheck("/healthz", Duration.ofMillis(2500), Duration.ZERO));
    assertThatThrownBy(() -> empty.apply(ConfigChange.builder().set("HEALTHCHECK_URL", "healthz").build(), "c3", "a", Instant.EPOCH))
        .hasMessageContaining("must be a path starting with '/'");
  }

  @Test
  void buildKnowsItsProcessTypesAndDefaultFormation() {
    Build procfileBuild = new Build("u1", AppName.of("app"), "alice", Instant.EPOCH, java.util.Optional.of("abcdef1234"),
        java.util.Optional.empty(), Procfile.parse("web: a\nworker: b"), java.util.Optional.empty(), java.util.Optional.of(java.nio.file.Path.of("/tmp")));
    assertThat(procfileBuild.processTypes()).containsExactly(ProcessType.WEB, ProcessType.of("worker"));
    assertThat(procfileBuild.defaultFormation()).isEqualTo(Formation.parse("web=1"));
    assertThat(procfileBuild.shortDescription()).isEqualTo("abcdef1");
    assertThatThrownBy(() -> procfileBuild.command(ProcessType.CMD)).hasMessageContaining("Container type cmd does not exist");

    Build image = new Build("u2", AppName.of("app"), "alice", Instant.EPOCH, java.util.Optional.empty(),
        java.util.Optional.of("deis/example:1"), Procfile.EMPTY, java.util.Optional.empty(), java.util.Optional.empty());
    assertThat(image.processTypes()).containsExactly(ProcessType.CMD);
    assertThat(image.command(ProcessType.CMD)).isEmpty();
    assertThat(image.defaultFormation()).isEqualTo(Formation.parse("cmd=1"));
    assertThat(image.shortDescription()).isEqualTo("deis/example:1");
  }
}
