package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.ExplainedScore;
import dev.vigil.detect.model.Precision;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trained ensemble on synthetic entity streams: calibration, state, explanation, allocation.
 */
class EnsembleModelTest {
  private static DetectionModel model;

  @BeforeAll
  static void train() {
    model =
        ModelTrainer.train(
            Synthetic.SCHEMA,
            Synthetic.normal(12, 200, 1),
            null,
            Synthetic.fastConfig(5),
            ModelTrainer.Listener.silent());
  }

  @Test
  void thresholdHoldsRoughlyTheTargetRateOnFreshNormalStreams() {
    for (Precision p : Precision.values()) {
      EnsembleScorer s = model.scorer(p, 64);
      List<ModelTrainer.Sequence> fresh = Synthetic.normal(12, 300, 77);
      int n = 0;
      int above = 0;
      for (ModelTrainer.Sequence seq : fresh) {
        for (int t = 0; t < seq.vectors().size(); t++) {
          s.score(seq.hi(), seq.lo(), t, seq.vectors().get(t));
          if (t >= 20) { // past the LSTM's warm-up
            n++;
            above += s.anomalous() ? 1 : 0;
          }
        }
      }
      // target 1 %: allow sampling error and the mild drift between calibration and fresh data
      assertThat(above / (double) n).as(p + " false-positive rate").isLessThan(0.04);
    }
  }

  @Test
  void aSpikeIsAnAlertExplainedByTheSpikedFeature() {
    EnsembleScorer s = model.scorer(Precision.INT8, 64);
    Random r = new Random(3);
    for (int t = 0; t < 30; t++) {
      s.score(0, 1, t, Synthetic.vector(1, t, r));
    }
    float[] x = Synthetic.vector(1, 30, r);
    x[4] *= 40; // one feature far outside its normal range
    s.score(0, 1, 30, x);
    assertThat(s.anomalous()).isTrue();
    ExplainedScore v = s.explain(3);
    assertThat(v.topFeatures().get(0).name()).isEqualTo("f4");
    assertThat(v.topFeatures().get(0).share()).isGreaterThan(0.5);
    assertThat(v.fired()).contains(Component.RECONSTRUCTION);
    assertThat(v.severity()).isNotEqualTo(Severity.NONE);
    assertThat(v.components()).containsKeys(Component.RECONSTRUCTION, Component.PREDICTION);
    assertThat(v.summary()).contains("f4").contains("ae");
  }

  @Test
  void aReplayedOutOfOrderStepFiresThePredictionError() {
    EnsembleScorer s = model.scorer(Precision.FLOAT, 64);
    Random r = new Random(4);
    double normalPe = 0;
    int k = 0;
    for (int t = 0; t < 40; t++) {
      s.score(0, 2, t, Synthetic.vector(2, t, r));
      if (t >= 20) {
        normalPe += s.lastPredictionError();
        k++;
      }
    }
    normalPe /= k;
    // a vector that is normal in shape but from the opposite phase of the entity's cycle
    s.score(0, 2, 40, Synthetic.vector(2, 40 + 6, r));
    assertThat(s.lastPredictionError()).isGreaterThan(3 * normalPe);
  }

  @Test
  void eachEntityCarriesItsOwnState() {
    List<ModelTrainer.Sequence> seqs = Synthetic.normal(2, 50, 9);
    EnsembleScorer alone = model.scorer(Precision.FLOAT, 64);
    double[] a = new double[50];
    for (int t = 0; t < 50; t++) {
      a[t] = alone.score(0, 0, t, seqs.get(0).vectors().get(t));
    }
    EnsembleScorer mixed = model.scorer(Precision.FLOAT, 64);
    for (int t = 0; t < 50; t++) {
      mixed.score(0, 1, t, seqs.get(1).vectors().get(t)); // interleave another entity
      assertThat(mixed.score(0, 0, t, seqs.get(0).vectors().get(t))).isEqualTo(a[t]);
    }
    assertThat(mixed.entities()).isEqualTo(2);
  }

  @Test
  void scoringAllocatesNothing() {
    List<ModelTrainer.Sequence> seqs = Synthetic.normal(20, 60, 10);
    for (Precision p : Precision.values()) {
      EnsembleScorer s = model.scorer(p, 64);
      for (int rep = 0; rep < 20; rep++) { // warm up (JIT, table inserts)
        for (ModelTrainer.Sequence q : seqs) {
          for (int t = 0; t < q.vectors().size(); t++) {
            s.score(q.hi(), q.lo(), t, q.vectors().get(t));
          }
        }
      }
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long id = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(id);
      int n = 0;
      for (ModelTrainer.Sequence q : seqs) {
        for (int t = 0; t < q.vectors().size(); t++) {
          s.score(q.hi(), q.lo(), t, q.vectors().get(t));
          n++;
        }
      }
      long bytes = mx.getThreadAllocatedBytes(id) - before;
      assertThat(bytes).as(p + ": bytes allocated over " + n + " scores").isLessThan(1024);
    }
  }

  /**
   * With a labelled validation set whose attacks only break the order of an entity's vectors (each
   * vector on its own is normal), the fitted weights move to the LSTM's prediction error.
   */
  @Test
  void weightsFittedOnLabelledDataFavourTheComponentThatSeparates() {
    java.util.List<ModelTrainer.Labelled> val = new java.util.ArrayList<>();
    Random r = new Random(12);
    for (int e = 0; e < 6; e++) {
      java.util.List<float[]> v = new java.util.ArrayList<>();
      boolean[] attack = new boolean[80];
      for (int t = 0; t < 80; t++) {
        boolean a = t >= 20 && t % 5 == 0; // out of phase: a vector from half a cycle later
        attack[t] = a;
        v.add(Synthetic.vector(e, a ? t + 6 : t, r));
      }
      val.add(new ModelTrainer.Labelled(new ModelTrainer.Sequence(1, e, v), attack));
    }
    DetectionModel fitted =
        ModelTrainer.train(
            Synthetic.SCHEMA,
            Synthetic.normal(12, 200, 1),
            val,
            Synthetic.fastConfig(5),
            ModelTrainer.Listener.silent());
    double[] w = fitted.fusion().weights();
    assertThat(w[1]).as("β of %s", java.util.Arrays.toString(w)).isGreaterThan(0.5);
    assertThat(fitted.provenance().path("fusion").path("weightsFitted").asBoolean()).isTrue();
    assertThat(fitted.provenance().path("fusion").path("validation").path("rocAuc").asDouble())
        .isGreaterThan(0.8);
  }

  @Test
  void refusesVectorsOfTheWrongWidth() {
    EnsembleScorer s = model.scorer(Precision.FLOAT, 64);
    assertThatThrownBy(() -> s.score(0, 0, 0, new float[3])).hasMessageContaining("expected 10");
  }

  @Test
  void int8FusionIsCalibratedOnItsOwnScores() {
    assertThat(model.fusionInt8().threshold()).isNotNaN();
    assertThat(model.fusion().weights()).containsExactly(model.fusionInt8().weights());
    assertThat(model.provenance().path("autoencoder").path("epochs").asInt()).isPositive();
    assertThat(model.provenance().path("lstm").path("millisPerEpoch").asDouble()).isPositive();
  }
}
