package dev.vigil.eval.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.train.Roc;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RcfBaselineTest {
  /** Held-out normal N(0, I) rows, then outliers 6 sd out along one random axis. */
  private static Gaussians heldOutWithOutliers() {
    Gaussians test = new Gaussians(1000, 4, 0.0, 0, 32);
    Random r = new Random(33);
    for (int i = 0; i < test.x.size(); i++) {
      if (i % 10 == 0) {
        test.attack[i] = true;
        test.x.get(i)[r.nextInt(4)] += (r.nextBoolean() ? 6f : -6f);
      }
    }
    return test;
  }

  @Test
  void outliersScoreHigher() {
    Gaussians train = new Gaussians(3000, 4, 0.0, 0, 31);
    Gaussians test = heldOutWithOutliers();
    RcfBaseline rcf = RcfBaseline.fit(train.x, 50, 256, 42);
    assertThat(rcf.name()).isEqualTo("rcf");
    assertThat(rcf.trees()).isEqualTo(50);
    assertThat(Roc.auc(test.scores(rcf), test.attack)).isGreaterThan(0.95);
    float[] far = {20, 0, 0, 0};
    assertThat(rcf.score(far)).isGreaterThan(rcf.score(new float[4]));
  }

  @Test
  void sameSeedSameScoresAndScoringDoesNotLearn() {
    Gaussians train = new Gaussians(2000, 4, 0.0, 0, 34);
    Gaussians test = heldOutWithOutliers();
    RcfBaseline one = RcfBaseline.fit(train.x, 30, 128, 7);
    double[] a = test.scores(one);
    double[] b = test.scores(RcfBaseline.fit(train.x, 30, 128, 7));
    assertThat(b).containsExactly(a);
    // scoring the same outlier many times leaves the forest as it was
    float[] far = {0, 0, 9, 0};
    for (int i = 0; i < 500; i++) {
      one.score(far);
    }
    assertThat(test.scores(one)).containsExactly(a);
    double[] other = test.scores(RcfBaseline.fit(train.x, 30, 128, 8));
    assertThat(other).isNotEqualTo(a);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> RcfBaseline.fit(List.of(), 10, 64, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 normal rows");
    assertThatThrownBy(
            () -> RcfBaseline.fit(List.of(new float[] {1, 2}, new float[] {1}), 10, 64, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1 has 1 features");
    List<float[]> few = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      few.add(new float[] {i, -i});
    }
    assertThatThrownBy(() -> RcfBaseline.fit(few, 10, 64, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scores only after");
    assertThatThrownBy(() -> RcfBaseline.fit(new Gaussians(100, 2, 0, 0, 1).x, 0, 64, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rejects trees=0");
    RcfBaseline rcf = RcfBaseline.fit(new Gaussians(100, 2, 0, 0, 1).x, 10, 64, 1);
    assertThatThrownBy(() -> rcf.score(new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fitted on 2");
  }
}
