package dev.vigil.eval.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.train.Roc;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ZScoreBaselineTest {
  @Test
  void scoreIsTheLargestPerFeatureZScore() {
    // feature 0: mean 2, population sd 1; feature 1: mean 10, sd 2
    List<float[]> rows = List.of(new float[] {1, 8}, new float[] {3, 12});
    ZScoreBaseline z = ZScoreBaseline.fit(rows);
    assertThat(z.name()).isEqualTo("zscore");
    assertThat(z.dimensions()).isEqualTo(2);
    assertThat(z.score(new float[] {2, 10})).isEqualTo(0.0);
    assertThat(z.score(new float[] {5, 11})).isCloseTo(3.0, Offset.offset(1e-12));
    assertThat(z.score(new float[] {2.5f, 2})).isCloseTo(4.0, Offset.offset(1e-12));
  }

  @Test
  void pointTenSdAwayOutscoresEveryNormalPoint() {
    Gaussians g = new Gaussians(2000, 6, 0, 0, 1);
    ZScoreBaseline z = ZScoreBaseline.fit(g.x);
    double maxNormal = 0;
    for (double s : g.scores(z)) {
      maxNormal = Math.max(maxNormal, s);
    }
    float[] far = new float[6];
    far[3] = 10f;
    assertThat(z.score(far)).isGreaterThan(9.0).isGreaterThan(maxNormal);
  }

  @Test
  void separatesShiftedGaussians() {
    Gaussians train = new Gaussians(1000, 5, 0.0, 0, 2);
    Gaussians test = new Gaussians(1000, 5, 0.3, 3.0, 3);
    ZScoreBaseline z = ZScoreBaseline.fit(train.normal());
    double auc = Roc.auc(test.scores(z), test.attack);
    assertThat(auc).isGreaterThan(0.95);
  }

  @Test
  void constantFeatureCountsOnlyWhenItMoves() {
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      rows.add(new float[] {i % 2 == 0 ? -1 : 1, 7});
    }
    ZScoreBaseline z = ZScoreBaseline.fit(rows);
    assertThat(z.score(new float[] {0, 7})).isEqualTo(0.0);
    assertThat(z.score(new float[] {1, 7})).isCloseTo(1.0, Offset.offset(1e-12));
    assertThat(z.score(new float[] {0, 7.1f})).isGreaterThan(10.0).isFinite();
    List<float[]> zeros = List.of(new float[] {0}, new float[] {0});
    assertThat(ZScoreBaseline.fit(zeros).score(new float[] {0})).isEqualTo(0.0);
    assertThat(ZScoreBaseline.fit(zeros).score(new float[] {1e-3f})).isFinite().isGreaterThan(1e2);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> ZScoreBaseline.fit(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 2 normal rows");
    assertThatThrownBy(() -> ZScoreBaseline.fit(List.of(new float[] {1}, new float[] {1, 2})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1 has 2 features");
    ZScoreBaseline z = ZScoreBaseline.fit(List.of(new float[] {1}, new float[] {2}));
    assertThatThrownBy(() -> z.score(new float[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fitted on 1");
  }
}
