package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.error.DeisException;
import io.deis.local.LocalRuntime;
import io.deis.model.App;
import io.deis.model.Release;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.store.InMemoryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The controller's operations that store what they parse, fed 10,000 generated inputs each: a
 * refused input is a {@link DeisException} with a message, changes nothing in the store, and (for
 * config) never echoes a value; an accepted one changes exactly what it says.
 */
class OperationPropertiesTest {
  static final int TRIES = 10_000;
  static Path dir;
  static InMemoryStore store;
  static Controller deis;
  static Session alice;

  @BeforeContainer
  static void start() throws IOException {
    dir = Files.createTempDirectory("deis-properties-");
    store = new InMemoryStore();
    deis = Controller.builder().trustedUsersOnly(true).store(store).dataDirectory(dir.resolve("data"))
        .scheduler(new RuntimeScheduler(new LocalRuntime(dir.resolve("containers")), SchedulerContract.fastOptions()))
        .passwordHashIterations(1000).limits(Limits.builder().appsPerUser(100_000).build()).build();
    deis.register("alice", "alice-password", "");
    alice = deis.login("alice", "alice-password");
    alice.createApp("props");
  }

  @AfterContainer
  static void stop() {
    deis.close();
  }

  @Provide
  Arbitrary<Map<String, String>> configs() {
    Arbitrary<String> keys = Arbitraries.oneOf(
        Arbitraries.strings().withChars("ABC_xyz09").ofMinLength(1).ofMaxLength(12),
        Arbitraries.of("HEALTHCHECK_URL", "HEALTHCHECK_TIMEOUT", "HEALTHCHECK_INITIAL_DELAY"),
        Arbitraries.strings().ofMaxLength(20));
    Arbitrary<String> values = Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(60).map(s -> "SeCrEt-" + s),
        Arbitraries.strings().withChars("0123456789./ab").ofMaxLength(8).map(s -> s.length() < 4 ? "/" + s : s),
        Arbitraries.strings().withChars("0123456789./ab").ofMaxLength(8).map(s -> s + "SeCrEt"),
        Arbitraries.integers().between(30_000, 140_000).map(n -> "SeCrEt" + "x".repeat(n)));
    return Arbitraries.maps(keys, values).ofMaxSize(3);
  }

  @Property(tries = TRIES)
  void aConfigChangeIsAppliedWholeOrRefusedWithoutATrace(@ForAll("configs") Map<String, String> values) {
    List<Release> before = store.releases(io.deis.model.AppName.of("props"));
    Map<String, String> configBefore = before.get(before.size() - 1).config().values();
    try {
      alice.setConfig("props", values).ifPresent(r -> assertThat(r.config().values()).containsAllEntriesOf(values));
      assertThat(store.releases(io.deis.model.AppName.of("props")).size()).isBetween(before.size(), before.size() + 1);
    } catch (DeisException e) {
      assertThat(e.getMessage()).isNotBlank().doesNotContain("SeCrEt");
      // Short values may match the message's own words by chance; the SeCrEt marker covers the rest.
      values.values().stream().filter(v -> v.length() >= 16).forEach(v -> assertThat(e.getMessage()).doesNotContain(v));
      List<Release> after = store.releases(io.deis.model.AppName.of("props"));
      assertThat(after).hasSize(before.size());
      assertThat(after.get(after.size() - 1).config().values()).isEqualTo(configBefore);
    }
  }

  @Provide
  Arbitrary<String> appNames() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("abcxyz0129-").ofMaxLength(70),
        Arbitraries.strings().ofMaxLength(80)).injectNull(0.02);
  }

  @Property(tries = TRIES)
  void anAppIsCreatedWholeOrNotAtAll(@ForAll("appNames") String name) {
    List<App> before = store.apps();
    try {
      App made = alice.createApp(name);
      assertThat(store.apps()).hasSize(before.size() + 1).contains(made);
      assertThat(store.releases(made.name())).hasSize(1);
    } catch (DeisException e) {
      assertThat(e.getMessage()).isNotBlank();
      assertThat(store.apps()).isEqualTo(before);
    }
  }

  @Provide
  Arbitrary<Map<String, String>> registrations() {
    Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.strings().withChars("abc09@.+_- ").ofMaxLength(20),
        Arbitraries.strings().ofMaxLength(30)).injectNull(0.05);
    return net.jqwik.api.Combinators.combine(text, text, text).as((u, p, e) -> {
      Map<String, String> m = new HashMap<>();
      m.put("username", u);
      m.put("password", p);
      m.put("email", e);
      return m;
    });
  }

  @Property(tries = TRIES)
  void aRefusedRegistrationOrLoginLeavesNoUserBehind(@ForAll("registrations") Map<String, String> form) {
    int users = store.users().size();
    try {
      deis.register(form.get("username"), form.get("password"), form.get("email"));
      assertThat(store.users()).hasSize(users + 1);
    } catch (DeisException e) {
      assertThat(e.getMessage()).isNotBlank();
      if (form.get("password") != null && form.get("password").length() >= 6) {
        assertThat(e.getMessage()).doesNotContain(form.get("password"));
      }
      assertThat(store.users()).hasSize(users);
    }
    try {
      deis.login(form.get("username"), form.get("password"));
    } catch (DeisException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
