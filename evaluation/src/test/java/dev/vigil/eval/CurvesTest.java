package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.train.Roc;
import java.util.Arrays;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class CurvesTest {
  private static final Offset<Double> EPS = Offset.offset(1e-12);
  private static final double T = 1 / 3.0;

  // Attacks at 0.9, 0.7 and 0.6; normal rows at 0.8, 0.5 and 0.4.
  private static final double[] S = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
  private static final boolean[] Y = {true, false, true, true, false, false};

  @Test
  void roc_byHand() {
    double[][] roc = Curves.roc(S, Y);
    // From the top: +TP, +FP, +TP, +TP, +FP, +FP, in thirds.
    assertThat(roc[0]).containsExactly(new double[] {0, 0, T, T, T, 2 * T, 1}, EPS);
    assertThat(roc[1]).containsExactly(new double[] {0, T, T, 2 * T, 1, 1, 1}, EPS);
    // Pairs won: 0.9 beats 3 normals, 0.7 and 0.6 beat 2 each: 7 of 9.
    assertThat(trapezoid(roc)).isCloseTo(7 / 9.0, EPS);
    assertThat(Roc.auc(S, Y)).isCloseTo(7 / 9.0, EPS);
  }

  @Test
  void pr_andAveragePrecision_byHand() {
    double[][] pr = Curves.pr(S, Y);
    assertThat(pr[0]).containsExactly(new double[] {T, T, 2 * T, 1, 1, 1}, EPS);
    assertThat(pr[1])
        .containsExactly(new double[] {1, 1 / 2.0, 2 / 3.0, 3 / 4.0, 3 / 5.0, 1 / 2.0}, EPS);
    // Recall rises at 0.9 (P = 1/1), 0.7 (P = 2/3) and 0.6 (P = 3/4), a third each time:
    // AP = (1 + 2/3 + 3/4) / 3 = 29/36.
    assertThat(Curves.averagePrecision(S, Y)).isCloseTo(29 / 36.0, EPS);
  }

  @Test
  void bestF1Threshold_byHand() {
    // F1 = 2tp / (2tp + fp + fn) at each score, from the top:
    // 0.9: 2/4, 0.8: 2/5, 0.7: 4/6, 0.6: 6/7, 0.5: 6/8, 0.4: 6/9. Best at 0.6.
    assertThat(Curves.bestF1Threshold(S, Y)).isEqualTo(0.6);
    assertThat(Confusion.at(S, Y, 0.6).f1()).isCloseTo(6 / 7.0, EPS);
  }

  @Test
  void bestF1Threshold_prefersFewerAlertsAndHandlesNoPositives() {
    // 0.9: tp 1, fp 0, fn 1 -> 2/3; 0.5: tp 2, fp 2, fn 0 -> 4/6. Equal: keep the higher.
    double[] s = {0.9, 0.5, 0.5, 0.5};
    boolean[] y = {true, true, false, false};
    assertThat(Curves.bestF1Threshold(s, y)).isEqualTo(0.9);
    assertThat(Curves.bestF1Threshold(new double[] {1, 2}, new boolean[] {false, false}))
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(Curves.bestF1Threshold(new double[] {Double.NaN}, new boolean[] {true}))
        .isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void ties_areOneStep() {
    // Attacks 0.8 and 0.5; normal rows 0.5, 0.5, 0.2. Thresholds 0.8 (tp 1, fp 0),
    // 0.5 (tp 2, fp 2), 0.2 (tp 2, fp 3).
    double[] s = {0.8, 0.5, 0.5, 0.5, 0.2};
    boolean[] y = {true, true, false, false, false};
    double[][] roc = Curves.roc(s, y);
    assertThat(roc[0]).containsExactly(new double[] {0, 0, 2 / 3.0, 1}, EPS);
    assertThat(roc[1]).containsExactly(new double[] {0, 0.5, 1, 1}, EPS);
    // 0.8 beats 3 normals; 0.5 ties 2 (half each) and beats 0.2: (3 + 1 + 1) / 6.
    assertThat(Roc.auc(s, y)).isCloseTo(5 / 6.0, EPS);
    assertThat(trapezoid(roc)).isCloseTo(5 / 6.0, EPS);
    // AP = 1/2 * 1/1 + 1/2 * 2/4 = 0.75 (scikit-learn gives the same for these ties).
    assertThat(Curves.averagePrecision(s, y)).isCloseTo(0.75, EPS);
    assertThat(Curves.pr(s, y)[0]).hasSize(3);
  }

  @Test
  void signedZerosAreOneScore() {
    double[] s = {0.0, -0.0, 1.0};
    boolean[] y = {true, false, false};
    assertThat(Curves.roc(s, y)[0]).hasSize(3);
    assertThat(Roc.auc(s, y)).isCloseTo(0.25, EPS); // vs 1.0 loses, vs -0.0 ties
  }

  @Test
  void perfectAndInverted() {
    double[] s = {0.1, 0.2, 0.3, 0.8, 0.9};
    boolean[] y = {false, false, false, true, true};
    assertThat(trapezoid(Curves.roc(s, y))).isEqualTo(1.0);
    assertThat(Curves.averagePrecision(s, y)).isEqualTo(1.0);
    assertThat(Curves.bestF1Threshold(s, y)).isEqualTo(0.8);
    BinaryMetrics m = BinaryMetrics.of(s, y, 0.5);
    assertThat(m.rocAuc()).isEqualTo(1.0);
    assertThat(m.prAuc()).isEqualTo(1.0);
    assertThat(m.confusion()).isEqualTo(new Confusion(2, 0, 3, 0));

    double[] inv = Arrays.stream(s).map(v -> -v).toArray();
    assertThat(trapezoid(Curves.roc(inv, y))).isEqualTo(0.0);
    assertThat(BinaryMetrics.of(inv, y, 0).rocAuc()).isEqualTo(0.0);
    // Both attacks come last: P = 1/4 then 2/5, AP = (1/4 + 2/5) / 2 = 0.325.
    assertThat(Curves.averagePrecision(inv, y)).isCloseTo(0.325, EPS);
  }

  @Test
  void nan_ranksLowestAndTies() {
    // Attacks 0.9 and NaN; normal rows 0.3 and NaN. Steps: 0.9 (1, 0), 0.3 (1, 1), NaN (2, 2).
    double[] s = {0.9, Double.NaN, 0.3, Double.NaN};
    boolean[] y = {true, true, false, false};
    double[][] roc = Curves.roc(s, y);
    assertThat(roc[0]).containsExactly(new double[] {0, 0, 0.5, 1}, EPS);
    assertThat(roc[1]).containsExactly(new double[] {0, 0.5, 0.5, 1}, EPS);
    // 0.9 beats both normals; NaN loses to 0.3 and ties NaN: (2 + 0 + 0.5) / 4.
    assertThat(Roc.auc(s, y)).isCloseTo(0.625, EPS);
    assertThat(trapezoid(roc)).isCloseTo(0.625, EPS);
    // AP = 1/2 * 1/1 + 1/2 * 2/4 = 0.75.
    assertThat(Curves.averagePrecision(s, y)).isCloseTo(0.75, EPS);
    assertThat(Curves.pr(s, y)[1]).containsExactly(new double[] {1, 0.5, 0.5}, EPS);
    assertThat(Curves.bestF1Threshold(s, y)).isEqualTo(0.9);
    BinaryMetrics m = BinaryMetrics.of(s, y, 0.0);
    assertThat(m.confusion()).isEqualTo(new Confusion(1, 1, 1, 1));
    assertThat(m.rocAuc()).isCloseTo(0.625, EPS);

    // A method that scored nothing: chance ROC, AP = base rate.
    double[] none = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    assertThat(Roc.auc(none, y)).isEqualTo(0.5);
    BinaryMetrics blind = BinaryMetrics.of(none, y, 0.5);
    assertThat(blind.rocAuc()).isEqualTo(0.5);
    assertThat(blind.prAuc()).isEqualTo(0.5);
    assertThat(blind.confusion()).isEqualTo(new Confusion(0, 0, 2, 2));
    assertThat(Curves.roc(none, y)[0]).containsExactly(0.0, 1.0);
  }

  @Test
  void singleClass_curvesThrowMetricsGiveNan() {
    double[] s = {0.1, 0.2};
    boolean[] neg = {false, false};
    boolean[] pos = {true, true};
    assertThatThrownBy(() -> Curves.roc(s, neg)).hasMessageContaining("both positives");
    assertThatThrownBy(() -> Curves.roc(s, pos)).hasMessageContaining("both positives");
    assertThatThrownBy(() -> Curves.pr(s, neg)).hasMessageContaining("positive");
    assertThatThrownBy(() -> Curves.averagePrecision(s, neg)).hasMessageContaining("positive");
    BinaryMetrics m = BinaryMetrics.of(s, neg, 0.15);
    assertThat(m.rocAuc()).isNaN();
    assertThat(m.prAuc()).isNaN();
    assertThat(m.confusion()).isEqualTo(new Confusion(0, 1, 1, 0));
    BinaryMetrics onlyAttacks = BinaryMetrics.of(s, pos, 0.15);
    assertThat(onlyAttacks.rocAuc()).isNaN();
    assertThat(onlyAttacks.prAuc()).isEqualTo(1.0);
    assertThat(BinaryMetrics.of(new double[0], new boolean[0], 0).confusion().total()).isZero();
  }

  @Test
  void randomData_agreesWithRocAucAndBruteForce() {
    Random r = new Random(20240611);
    for (int round = 0; round < 40; round++) {
      int n = 20 + r.nextInt(400);
      double[] s = new double[n];
      boolean[] y = new boolean[n];
      boolean withNan = round % 3 == 0;
      for (int i = 0; i < n; i++) {
        y[i] = r.nextDouble() < 0.3;
        double v = r.nextGaussian() + (y[i] ? 0.8 : 0);
        s[i] = round % 2 == 0 ? Math.round(v * 4) / 4.0 : v; // every other round: many ties
        if (withNan && r.nextDouble() < 0.1) {
          s[i] = Double.NaN;
        }
      }
      y[0] = true;
      y[1] = false;
      double[][] roc = Curves.roc(s, y);
      assertThat(trapezoid(roc)).isCloseTo(Roc.auc(s, y), Offset.offset(1e-9));
      assertThat(BinaryMetrics.of(s, y, 0).rocAuc()).isCloseTo(Roc.auc(s, y), Offset.offset(1e-9));
      for (int k = 1; k < roc[0].length; k++) {
        assertThat(roc[0][k]).isGreaterThanOrEqualTo(roc[0][k - 1]);
        assertThat(roc[1][k]).isGreaterThanOrEqualTo(roc[1][k - 1]);
      }
      assertThat(roc[0][0]).isZero();
      assertThat(roc[1][0]).isZero();
      assertThat(roc[0][roc[0].length - 1]).isEqualTo(1.0);
      assertThat(roc[1][roc[1].length - 1]).isEqualTo(1.0);
      long distinct = Arrays.stream(s).map(v -> v == 0 ? 0 : v).distinct().count();
      assertThat(roc[0]).hasSize((int) distinct + 1);
      assertThat(Curves.pr(s, y)[0]).hasSize((int) distinct);
      if (!withNan) {
        // Average precision and best F1 straight from the definitions, via Confusion.at.
        double[] thresholds = Arrays.stream(s).distinct().sorted().toArray();
        double ap = 0;
        double prevRecall = 0;
        double bestF1 = -1;
        for (int k = thresholds.length - 1; k >= 0; k--) {
          Confusion c = Confusion.at(s, y, thresholds[k]);
          ap += (c.recall() - prevRecall) * c.precision();
          prevRecall = c.recall();
          bestF1 = Math.max(bestF1, c.f1());
        }
        assertThat(Curves.averagePrecision(s, y)).isCloseTo(ap, Offset.offset(1e-9));
        double t = Curves.bestF1Threshold(s, y);
        assertThat(Confusion.at(s, y, t).f1()).isCloseTo(bestF1, Offset.offset(1e-12));
      }
    }
  }

  @Test
  void downsample_keepsEndpointsAndShape() {
    Random r = new Random(7);
    int n = 20000;
    double[] s = new double[n];
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextDouble() < 0.2;
      s[i] = r.nextGaussian() + (y[i] ? 1.5 : 0);
    }
    double[][] roc = Curves.roc(s, y);
    for (int max : new int[] {2, 3, 10, 200}) {
      double[][] d = Curves.downsample(roc, max);
      assertThat(d[0]).hasSameSizeAs(d[1]);
      assertThat(d[0].length).isLessThanOrEqualTo(max).isGreaterThanOrEqualTo(2);
      assertThat(d[0][0]).isEqualTo(roc[0][0]);
      assertThat(d[1][0]).isEqualTo(roc[1][0]);
      assertThat(d[0][d[0].length - 1]).isEqualTo(1.0);
      assertThat(d[1][d[1].length - 1]).isEqualTo(1.0);
      for (int k = 1; k < d[0].length; k++) { // a subsequence: still monotone
        assertThat(d[0][k]).isGreaterThanOrEqualTo(d[0][k - 1]);
        assertThat(d[1][k]).isGreaterThanOrEqualTo(d[1][k - 1]);
      }
    }
    double[][] d200 = Curves.downsample(roc, 200);
    assertThat(d200[0]).hasSize(200);
    assertThat(trapezoid(d200)).isCloseTo(trapezoid(roc), Offset.offset(2e-3));

    // Straight runs collapse; short curves come back unchanged (as copies).
    double[] line = new double[100];
    Arrays.setAll(line, i -> i / 99.0);
    assertThat(Curves.downsample(new double[][] {line, line}, 10)[0]).containsExactly(0.0, 1.0);
    double[][] small = {{0, 0.5, 1}, {0, 0.9, 1}};
    double[][] same = Curves.downsample(small, 3);
    assertThat(same[1]).containsExactly(0, 0.9, 1).isNotSameAs(small[1]);
    // A corner is the first point kept.
    assertThat(Curves.downsample(new double[][] {{0, 0.1, 0.2, 0.6, 1}, {0, 0.5, 0.9, 1, 1}}, 3))
        .isDeepEqualTo(new double[][] {{0, 0.2, 1}, {0, 0.9, 1}});
    assertThatThrownBy(() -> Curves.downsample(small, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static double trapezoid(double[][] c) {
    double a = 0;
    for (int k = 1; k < c[0].length; k++) {
      a += (c[0][k] - c[0][k - 1]) * (c[1][k] + c[1][k - 1]) / 2;
    }
    return a;
  }
}
