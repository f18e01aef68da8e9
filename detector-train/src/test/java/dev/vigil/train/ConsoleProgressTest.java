package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  @Test
  void drawsEpochLossAndEta() {
    ConsoleProgress p = new ConsoleProgress("lstm", System.out, false);
    assertThat(p.line(5, 20, 0.012345, 42_000))
        .isEqualTo("lstm [######..................] epoch 5/20 loss 0.012345 ETA 42s");
    assertThat(p.line(20, 20, 1e-4, 0)).contains("[########################]").endsWith("ETA 0s");
  }

  @Test
  void redrawsInPlaceOnATerminalAndPrintsLinesOtherwise() {
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ConsoleProgress tty =
        new ConsoleProgress("ae", new PrintStream(a, true, StandardCharsets.UTF_8), true);
    tty.epoch(1, 3, 0.5, 2000);
    tty.epoch(2, 3, 0.4, 1000);
    tty.done();
    String s = a.toString(StandardCharsets.UTF_8);
    assertThat(s).startsWith("\rae [").contains("\rae [").endsWith("\n");
    assertThat(s.chars().filter(ch -> ch == '\n').count()).isEqualTo(1);

    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ConsoleProgress log =
        new ConsoleProgress("ae", new PrintStream(b, true, StandardCharsets.UTF_8), false);
    log.epoch(1, 3, 0.5, 2000);
    log.epoch(2, 3, 0.4, 1000);
    assertThat(b.toString(StandardCharsets.UTF_8).lines())
        .hasSize(2)
        .allMatch(l -> l.startsWith("ae ["));
  }
}
