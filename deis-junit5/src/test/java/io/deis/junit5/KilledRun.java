package io.deis.junit5;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The child JVM of {@link ReaperTest}: a user's test run that is killed mid-test. It runs
 * {@link Hanging} through the JUnit launcher, whose test prints its app's URL and then waits to be
 * killed with SIGKILL: no teardown, no shutdown hook, everything left behind.
 *
 * <p>Arguments: the sessions directory, the backend. The stack image of Procfile apps on Docker
 * comes in the system property {@code test.stackImage}.
 */
public final class KilledRun {
  private KilledRun() {}

  @RunByUserRun
  static class Hanging {
    @RegisterExtension
    static final DeisExtension deis = DeisExtension.builder()
        .docker(docker -> Optional.ofNullable(System.getProperty("test.stackImage")).ifPresent(docker::stackImage))
        .build();

    @Deployed
    static final DeisApp app = DeisApp.fromDirectory(Apps.procfileApp()).withConfig("GREETING", "left behind");

    @Test
    void isKilledMidTest() throws InterruptedException {
      System.out.println("URL " + app.url());
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  public static void main(String[] args) {
    UserRun run = UserRun.of(Map.of(DeisExtension.SESSIONS_PROPERTY, args[0], DeisExtension.BACKEND_PROPERTY, args[1]), Hanging.class);
    System.out.println("the run ended, and should have been killed before: " + run);
  }
}
