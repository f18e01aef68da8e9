package dev.vigil.eval.nab;

import static dev.vigil.eval.nab.NabSweep.OUTSIDE;
import static dev.vigil.eval.nab.NabSweep.PROBATIONARY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * NAB's {@code tests/integration/sweeper_test.py}, {@code tests/unit/utils_test.py} and {@code
 * tests/unit/normalize_test.py}, translated, plus the values {@code scaledSigmoid}'s docstring
 * promises.
 */
class NabSweeperTest {
  @ParameterizedTest
  @CsvSource({
    "100, 0.0, 0", // 0% probationary --> length 0
    "100, 1.0, 100", // 100% --> length 100
    "100, 0.1, 10",
    "100, 0.15, 15",
    "5000, 0.1, 500",
    "6000, 0.1, 500", // the cap at 5000 rows works
    // utils_test.testGetProbationPeriod, NAB's 15 %:
    "1000, 0.15, 150",
    "4032, 0.15, 604",
    "5000, 0.15, 750",
    "15000, 0.15, 750",
  })
  void probationaryLength(int rows, double percent, int expected) {
    assertThat(new NabScorer(percent).probationLength(rows)).isEqualTo(expected);
  }

  @Test
  void scaledSigmoid_valuesOfNabsDocstring() {
    assertThat(NabScorer.scaledSigmoid(-1.0)).isCloseTo(0.98661, within(5e-6));
    assertThat(NabScorer.scaledSigmoid(-0.5)).isCloseTo(0.84828, within(5e-6));
    assertThat(NabScorer.scaledSigmoid(0.0)).isEqualTo(0.0);
    assertThat(NabScorer.scaledSigmoid(1.0)).isCloseTo(-0.98661, within(5e-6));
    assertThat(NabScorer.scaledSigmoid(3.0)).isCloseTo(-1.0, within(1e-6)).isGreaterThan(-1.0);
    assertThat(NabScorer.scaledSigmoid(3.0001)).isEqualTo(-1.0);
  }

  @Test
  void calcSweepScore_windowRowsPositiveAllOthersNegative() {
    // 100 rows, windows at rows 30..39 and 75..95, standard costs, 10 % probation.
    int numRows = 100;
    NabDataFile f =
        NabTestData.fileWithRowWindows(
            "TestDataSet", numRows, new int[] {30, 39}, new int[] {75, 95});
    NabProfile standard = new NabProfile("standard-like", 1.0, 0.11, 1.0, 1.0);
    NabScorer scorer = new NabScorer(0.1);
    double[] rowScores = scorer.rowScores(f, standard);
    assertThat(rowScores).hasSize(numRows);
    assertThat(scorer.probationLength(numRows)).isEqualTo(10);
    int inWindow = 0;
    for (int i = 0; i < numRows; i++) {
      boolean in = (i >= 30 && i <= 39) || (i >= 75 && i <= 95);
      if (in) {
        inWindow++;
        assertThat(rowScores[i]).as("row %d", i).isPositive();
      } else {
        assertThat(rowScores[i]).as("row %d", i).isNegative();
      }
    }
    assertThat(inWindow).isEqualTo((39 - 30 + 1) + (95 - 75 + 1));
    // The probationary rows are left out of the sweep.
    double[] ones = new double[numRows];
    Arrays.fill(ones, 1);
    List<NabThresholdScore> sweep =
        scorer.sweep(new NabCorpus(List.of(f)), Map.of(f.name(), ones), standard);
    assertThat(sweep.get(sweep.size() - 1).totalCount()).isEqualTo(numRows - 10);
  }

  @Test
  void prepAnomalyListForScoring_sortsByScoreDescendingStablyWithoutProbationaryRows() {
    double[] scores = {0.5, 0.5, 0.0, 0.1, 0.2, 0.5, 0.5, 0.0};
    int[] windows = {PROBATIONARY, PROBATIONARY, OUTSIDE, OUTSIDE, 0, 1, OUTSIDE, OUTSIDE};
    NabSweep sweep = new NabSweep(scores, windows, 0, scores.length);
    assertThat(sweep.sortedRows()).containsExactly(5, 6, 4, 3, 2, 7);
  }

  @Test
  void prepareScoreParts_oneMinusFnWeightPerScoredWindow() {
    double[] scores = {0.5, 0.5, 0.0, 0.2, 0.2, 0.5, 0.5};
    int[] windows = {PROBATIONARY, PROBATIONARY, OUTSIDE, 0, 0, 1, OUTSIDE};
    NabSweep sweep = new NabSweep(scores, windows, 0, scores.length);
    assertThat(sweep.windowCount()).isEqualTo(2);
    double fakeFnWeight = 33.0;
    NabThresholdScore nothingDetected =
        sweep.scoresByThreshold(new double[scores.length], fakeFnWeight).get(0);
    assertThat(nothingDetected.score()).isEqualTo(-2 * fakeFnWeight);
  }

  @Test
  void calcScoreByThreshold_returnsNabsExpectedScores() {
    double fnWeight = 5.0;
    double[] scores = {0.5, 0.5, 0.0, 0.2, 0.3, 0.5, 0.5};
    double[] sweepScores = {-1000, -1000, -3, 20, 10, 5, -3};
    int windowA = 0;
    int windowB = 1;
    int[] windows = {PROBATIONARY, PROBATIONARY, OUTSIDE, windowA, windowA, windowB, OUTSIDE};
    List<NabThresholdScore> actual =
        new NabSweep(scores, windows, 0, scores.length).scoresByThreshold(sweepScores, fnWeight);
    assertThat(actual)
        .containsExactly(
            // two windows, both false negatives at this threshold
            new NabThresholdScore(1.1, -2 * fnWeight, 0, 2, 0, 3),
            // both 0.5 rows detected, windowA still a false negative
            new NabThresholdScore(0.5, 5 - 3 - fnWeight, 1, 1, 1, 2),
            // both windows now have a true positive
            new NabThresholdScore(0.3, 5 - 3 + 10, 2, 1, 1, 1),
            // windowA gets a new maximum from row 3
            new NabThresholdScore(0.2, 5 - 3 + 20, 3, 1, 1, 0),
            new NabThresholdScore(0.0, 5 - 3 + 20 - 3, 3, 0, 2, 0));
    assertThat(actual).allSatisfy(t -> assertThat(t.totalCount()).isEqualTo(5));
  }

  @Test
  void scoreNormalization_nullMinus5FakePlus2PerfectFiveIs70() {
    // normalize_test.testScoreNormalization: null detector -5, detector 2, five labels of tpWeight
    // 1.
    assertThat(NabScorer.normalise(2.0, -5.0, 5 * 1.0)).isEqualTo(70.0);
    assertThat(NabScorer.normalise(-5.0, -5.0, 5.0)).isEqualTo(0.0);
    assertThat(NabScorer.normalise(5.0, -5.0, 5.0)).isEqualTo(100.0);
  }
}
