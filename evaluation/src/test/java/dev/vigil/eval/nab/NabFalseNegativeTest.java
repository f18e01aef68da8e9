package dev.vigil.eval.nab;

import static dev.vigil.eval.nab.NabScorerCasesTest.checkCounts;
import static dev.vigil.eval.nab.NabTestData.UNIT;
import static dev.vigil.eval.nab.NabTestData.file;
import static dev.vigil.eval.nab.NabTestData.timestamps;
import static dev.vigil.eval.nab.NabTestData.windows;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NAB's {@code tests/integration/false_negative_test.py}, translated. */
class NabFalseNegativeTest {
  private final NabScorer scorer = new NabScorer(0.0);

  @Test
  void falseNegativeCostsExactlyFnWeight() {
    int length = 1000;
    int windowSize = 10;
    List<LocalDateTime> t = timestamps(length);
    NabFileScore s =
        scorer.scoreFile(file(t, windows(t, 1, windowSize)), new double[length], UNIT, 1.0);
    assertThat(s.score()).isEqualTo(-UNIT.fnWeight());
    checkCounts(s, length - windowSize, 0, 0, windowSize);
    assertThat(s.missedWindows()).isEqualTo(1);
  }

  @Test
  void fourFalseNegativesCostFourTimesFnWeight() {
    int length = 2000;
    int numWindows = 4;
    int windowSize = 10;
    List<LocalDateTime> t = timestamps(length);
    NabFileScore s =
        scorer.scoreFile(
            file(t, windows(t, numWindows, windowSize)), new double[length], UNIT, 1.0);
    assertThat(s.score()).isEqualTo(4 * -UNIT.fnWeight());
    checkCounts(s, length - windowSize * numWindows, 0, 0, windowSize * numWindows);
    assertThat(s.missedWindows()).isEqualTo(4);
  }
}
