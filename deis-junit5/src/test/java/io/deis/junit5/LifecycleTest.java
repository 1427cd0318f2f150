package io.deis.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Static fields live for the class, instance fields for one test; teardown is complete whether
 * a test passes or fails. The user's class leaves the backend to AUTO and the configuration
 * parameter names it, as a build running one suite per backend would.
 */
class LifecycleTest {

  /** What the user's tests saw: one line per test, "shared-name own-name shared-url own-url". */
  static final List<String> SEEN = Collections.synchronizedList(new ArrayList<>());

  @RunByUserRun
  @Deis
  static class StaticAndInstanceApps {
    @Deployed
    static final DeisApp shared = DeisApp.fromDirectory(Apps.procfileApp()).withConfig("GREETING", "shared");

    @Deployed
    final DeisApp own = DeisApp.fromDirectory(Apps.procfileApp()).withConfig("GREETING", "own");

    @Test
    void first() {
      record();
    }

    @Test
    void second() {
      record();
    }

    @Test
    void failsOnPurpose() {
      record();
      throw new AssertionError("this test fails on purpose");
    }

    private void record() {
      assertThat(shared.backend()).isEqualTo(Backend.LOCAL);
      assertThat(Apps.get(shared.url())).isEqualTo("shared");
      assertThat(Apps.get(own.url())).isEqualTo("own");
      assertThat(shared.session().apps()).hasSize(2);
      SEEN.add(shared.name() + " " + own.name() + " " + shared.url() + " " + own.url());
    }
  }

  @RunByUserRun
  @Deis(backend = Backend.LOCAL)
  static class OuterWithNested {
    @Deployed
    static final DeisApp outer = DeisApp.fromDirectory(Apps.procfileApp()).withConfig("GREETING", "outer");

    @Nested
    class Inner {
      @Deployed
      final DeisApp inner = DeisApp.fromDirectory(Apps.procfileApp()).withConfig("GREETING", "inner");

      @Test
      void seesItsOwnAppAndItsOuterClasssInOneSession() {
        assertThat(Apps.get(outer.url())).isEqualTo("outer");
        assertThat(Apps.get(inner.url())).isEqualTo("inner");
        assertThat(inner.session().apps()).as("one session, the outer class's").hasSize(2);
        SEEN.add(outer.url() + " " + inner.url());
      }
    }
  }

  @Test
  void aNestedClassUsesItsOuterClasssSession() {
    Set<String> before = FailureMessageTest.sessions();
    SEEN.clear();
    UserRun run = UserRun.of(Apps.parameters(), OuterWithNested.class);
    assertThat(run.tests()).as("%s", run).hasSize(1);
    assertThat(run.failures()).as("%s", run).isEmpty();
    assertThat(SEEN).hasSize(1);
    for (String url : SEEN.get(0).split(" ")) {
      assertThat(Apps.answers(URI.create(url))).as("%s is gone", url).isFalse();
    }
    assertThat(FailureMessageTest.sessions()).isEqualTo(before);
  }

  @Test
  void staticAppsLiveForTheClassInstanceAppsForOneTestAndNothingIsLeftAfterwards() {
    Set<String> before = FailureMessageTest.sessions();
    SEEN.clear();
    Map<String, String> parameters = new java.util.HashMap<>(Apps.parameters());
    parameters.put(DeisExtension.BACKEND_PROPERTY, "local");

    UserRun run = UserRun.of(parameters, StaticAndInstanceApps.class);

    assertThat(run.tests()).as("%s", run).hasSize(3);
    assertThat(run.failures()).as("%s", run).singleElement()
        .satisfies(f -> assertThat(f.failureMessage()).contains("this test fails on purpose"));
    assertThat(SEEN).hasSize(3);
    assertThat(SEEN.stream().map(line -> line.split(" ")[0]).distinct()).as("one shared app for the class").hasSize(1);
    assertThat(SEEN.stream().map(line -> line.split(" ")[1]).distinct()).as("an app of its own for each test").hasSize(3);
    for (String line : SEEN) {
      for (String url : List.of(line.split(" ")[2], line.split(" ")[3])) {
        assertThat(Apps.answers(URI.create(url))).as("%s is gone", url).isFalse();
      }
    }
    assertThat(FailureMessageTest.sessions()).as("the session's record is gone").isEqualTo(before);
  }
}
