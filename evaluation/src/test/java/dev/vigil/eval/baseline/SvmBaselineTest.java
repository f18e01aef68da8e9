package dev.vigil.eval.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.train.Roc;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class SvmBaselineTest {
  @Test
  void separatesTwoGaussianClasses() {
    Gaussians train = new Gaussians(3000, 5, 0.3, 1.5, 11);
    Gaussians test = new Gaussians(2000, 5, 0.3, 1.5, 12);
    SvmBaseline svm = SvmBaseline.fit(train.x, train.attack, 800, 42);
    assertThat(svm.name()).isEqualTo("svm");
    assertThat(svm.trainingRows()).isEqualTo(800);
    assertThat(svm.supportVectors()).isBetween(1, 800);
    // Bayes AUC for this shift is about 0.99
    assertThat(Roc.auc(test.scores(svm), test.attack)).isGreaterThan(0.95);
    // positive decision values on the attack side, on the whole
    float[] attackCentre = {1.5f, 1.5f, 1.5f, 1.5f, 1.5f};
    assertThat(svm.score(attackCentre)).isPositive();
    assertThat(svm.score(new float[5])).isNegative();
  }

  @Test
  void sameSeedSameScores() {
    Gaussians train = new Gaussians(1500, 4, 0.4, 1.0, 13);
    Gaussians test = new Gaussians(200, 4, 0.4, 1.0, 14);
    double[] a = test.scores(SvmBaseline.fit(train.x, train.attack, 500, 7));
    double[] b = test.scores(SvmBaseline.fit(train.x, train.attack, 500, 7));
    assertThat(b).containsExactly(a);
  }

  @Test
  void stratifiedSubsampleKeepsClassShares() {
    boolean[] y = new boolean[10_000];
    for (int i = 0; i < y.length; i++) {
      y[i] = i % 10 == 0; // 10 % attacks
    }
    int[] rows = Subsample.stratified(y, 1000, 3);
    assertThat(rows).hasSize(1000).isSorted().doesNotHaveDuplicates();
    long pos = java.util.Arrays.stream(rows).filter(i -> y[i]).count();
    assertThat(pos).isEqualTo(100);
    assertThat(Subsample.stratified(y, 1000, 3)).containsExactly(rows);
    // a class rarer than one row in maxRows still keeps a row
    boolean[] rare = new boolean[10_000];
    rare[17] = true;
    assertThat(Subsample.stratified(rare, 100, 1)).hasSize(100).contains(17);
    assertThat(Subsample.stratified(new boolean[] {true, false, true}, 10, 1))
        .containsExactly(0, 1, 2);
  }

  @Test
  void medianDistanceIgnoresDuplicates() {
    double[][] x = {{0, 0}, {0, 0}, {3, 4}, {0, 0}};
    // distinct pairs at distance > 0: three at 5
    assertThat(SvmBaseline.medianDistance(x, 100, new Random(1)))
        .isCloseTo(5.0, Offset.offset(1e-12));
    assertThat(SvmBaseline.medianDistance(new double[][] {{1}, {1}}, 100, new Random(1)))
        .isEqualTo(1.0);
  }

  @Test
  void rejectsBadArguments() {
    float[] a = {0, 1};
    float[] b = {1, 0};
    assertThatThrownBy(() -> SvmBaseline.fit(List.of(), new boolean[0], 100, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 training rows");
    assertThatThrownBy(() -> SvmBaseline.fit(List.of(a, b), new boolean[] {true}, 100, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 rows but 1 labels");
    assertThatThrownBy(() -> SvmBaseline.fit(List.of(a, b), new boolean[] {false, false}, 100, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs both classes");
    assertThatThrownBy(() -> SvmBaseline.fit(List.of(a, b), new boolean[] {true, false}, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRows must be at least 2");
    SvmBaseline svm = SvmBaseline.fit(List.of(a, b), new boolean[] {true, false}, 10, 1);
    assertThatThrownBy(() -> svm.score(new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fitted on 2");
  }
}
