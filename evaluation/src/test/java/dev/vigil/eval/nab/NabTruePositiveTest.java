package dev.vigil.eval.nab;

import static dev.vigil.eval.nab.NabScorerCasesTest.checkCounts;
import static dev.vigil.eval.nab.NabTestData.UNIT;
import static dev.vigil.eval.nab.NabTestData.file;
import static dev.vigil.eval.nab.NabTestData.timestamps;
import static dev.vigil.eval.nab.NabTestData.windows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NAB's {@code tests/integration/true_positive_test.py}, translated. */
class NabTruePositiveTest {
  private final NabScorer scorer = new NabScorer(0.0);

  @Test
  void firstTruePositiveWithinWindow_scoresExactlyTpWeight() {
    int length = 10;
    int windowSize = 2;
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w = windows(t, 1, windowSize);
    double[] scores = new double[length];
    scores[t.indexOf(w.get(0).start())] = 1.0;
    NabFileScore s = scorer.scoreFile(file(t, w), scores, UNIT, 0.5);
    assertThat(s.score()).isEqualTo(UNIT.tpWeight());
    checkCounts(s, length - windowSize, 1, 0, windowSize - 1);
  }

  @Test
  void earlierTruePositiveIsBetter() {
    int length = 10;
    int windowSize = 2;
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w = windows(t, 1, windowSize);
    double[] first = new double[length];
    first[t.indexOf(w.get(0).start())] = 1;
    double[] last = new double[length];
    last[t.indexOf(w.get(0).end())] = 1;
    NabFileScore s1 = scorer.scoreFile(file(t, w), first, UNIT, 0.5);
    NabFileScore s2 = scorer.scoreFile(file(t, w), last, UNIT, 0.5);
    assertThat(s1.score()).isGreaterThan(s2.score());
    checkCounts(s1, length - windowSize, 1, 0, windowSize - 1);
    checkCounts(s2, length - windowSize, 1, 0, windowSize - 1);
  }

  @Test
  void onlyFirstTruePositiveWithinWindowIsScored() {
    int length = 10;
    int windowSize = 2;
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w = windows(t, 1, windowSize);
    double[] scores = new double[length];
    scores[t.indexOf(w.get(0).start())] = 1;
    NabFileScore s1 = scorer.scoreFile(file(t, w), scores, UNIT, 0.5);
    scores[t.indexOf(w.get(0).end())] = 1;
    NabFileScore s2 = scorer.scoreFile(file(t, w), scores, UNIT, 0.5);
    assertThat(s1.score()).isEqualTo(s2.score());
    checkCounts(s1, length - windowSize, 1, 0, windowSize - 1);
    checkCounts(s2, length - windowSize, 2, 0, windowSize - 2);
  }

  @Test
  void truePositivesAtLeftEdgeScoreTheSameWhateverTheWindowWidth() {
    int length = 10;
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w1 = windows(t, 1, 2);
    List<NabWindow> w2 = windows(t, 1, 3); // round(3.5) = 4 in Python 3: rows 4..6
    assertThat(t.indexOf(w2.get(0).start())).isEqualTo(4);
    double[] s1 = new double[length];
    s1[t.indexOf(w1.get(0).start())] = 1;
    double[] s2 = new double[length];
    s2[t.indexOf(w2.get(0).start())] = 1;
    NabFileScore r1 = scorer.scoreFile(file(t, w1), s1, UNIT, 0.5);
    NabFileScore r2 = scorer.scoreFile(file(t, w2), s2, UNIT, 0.5);
    assertThat(r1.score()).isEqualTo(r2.score());
    checkCounts(r1, length - 2, 1, 0, 1);
    checkCounts(r2, length - 3, 1, 0, 2);
  }

  @Test
  void truePositiveAtRightEdgeAndFalsePositiveJustAfterCancel() {
    int length = 1000;
    int windowSize = 100;
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w = windows(t, 1, windowSize);
    int index = t.indexOf(w.get(0).end());
    double[] scores = new double[length];
    scores[index] = 1; // TP at the window's last row
    NabFileScore s1 = scorer.scoreFile(file(t, w), scores, UNIT, 0.5);
    scores[index] = 0;
    scores[index + 1] = 1; // FP just after the window
    NabFileScore s2 = scorer.scoreFile(file(t, w), scores, UNIT, 0.5);
    // NAB: assertAlmostEqual(score1 + score2 + 1, 0.0, 3); the 1 offsets the FN of the second.
    assertThat(s1.score() + s2.score() + 1).isCloseTo(0.0, within(0.0005));
    checkCounts(s1, length - windowSize, 1, 0, windowSize - 1);
    checkCounts(s2, length - windowSize - 1, 0, 1, windowSize);
  }
}
