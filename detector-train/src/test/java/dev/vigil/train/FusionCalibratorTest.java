package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.fusion.TailQuantile;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FusionCalibratorTest {
  /** Normal rows: RE ~ Exp(1) · 0.01, PE ~ Exp(1) · 5 (other units), IF ~ N(0.4, 0.02). */
  private static double[][] normal(int n, long seed) {
    Random r = new Random(seed);
    double[][] rows = new double[n][];
    for (int i = 0; i < n; i++) {
      rows[i] =
          new double[] {
            -Math.log(1 - r.nextDouble()) * 0.01,
            -Math.log(1 - r.nextDouble()) * 5,
            0.4 + 0.02 * r.nextGaussian()
          };
    }
    return rows;
  }

  @Test
  void thresholdHoldsTheTargetFalsePositiveRateOnFreshNormalData() {
    Fusion f = FusionCalibrator.calibrate(normal(20_000, 1), Fusion.DEFAULT_WEIGHTS, 0.01);
    double[] fresh = FusionCalibrator.fused(f, normal(50_000, 2));
    long above = java.util.Arrays.stream(fresh).filter(s -> s >= f.threshold()).count();
    assertThat(above / 50_000.0).isCloseTo(0.01, within(0.002));
    assertThat(f.severityCuts()[0]).isEqualTo(f.threshold());
    long medium = java.util.Arrays.stream(fresh).filter(s -> s >= f.severityCuts()[1]).count();
    assertThat(medium / 50_000.0).isCloseTo(0.001, within(0.0006));
    double[] cuts = f.severityCuts();
    assertThat(cuts[1]).isGreaterThan(cuts[0]);
    assertThat(cuts[2]).isGreaterThan(cuts[1]);
    assertThat(cuts[3]).isGreaterThan(cuts[2]);
    assertThat(f.severity(cuts[0] - 1e-9)).isEqualTo(Severity.NONE);
    assertThat(f.severity(cuts[0])).isEqualTo(Severity.LOW);
    assertThat(f.severity(cuts[2] + 1e-9)).isEqualTo(Severity.HIGH);
    assertThat(f.severity(cuts[3] * 10)).isEqualTo(Severity.CRITICAL);
  }

  @Test
  void normalisationPutsComponentsOnOneScale() {
    Fusion f = FusionCalibrator.calibrate(normal(20_000, 1), Fusion.DEFAULT_WEIGHTS, 0.01);
    // the normal median maps to 0 and the 99th percentile to 1 for each component
    assertThat(f.normalise(Component.RECONSTRUCTION, 0.01 * Math.log(2)))
        .isCloseTo(0, within(0.02));
    assertThat(f.normalise(Component.RECONSTRUCTION, 0.01 * Math.log(100)))
        .isCloseTo(1, within(0.05));
    assertThat(f.normalise(Component.PREDICTION, 5 * Math.log(100))).isCloseTo(1, within(0.05));
    assertThat(f.normalise(Component.ISOLATION, 0.4 + 0.02 * 2.326)).isCloseTo(1, within(0.05));
  }

  @Test
  void missingPredictionReweightsTheOtherComponents() {
    Fusion f = FusionCalibrator.calibrate(normal(1000, 1), new double[] {2, 1, 1}, 0.01);
    assertThat(f.weights()).containsExactly(0.5, 0.25, 0.25);
    assertThat(f.fuse(1, Double.NaN, 1)).isCloseTo(1, within(1e-12));
    assertThat(f.fuse(3, Double.NaN, 0)).isCloseTo(2, within(1e-12));
    assertThat(f.fuse(1, 1, 1)).isCloseTo(1, within(1e-12));
  }

  @Test
  void aComponentWithoutScoresIsSwitchedOff() {
    double[][] rows = normal(1000, 1);
    for (double[] r : rows) {
      r[1] = Double.NaN;
    }
    Fusion f = FusionCalibrator.calibrate(rows, Fusion.DEFAULT_WEIGHTS, 0.01);
    assertThat(f.weights()[1]).isZero();
    assertThat(f.fired(Component.PREDICTION, 1e9)).isFalse();
    assertThat(f.fuse(1, 5, 1)).isCloseTo(1, within(1e-12));
  }

  @Test
  void aModelWithoutForestCalibratesOnTheOtherComponents() {
    double[][] rows = normal(2000, 3);
    for (double[] r : rows) {
      r[2] = Double.NaN; // forest switched off: no isolation scores
    }
    Fusion f = FusionCalibrator.calibrate(rows, Fusion.DEFAULT_WEIGHTS, 0.01);
    assertThat(f.weights()[2]).isZero();
    assertThat(f.threshold()).isFinite();
    double[] fused = FusionCalibrator.fused(f, rows);
    long above = java.util.Arrays.stream(fused).filter(x -> x >= f.threshold()).count();
    assertThat(java.util.Arrays.stream(fused).allMatch(Double::isFinite)).isTrue();
    assertThat(above).isBetween(10L, 30L); // ~1 % of 2000
  }

  @Test
  void fittedWeightsFavourTheComponentThatSeparates() {
    double[][] norm = normal(5000, 1);
    Fusion base = FusionCalibrator.calibrate(norm, Fusion.DEFAULT_WEIGHTS, 0.01);
    double[][] val = normal(4000, 3);
    boolean[] attack = new boolean[val.length];
    Random r = new Random(4);
    for (int i = 0; i < val.length; i += 2) { // attacks stand out only in the forest's score
      attack[i] = true;
      val[i][2] = 0.45 + 0.02 * r.nextGaussian();
    }
    double[] w = FusionCalibrator.fitWeights(base, val, attack, 0.05);
    assertThat(w[2]).isGreaterThanOrEqualTo(0.8);
    assertThat(w[0] + w[1] + w[2]).isCloseTo(1, within(1e-12));
  }

  @Test
  void badArgumentsAreRefusedWithAReason() {
    assertThatThrownBy(
            () -> FusionCalibrator.calibrate(normal(10, 1), Fusion.DEFAULT_WEIGHTS, 0.01))
        .hasMessageContaining("at least 20");
    assertThatThrownBy(() -> Fusion.normaliseWeights(new double[] {0, 0, 0}))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> Fusion.normaliseWeights(new double[] {1, -1, 0}))
        .hasMessageContaining("non-negative");
    assertThatThrownBy(
            () -> FusionCalibrator.calibrate(normal(100, 1), Fusion.DEFAULT_WEIGHTS, 0.7))
        .hasMessageContaining("targetFpr");
  }

  @Test
  void tailQuantileExtrapolatesAnExponentialTail() {
    Random r = new Random(9);
    double[] s = new double[2000];
    for (int i = 0; i < s.length; i++) {
      s[i] = -Math.log(1 - r.nextDouble());
    }
    // true 1 - 1e-4 quantile of Exp(1) is ln(1e4) = 9.21; 2000 samples hold no such value
    assertThat(TailQuantile.upper(s, 1e-4)).isCloseTo(Math.log(1e4), within(1.0));
    assertThat(TailQuantile.upper(s, 0.1))
        .isCloseTo(Math.log(10), within(0.25)); // sampling sd about 0.07;
  }
}
