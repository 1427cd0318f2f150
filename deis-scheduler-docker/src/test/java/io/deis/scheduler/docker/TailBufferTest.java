package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TailBufferTest {
  @Test
  void keepsEverythingUnderTheLimit() {
    TailBuffer buffer = new TailBuffer(1024);
    buffer.write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
    buffer.write("three".getBytes(StandardCharsets.UTF_8));
    assertThat(buffer.lines()).containsExactly("one", "two", "three");
    assertThat(buffer.cut()).isZero();
  }

  @Test
  void keepsOnlyWholeLinesOfTheTailAndCountsWhatWasCut() {
    TailBuffer buffer = new TailBuffer(1024);
    for (int i = 0; i < 100_000; i++) {
      buffer.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
    }
    assertThat(buffer.lines()).last().isEqualTo("line 99999");
    assertThat(buffer.lines()).allMatch(l -> l.matches("line \\d+")).hasSizeLessThanOrEqualTo(1024 / 10);
    String text = String.join("\n", buffer.lines()) + "\n";
    long total = 0;
    for (int i = 0; i < 100_000; i++) {
      total += ("line " + i + "\n").length();
    }
    assertThat(buffer.cut()).isEqualTo(total - 1024);
    assertThat(text.length()).isLessThanOrEqualTo(1024);
  }

  @Test
  void aChunkLargerThanTheLimitKeepsItsTail() {
    TailBuffer buffer = new TailBuffer(1024);
    buffer.write("x".repeat(5000).concat("\nlast").getBytes(StandardCharsets.UTF_8));
    assertThat(buffer.lines()).containsExactly("last");
    assertThat(buffer.cut()).isEqualTo(5005 - 1024);
  }
}
