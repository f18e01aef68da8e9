package dev.vigil.eval.nab;

import static dev.vigil.eval.nab.NabTestData.scaled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer end to end on a small synthetic corpus, with the expected values worked out from NAB's
 * formulas in the test: threshold optimisation and its ties, probation, counts, baselines and
 * normalisation, and the cases where NAB itself has no answer.
 */
class NabScorerTest {
  // Two files of 100 rows (probation: the first 15). a.csv has one window, rows 40..49.
  private final NabDataFile a =
      NabTestData.fileWithRowWindows("cat/a.csv", 100, new int[] {40, 49});
  private final NabDataFile b = NabTestData.fileWithRowWindows("cat/b.csv", 100);
  private final NabCorpus corpus = new NabCorpus(List.of(b, a));

  /**
   * TP weight at row {@code i} of a window {@code [first, last]}: sigma(-(last-i+1)/w)/sigma(-1).
   */
  private static double tp(int i, int first, int last) {
    return scaled(-(last - i + 1) / (double) (last - first + 1)) / scaled(-1.0);
  }

  private Map<String, double[]> detector() {
    double[] sa = new double[100];
    sa[42] = 0.9; // TP, 3rd row of the window
    sa[45] = 0.8; // a later TP in the same window: adds nothing
    sa[60] = 0.6; // FP 11 rows after the window
    sa[20] = 0.3; // FP before the first window
    sa[5] = 0.95; // probationary: never scored
    double[] sb = new double[100];
    sb[50] = 0.7; // FP in a file without windows
    sb[10] = 1.0; // probationary
    return Map.of("cat/a.csv", sa, "cat/b.csv", sb);
  }

  @Test
  void sweepListsEveryScoredThresholdAndTheBestIsTheHighestOfTies() {
    NabProfile p = NabProfile.STANDARD;
    List<NabThresholdScore> sweep = new NabScorer().sweep(corpus, detector(), p);
    // Probationary scores (1.0, 0.95) are no candidates; 1.1 is NAB's "nothing detected".
    assertThat(sweep)
        .extracting(NabThresholdScore::threshold)
        .containsExactly(1.1, 0.9, 0.8, 0.7, 0.6, 0.3, 0.0);
    double x = tp(42, 40, 49);
    assertThat(sweep.get(0).score()).isEqualTo(-1.0);
    assertThat(sweep.get(1).score()).isCloseTo(x, within(1e-12));
    assertThat(sweep.get(2).score()).isEqualTo(sweep.get(1).score()); // the tie
    assertThat(sweep.get(3).score()).isCloseTo(x - 0.11, within(1e-12));
    assertThat(sweep.get(4).score()).isCloseTo(x - 0.11 + 0.11 * scaled(11.0 / 9), within(1e-12));
    assertThat(sweep.get(5).score())
        .isCloseTo(x - 0.11 + 0.11 * scaled(11.0 / 9) - 0.11, within(1e-12));
    assertThat(sweep.get(6).totalCount()).isEqualTo(170);
    assertThat(sweep.get(6).truePositives()).isEqualTo(10);
    assertThat(sweep.get(6).falsePositives()).isEqualTo(160);

    NabProfileReport r = new NabScorer().evaluate(corpus, detector(), p);
    assertThat(r.threshold()).isEqualTo(0.9); // 0.9 and 0.8 tie: the first (higher) wins, as in NAB
    assertThat(r.rawScore()).isCloseTo(x, within(1e-12));
    assertThat(r.nullScore()).isEqualTo(-1.0);
    assertThat(r.perfectScore()).isEqualTo(1.0);
    assertThat(r.normalisedScore()).isCloseTo(100 * (x + 1) / 2, within(1e-10));
    assertThat(r.files()).extracting(NabFileScore::file).containsExactly("cat/a.csv", "cat/b.csv");
    NabFileScore fa = r.file("cat/a.csv");
    assertThat(fa.score()).isCloseTo(x, within(1e-12));
    assertThat(List.of(fa.truePositives(), fa.trueNegatives(), fa.falsePositives()))
        .containsExactly(1, 75, 0);
    assertThat(fa.falseNegatives()).isEqualTo(9);
    assertThat(fa.detectedWindows()).isEqualTo(1);
    assertThat(fa.missedWindows()).isZero();
    NabFileScore fb = r.file("cat/b.csv");
    assertThat(fb.score()).isEqualTo(0.0);
    assertThat(fb.trueNegatives()).isEqualTo(85);
    assertThat(fb.totalCount()).isEqualTo(85);
    assertThat(r.truePositives()).isEqualTo(1);
    assertThat(r.falseNegatives()).isEqualTo(9);
    assertThat(r.trueNegatives()).isEqualTo(160);
    assertThat(r.falsePositives()).isZero();
  }

  @Test
  void threeProfilesNormaliseAgainstTheirOwnBaselines() {
    NabReport report = NabScorer.score(corpus, detector());
    assertThat(report.profiles().keySet())
        .containsExactly("standard", "reward_low_FP_rate", "reward_low_FN_rate");
    double x = tp(42, 40, 49);
    NabProfileReport fn = report.profile(NabProfile.REWARD_LOW_FN_RATE);
    assertThat(fn.threshold()).isEqualTo(0.9);
    assertThat(fn.nullScore()).isEqualTo(-2.0);
    assertThat(fn.normalisedScore()).isCloseTo(100 * (x + 2) / 3, within(1e-10));
    NabProfileReport fp = report.profile("reward_low_FP_rate");
    assertThat(fp.threshold()).isEqualTo(0.9);
    assertThat(fp.normalisedScore()).isCloseTo(100 * (x + 1) / 2, within(1e-10));
    // At a fixed lower threshold the FP costs differ by profile: 0.11 versus 0.22 per FP.
    NabScorer s = new NabScorer();
    double std = s.scoreAtThreshold(corpus, detector(), NabProfile.STANDARD, 0.3).rawScore();
    double lowFp =
        s.scoreAtThreshold(corpus, detector(), NabProfile.REWARD_LOW_FP_RATE, 0.3).rawScore();
    double fpSum = -1 + scaled(11.0 / 9) - 1; // b50, a60, a20
    assertThat(std).isCloseTo(x + 0.11 * fpSum, within(1e-12));
    assertThat(lowFp).isCloseTo(x + 0.22 * fpSum, within(1e-12));
  }

  @Test
  void scoreResultsDirReadsNabsLayoutAndAgreesWithScore(@TempDir Path dir) throws IOException {
    NabTestData.writeCorpus(dir.resolve("nab"), corpus.files());
    NabTestData.writeResults(dir.resolve("results"), "mine", corpus, detector());
    NabReport fromFiles =
        NabScorer.scoreResultsDir(dir.resolve("nab"), dir.resolve("results"), "mine");
    assertThat(fromFiles).isEqualTo(NabScorer.score(corpus, detector()));
  }

  @Test
  void rowScoresAreNabsSColumn() {
    double[] s = new NabScorer().rowScores(a, NabProfile.STANDARD);
    assertThat(s[40]).isCloseTo(1.0, within(1e-15)); // first row of the window: exactly A_TP
    assertThat(s[42]).isCloseTo(tp(42, 40, 49), within(1e-12));
    assertThat(s[49]).isCloseTo(tp(49, 40, 49), within(1e-12)).isPositive();
    assertThat(s[50]).isCloseTo(0.11 * scaled(1.0 / 9), within(1e-12)).isNegative();
    assertThat(s[49 + 3 * 9]).isCloseTo(0.11 * scaled(3.0), within(1e-12));
    assertThat(s[49 + 3 * 9 + 1]).isEqualTo(-0.11); // beyond 3 window widths: exactly -A_FP
    assertThat(s[20]).isEqualTo(-0.11); // before the first window
    assertThat(s[5]).isEqualTo(-0.11); // probationary rows get a value too
  }

  @Test
  void windowsInOrAcrossTheProbationaryPeriod() {
    // Window 0 lies wholly in the probation (rows 0..14), window 1 straddles it.
    NabDataFile f =
        NabTestData.fileWithRowWindows("c.csv", 100, new int[] {2, 5}, new int[] {10, 20});
    NabCorpus c = new NabCorpus(List.of(f));
    double[] s = new double[100];
    s[3] = 1; // in window 0, probationary: ignored
    s[12] = 1; // in window 1 but probationary: ignored
    s[16] = 1; // in window 1, scored: a TP at y = -(20-16+1)/11
    NabProfileReport r =
        new NabScorer().scoreAtThreshold(c, Map.of("c.csv", s), NabProfile.STANDARD, 0.5);
    NabFileScore fs = r.file("c.csv");
    assertThat(fs.score()).isCloseTo(tp(16, 10, 20), within(1e-12));
    assertThat(fs.truePositives()).isEqualTo(1);
    assertThat(fs.falseNegatives()).isEqualTo(5); // rows 15..20 less the detected one
    assertThat(fs.detectedWindows() + fs.missedWindows()).isEqualTo(1); // window 0 is not scored
    assertThat(r.nullScore()).isEqualTo(-1.0); // only the scored window costs A_FN
    assertThat(r.perfectScore()).isEqualTo(2.0); // NAB counts every window of the labels
  }

  @Test
  void thresholdBelowEveryScoreDetectsEverything() {
    // NAB's scoreDataSet finds no matching sweep row here and fails; every row is a detection.
    double[] s = new double[100];
    Arrays.fill(s, 0.5);
    NabFileScore fs = new NabScorer().scoreFile(a, s, NabProfile.STANDARD, 0.2);
    assertThat(fs.truePositives()).isEqualTo(10);
    assertThat(fs.falsePositives()).isEqualTo(75);
    assertThat(fs.trueNegatives() + fs.falseNegatives()).isZero();
    assertThat(new NabScorer().scoreFile(a, s, NabProfile.STANDARD, 0.5).truePositives())
        .isEqualTo(10);
    assertThat(new NabScorer().scoreFile(a, s, NabProfile.STANDARD, 0.50001).truePositives())
        .isZero();
  }

  @Test
  void scoresAboveNabsStartThresholdStillLeaveANothingDetectedChoice() {
    double[] sb = new double[100];
    sb[50] = 2.0; // an FP scored above NAB's 1.1
    Map<String, double[]> scores = Map.of("cat/a.csv", new double[100], "cat/b.csv", sb);
    List<NabThresholdScore> sweep = new NabScorer().sweep(corpus, scores, NabProfile.STANDARD);
    assertThat(sweep.get(0).threshold()).isEqualTo(Math.nextUp(2.0));
    assertThat(sweep.get(0).falsePositives()).isZero();
    assertThat(sweep.get(1).threshold()).isEqualTo(2.0);
    assertThat(sweep.get(1).falsePositives()).isEqualTo(1);
    NabProfileReport r = new NabScorer().evaluate(corpus, scores, NabProfile.STANDARD);
    assertThat(r.threshold()).isEqualTo(Math.nextUp(2.0));
    assertThat(r.falsePositives()).isZero();
    assertThat(r.normalisedScore()).isEqualTo(0.0);
  }

  @Test
  void oneRowWindowScoresRowsAfterItAsFarAway() {
    // NAB divides by (width - 1) = 0 here and fails; the rows after sit infinitely far: -A_FP.
    NabDataFile f = NabTestData.fileWithRowWindows("one.csv", 30, new int[] {20, 20});
    double[] s = new NabScorer(0).rowScores(f, NabProfile.STANDARD);
    assertThat(s[20]).isCloseTo(1.0, within(1e-15));
    assertThat(s[21]).isEqualTo(-0.11);
    assertThat(s[29]).isEqualTo(-0.11);
  }

  @Test
  void scoresThatDoNotFitTheCorpusAreRefused() {
    NabScorer s = new NabScorer();
    Map<String, double[]> missing = Map.of("cat/a.csv", new double[100]);
    assertThatThrownBy(() -> NabScorer.score(corpus, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no anomaly scores for corpus file cat/b.csv");
    Map<String, double[]> extra = new HashMap<>(detector());
    extra.put("cat/z.csv", new double[3]);
    assertThatThrownBy(() -> NabScorer.score(corpus, extra))
        .hasMessageContaining("cat/z.csv, which is not a file of the corpus");
    Map<String, double[]> shortA =
        Map.of("cat/a.csv", new double[99], "cat/b.csv", new double[100]);
    assertThatThrownBy(() -> NabScorer.score(corpus, shortA))
        .hasMessageContaining("cat/a.csv: 99 anomaly scores for 100 rows");
    double[] nan = new double[100];
    nan[7] = Double.NaN;
    Map<String, double[]> withNan = Map.of("cat/a.csv", nan, "cat/b.csv", new double[100]);
    assertThatThrownBy(() -> NabScorer.score(corpus, withNan))
        .hasMessageContaining("cat/a.csv: anomaly score of row 7 is not finite: NaN");
    assertThatThrownBy(
            () -> s.evaluate(corpus, detector(), List.of(NabProfile.STANDARD, NabProfile.STANDARD)))
        .hasMessageContaining("profile standard given twice");
    assertThatThrownBy(() -> new NabScorer(1.5)).hasMessageContaining("probationPercent");
    assertThatThrownBy(() -> new NabProfile("x", 1, Double.NaN, 1, 1))
        .hasMessageContaining("fpWeight must be finite and not negative");
    assertThatThrownBy(() -> NabProfile.named("lenient")).hasMessageContaining("no NAB profile");
    assertThat(NabProfile.named("reward_low_FN_rate")).isSameAs(NabProfile.REWARD_LOW_FN_RATE);
  }

  @Test
  void corpusWithoutWindowsHasNoNormalisedScore() {
    NabCorpus none = new NabCorpus(List.of(b));
    NabProfileReport r =
        NabScorer.score(none, Map.of("cat/b.csv", new double[100])).profile("standard");
    assertThat(r.rawScore()).isEqualTo(0.0);
    assertThat(r.normalisedScore()).isNaN();
  }
}
