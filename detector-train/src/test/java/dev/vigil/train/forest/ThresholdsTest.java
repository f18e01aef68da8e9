package dev.vigil.train.forest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ThresholdsTest {
  @Test
  void quantile_interpolatesBetweenOrderStatistics() {
    double[] s = {5, 1, 4, 2, 3};
    assertThat(Thresholds.quantile(s, 1.0)).isEqualTo(5);
    assertThat(Thresholds.quantile(s, 0.5)).isEqualTo(3);
    assertThat(Thresholds.quantile(s, 0.9)).isCloseTo(4.6, Offset.offset(1e-12));
    assertThat(s).containsExactly(5, 1, 4, 2, 3); // input untouched
  }

  @Test
  void quantile_rejectsBadInput() {
    assertThatThrownBy(() -> Thresholds.quantile(new double[0], 0.5)).hasMessageContaining("empty");
    assertThatThrownBy(() -> Thresholds.quantile(new double[] {1}, 0))
        .hasMessageContaining("q must be");
  }

  @Test
  void topDeviations_ranksByAbsoluteZScore() {
    FeatureStats st =
        FeatureStats.of(
            List.of("x", "y", "z"), new double[][] {{0, 10, 5}, {2, 10, 5}, {4, 10, 5}});
    var top = st.topDeviations(new float[] {2, 10, -100}, 2);
    assertThat(top).hasSize(2);
    assertThat(top.get(0).name()).isEqualTo("z"); // constant feature far off: huge |z|
    assertThat(top.get(0).zScore()).isNegative();
    assertThat(top.get(1).normalMean()).isIn(2.0, 10.0);
    // A sliver of change in a feature that was constant in normal data stays small.
    var sliver = st.topDeviations(new float[] {2, 10.0005f, 5}, 3);
    assertThat(sliver.stream().mapToDouble(d -> Math.abs(d.zScore())).max().orElseThrow())
        .isLessThan(1.0);
  }
}
