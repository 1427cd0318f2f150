package io.deis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's first command runs this program; this test runs it too and reads what it printed. */
class QuickstartTest {
  @Test
  void theQuickstartRunsTheWholeModelAndPrintsEachStep() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Quickstart.main(new String[0]);
    } finally {
      System.setOut(original);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    original.print(output);

    assertThat(output)
        .contains("Registered alice (administrator: the first user)")
        .containsPattern("-----> Procfile declares types -> web")
        .containsPattern("done, [a-z]+-[a-z]+:v2 deployed")
        .contains("Hello from Deis!")
        .contains("Creating config... done, v3")
        .containsPattern("requests, 0 unanswered: zero downtime")
        .contains("Howdy from v3!")
        .containsPattern("web\\.3 up \\(v3\\)")
        .containsPattern("v3 +\\S+ +alice added GREETING")
        .contains("Rolling back to v2... done, v4")
        .containsPattern("Destroying [a-z]+-[a-z]+\\.\\.\\. done");
    // After the rollback the greeting is v2's again.
    assertThat(output.substring(output.indexOf("Rolling back"))).contains("Hello from Deis!");
  }
}
