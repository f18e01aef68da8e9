package dev.vigil.eval.nab;

import static dev.vigil.eval.nab.NabTestData.UNIT;
import static dev.vigil.eval.nab.NabTestData.file;
import static dev.vigil.eval.nab.NabTestData.timestamps;
import static dev.vigil.eval.nab.NabTestData.windows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * NAB's {@code tests/integration/scorer_test.py}, translated: same synthetic inputs (5-minute rows,
 * windows from {@code generateWindows}, no probationary period, every cost 1 unless the test
 * changes it), same asserted scores and counts.
 */
class NabScorerCasesTest {
  private final NabScorer scorer = new NabScorer(0.0);

  /** NAB's {@code _checkCounts(scoreRow, tn, tp, fp, fn)}. */
  static void checkCounts(NabFileScore s, int tn, int tp, int fp, int fn) {
    assertThat(s.trueNegatives()).as("tn").isEqualTo(tn);
    assertThat(s.truePositives()).as("tp").isEqualTo(tp);
    assertThat(s.falsePositives()).as("fp").isEqualTo(fp);
    assertThat(s.falseNegatives()).as("fn").isEqualTo(fn);
  }

  @Test
  void nullCase_noWindowsNoDetectionsScoresZero() {
    int length = 10;
    NabDataFile f = file(timestamps(length), List.of());
    NabFileScore s = scorer.scoreFile(f, new double[length], UNIT, 0.5);
    assertThat(s.score()).isEqualTo(0.0);
    checkCounts(s, 10, 0, 0, 0);
  }

  @Test
  void falsePositiveScaling_randomDetectionsAverageAboutMinusHalfAWindow() {
    // fpWeight 0.11 = windowSize / length balances TPs against FPs; 10 random detections in 100
    // rows, one window of 10: the average score must lie in [-1.5, 0.5]. (NAB's test overwrites its
    // list of scores inside the loop and so averages the last run's per-row scores; this averages
    // the 20 file scores the test describes.)
    int length = 100;
    List<LocalDateTime> t = timestamps(length);
    NabDataFile f = file(t, windows(t, 1, 10));
    NabProfile costs = new NabProfile("scaled", 1.0, 0.11, 1.0, 1.0);
    Random random = new Random(20150922);
    double sum = 0;
    for (int run = 0; run < 20; run++) {
      double[] scores = new double[length];
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < length; i++) {
        rows.add(i);
      }
      Collections.shuffle(rows, random);
      for (int i = 0; i < 10; i++) {
        scores[rows.get(i)] = 1;
      }
      sum += scorer.scoreFile(f, scores, costs, 0.5).score();
    }
    assertThat(sum / 20).isBetween(-1.5, 0.5);
  }

  @Test
  void rewardLowFalseNegatives_missedWindowCostsTwiceAsMuch() {
    int length = 100;
    int numWindows = 1;
    int windowSize = 10;
    List<LocalDateTime> t = timestamps(length);
    NabDataFile f = file(t, windows(t, numWindows, windowSize));
    NabProfile costsFn = new NabProfile("fn", 1.0, 0.055, 1.0, 2.0);
    NabFileScore s1 = scorer.scoreFile(f, new double[length], UNIT, 0.5);
    NabFileScore s2 = scorer.scoreFile(f, new double[length], costsFn, 0.5);
    assertThat(s1.score()).isEqualTo(0.5 * s2.score());
    checkCounts(s1, length - windowSize * numWindows, 0, 0, windowSize * numWindows);
    checkCounts(s2, length - windowSize * numWindows, 0, 0, windowSize * numWindows);
  }

  @Test
  void rewardLowFalsePositives_falsePositiveCostsTwiceAsMuch() {
    int length = 100;
    NabDataFile f = file(timestamps(length), List.of());
    double[] scores = new double[length];
    scores[0] = 1; // FP
    NabProfile costsFp = new NabProfile("fp", 1.0, 2.0, 1.0, 0.5);
    NabFileScore s1 = scorer.scoreFile(f, scores, UNIT, 0.5);
    NabFileScore s2 = scorer.scoreFile(f, scores, costsFp, 0.5);
    assertThat(s1.score()).isEqualTo(0.5 * s2.score());
    checkCounts(s1, length - 1, 0, 1, 0);
    checkCounts(s2, length - 1, 0, 1, 0);
  }

  @Test
  void scoringAllMetrics_tpExtraTpAndFpScoreMinus0_9540() {
    int length = 100;
    int numWindows = 2;
    int windowSize = 5;
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w = windows(t, numWindows, windowSize);
    NabDataFile f = file(t, w);
    int index = t.indexOf(w.get(0).start());
    double[] scores = new double[length];
    scores[index] = 1; // TP
    scores[index + 1] = 1; // additional TP, adds nothing
    scores[index + 7] = 1; // FP, 3 rows after the window
    NabFileScore s = scorer.scoreFile(f, scores, UNIT, 0.5);
    // NAB: assertAlmostEqual(score, -0.9540, 4)
    assertThat(s.score()).isCloseTo(-0.9540, within(0.00005));
    checkCounts(s, length - windowSize * numWindows - 1, 2, 1, 8);
    // Independently: TP at the window's first row = 1, FP at y = 3/4, second window missed = -1.
    assertThat(s.score()).isCloseTo(1.0 + NabTestData.scaled(3.0 / 4.0) - 1.0, within(1e-12));
    assertThat(s.detectedWindows()).isEqualTo(1);
    assertThat(s.missedWindows()).isEqualTo(1);
  }
}
