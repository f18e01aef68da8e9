package dev.vigil.eval.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.train.Roc;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import smile.data.DataFrame;
import smile.data.vector.IntVector;

class RandomForestBaselineTest {
  @Test
  void separatesTwoGaussianClasses() {
    Gaussians train = new Gaussians(3000, 5, 0.3, 1.5, 21);
    Gaussians test = new Gaussians(2000, 5, 0.3, 1.5, 22);
    RandomForestBaseline rf = RandomForestBaseline.fit(train.x, train.attack, 50, 42);
    assertThat(rf.name()).isEqualTo("random_forest");
    assertThat(rf.trees()).isEqualTo(50);
    double[] s = test.scores(rf);
    assertThat(java.util.Arrays.stream(s).allMatch(p -> p >= 0 && p <= 1)).isTrue();
    assertThat(Roc.auc(s, test.attack)).isGreaterThan(0.95);
  }

  @Test
  void scoreIsSmilesOwnPosterior() {
    Gaussians train = new Gaussians(1000, 3, 0.4, 1.0, 23);
    Gaussians test = new Gaussians(300, 3, 0.4, 1.0, 24);
    RandomForestBaseline rf = RandomForestBaseline.fit(train.x, train.attack, 20, 5);
    double[][] rows = new double[test.x.size()][];
    int[] y = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = SvmBaseline.toDouble(test.x.get(i));
      y[i] = test.attack[i] ? 1 : 0;
    }
    DataFrame df = DataFrame.of(rows, "x0", "x1", "x2").merge(IntVector.of("attack", y));
    double[] post = new double[2];
    for (int i = 0; i < rows.length; i++) {
      rf.smileForest().predict(df.get(i), post);
      assertThat(rf.score(test.x.get(i))).isCloseTo(post[1], Offset.offset(1e-12));
    }
  }

  @Test
  void sameSeedSameScores() {
    Gaussians train = new Gaussians(1500, 4, 0.4, 1.0, 25);
    Gaussians test = new Gaussians(300, 4, 0.4, 1.0, 26);
    double[] a = test.scores(RandomForestBaseline.fit(train.x, train.attack, 30, 9));
    double[] b = test.scores(RandomForestBaseline.fit(train.x, train.attack, 30, 9));
    assertThat(b).containsExactly(a);
  }

  @Test
  void rejectsBadArguments() {
    float[] a = {0, 1};
    float[] b = {1, 0};
    assertThatThrownBy(() -> RandomForestBaseline.fit(List.of(), new boolean[0], 10, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 training rows");
    assertThatThrownBy(
            () -> RandomForestBaseline.fit(List.of(a, b), new boolean[] {true, false, true}, 10, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 rows but 3 labels");
    assertThatThrownBy(
            () -> RandomForestBaseline.fit(List.of(a, b), new boolean[] {true, true}, 10, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs both classes");
    assertThatThrownBy(
            () -> RandomForestBaseline.fit(List.of(a, b), new boolean[] {true, false}, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trees must be at least 1");
    assertThatThrownBy(
            () ->
                RandomForestBaseline.fit(
                    List.of(a, new float[] {1}), new boolean[] {true, false}, 10, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1 has 1 features");
  }
}
