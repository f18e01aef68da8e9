package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RocTest {
  @Test
  void auc_perfectInvertedAndTied() {
    boolean[] y = {false, false, true, true};
    assertThat(Roc.auc(new double[] {0.1, 0.2, 0.8, 0.9}, y)).isEqualTo(1.0);
    assertThat(Roc.auc(new double[] {0.9, 0.8, 0.2, 0.1}, y)).isEqualTo(0.0);
    assertThat(Roc.auc(new double[] {0.5, 0.5, 0.5, 0.5}, y)).isEqualTo(0.5);
    // Pairs (pos, neg): (0.3 vs 0.1 win, 0.3 vs 0.4 lose, 0.6 vs both win) = 3 of 4.
    assertThat(Roc.auc(new double[] {0.1, 0.4, 0.3, 0.6}, y)).isCloseTo(0.75, Offset.offset(1e-12));
    assertThatThrownBy(() -> Roc.auc(new double[] {1, 2}, new boolean[] {true, true}))
        .hasMessageContaining("both positives and negatives");
  }

  @Test
  void spearman_monotoneIsOneReversedIsMinusOne() {
    double[] a = {1, 2, 3, 4, 5};
    assertThat(Roc.spearman(a, new double[] {10, 20, 30, 40, 500}))
        .isCloseTo(1.0, Offset.offset(1e-12));
    assertThat(Roc.spearman(a, new double[] {5, 4, 3, 2, 1})).isCloseTo(-1.0, Offset.offset(1e-12));
  }
}
