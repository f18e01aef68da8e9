package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ConfusionTest {
  private static final Offset<Double> EPS = Offset.offset(1e-12);

  @Test
  void at_countsByHand() {
    // Flagged at 0.65: 0.9 (attack, TP), 0.8 (normal, FP), 0.7 (attack, TP).
    // Passed: 0.6 (attack, FN), 0.5 and 0.4 (normal, TN).
    double[] s = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    boolean[] y = {true, false, true, true, false, false};
    Confusion c = Confusion.at(s, y, 0.65);
    assertThat(c).isEqualTo(new Confusion(2, 1, 2, 1));
    assertThat(c.total()).isEqualTo(6);
    assertThat(c.accuracy()).isCloseTo(4 / 6.0, EPS);
    assertThat(c.precision()).isCloseTo(2 / 3.0, EPS);
    assertThat(c.recall()).isCloseTo(2 / 3.0, EPS);
    assertThat(c.f1()).isCloseTo(2 / 3.0, EPS); // 2*2 / (2*2 + 1 + 1)
    assertThat(c.fpr()).isCloseTo(1 / 3.0, EPS);
    assertThat(c.fnr()).isCloseTo(1 / 3.0, EPS);
  }

  @Test
  void at_thresholdIsInclusive() {
    double[] s = {0.5, 0.5};
    boolean[] y = {true, false};
    assertThat(Confusion.at(s, y, 0.5)).isEqualTo(new Confusion(1, 1, 0, 0));
    assertThat(Confusion.at(s, y, Math.nextUp(0.5))).isEqualTo(new Confusion(0, 0, 1, 1));
  }

  @Test
  void at_nanScoreIsNeverFlagged() {
    double[] s = {Double.NaN, Double.NaN, 1.0};
    boolean[] y = {true, false, false};
    assertThat(Confusion.at(s, y, Double.NEGATIVE_INFINITY)).isEqualTo(new Confusion(0, 1, 1, 1));
    assertThat(Confusion.at(s, y, Double.NaN)).isEqualTo(new Confusion(0, 0, 2, 1));
  }

  @Test
  void zeroDenominatorsAreZero() {
    Confusion none = new Confusion(0, 0, 0, 0);
    assertThat(none.accuracy()).isZero();
    assertThat(none.precision()).isZero();
    assertThat(none.recall()).isZero();
    assertThat(none.f1()).isZero();
    assertThat(none.fpr()).isZero();
    assertThat(none.fnr()).isZero();

    // Only normal traffic, nothing flagged: no positives to find, no predicted positives.
    Confusion quiet = new Confusion(0, 0, 5, 0);
    assertThat(quiet.accuracy()).isEqualTo(1.0);
    assertThat(quiet.precision()).isZero();
    assertThat(quiet.recall()).isZero();
    assertThat(quiet.fnr()).isZero();
    assertThat(quiet.f1()).isZero();
    assertThat(quiet.fpr()).isZero();

    // Only attacks, all flagged: no negatives, so FPR is 0.
    Confusion allAttacks = new Confusion(3, 0, 0, 0);
    assertThat(allAttacks.fpr()).isZero();
    assertThat(allAttacks.precision()).isEqualTo(1.0);
    assertThat(allAttacks.f1()).isEqualTo(1.0);
  }

  @Test
  void rejectsNegativeCountsAndLengthMismatch() {
    assertThatThrownBy(() -> new Confusion(-1, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Confusion.at(new double[2], new boolean[3], 0))
        .hasMessageContaining("differ in length");
  }
}
