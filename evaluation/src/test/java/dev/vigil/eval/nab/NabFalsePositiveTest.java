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

/** NAB's {@code tests/integration/false_positive_test.py}, translated. */
class NabFalsePositiveTest {
  private final NabScorer scorer = new NabScorer(0.0);

  @Test
  void falsePositiveMeansNegativeScore() {
    int length = 1000;
    int windowSize = 10;
    List<LocalDateTime> t = timestamps(length);
    double[] scores = new double[length];
    scores[0] = 1;
    NabFileScore s = scorer.scoreFile(file(t, windows(t, 1, windowSize)), scores, UNIT, 0.5);
    assertThat(s.score()).isNegative();
    checkCounts(s, length - windowSize - 1, 0, 1, windowSize);
  }

  @Test
  void twoFalsePositivesAreWorseThanOne() {
    int length = 1000;
    int windowSize = 10;
    List<LocalDateTime> t = timestamps(length);
    NabDataFile f = file(t, windows(t, 1, windowSize));
    double[] scores = new double[length];
    scores[0] = 1;
    NabFileScore s1 = scorer.scoreFile(f, scores, UNIT, 0.5);
    scores[1] = 1;
    NabFileScore s2 = scorer.scoreFile(f, scores, UNIT, 0.5);
    assertThat(s2.score()).isLessThan(s1.score());
    checkCounts(s1, length - windowSize - 1, 0, 1, windowSize);
    checkCounts(s2, length - windowSize - 2, 0, 2, windowSize);
  }

  @Test
  void oneFalsePositiveWithoutWindowCostsExactlyFpWeight() {
    int length = 1000;
    List<LocalDateTime> t = timestamps(length);
    double[] scores = new double[length];
    scores[0] = 1;
    NabFileScore s = scorer.scoreFile(file(t, windows(t, 0, 10)), scores, UNIT, 0.5);
    assertThat(s.score()).isEqualTo(-UNIT.fpWeight());
    checkCounts(s, length - 1, 0, 1, 0);
  }

  @Test
  void earlierFalsePositiveAfterWindowCostsLess() {
    int length = 10;
    int windowSize = 2;
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w = windows(t, 1, windowSize);
    int index = t.indexOf(w.get(0).end()) + 1;
    double[] s1 = new double[length];
    s1[index] = 1;
    double[] s2 = new double[length];
    s2[index + 1] = 1;
    NabFileScore r1 = scorer.scoreFile(file(t, w), s1, UNIT, 0.5);
    NabFileScore r2 = scorer.scoreFile(file(t, w), s2, UNIT, 0.5);
    assertThat(r1.score()).isGreaterThan(r2.score());
    checkCounts(r1, length - windowSize - 1, 0, 1, windowSize);
    checkCounts(r2, length - windowSize - 1, 0, 1, windowSize);
  }
}
