package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detect.nn.LstmNet;
import dev.vigil.detect.nn.QuantizedLstmNet;
import dev.vigil.detect.nn.SequenceModel;
import dev.vigil.eval.data.NslKdd;
import dev.vigil.testsupport.SharedData;
import dev.vigil.train.Roc;
import dev.vigil.train.nn.LstmTrainer;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Issue 4's equivalence criterion for the LSTM on real data: trained (briefly) on 20k KDDTrain+
 * normal records in file order as one entity's sequence, it scores KDDTest+ in file order as one
 * stream (error of step t = MSE between the prediction made at step t-1 and record t); the int8
 * runtime ranks like the float one (Spearman ≥ 0.99) with a ROC-AUC within 0.005, and the float
 * runtime follows DL4J's {@code rnnTimeStep} within 1e-4.
 */
class NslKddLstmTest {
  @Test
  @Tag("shared-data")
  void int8MatchesFloatOnKddTestPlus() throws Exception {
    List<NslKdd.Record> train = NslKdd.read(SharedData.file("nsl-kdd/KDDTrain+.txt.xz"));
    List<NslKdd.Record> test = NslKdd.read(SharedData.file("nsl-kdd/KDDTest+.txt.xz"));
    // file order, no shuffle: the LSTM sees the records as one entity's time series
    List<NslKdd.Record> normal = train.stream().filter(r -> !r.attack()).limit(20_000).toList();
    NslKdd.Encoder enc = NslKdd.Encoder.fit(normal);
    List<float[]> rows = normal.stream().map(enc::encode).toList();
    LstmTrainer.Result res =
        LstmTrainer.train(
            List.of(rows), new LstmTrainer.Config(32, 1, 16, 3, 64, 2e-3, 0.1, 2, 42), null);

    LstmNet f = res.runtime();
    QuantizedLstmNet q = new QuantizedLstmNet(f);
    int d = enc.size();
    float[] sf = new float[f.stateSize()];
    float[] sq = new float[q.stateSize()];
    float[] pf = new float[d];
    float[] pq = new float[d];
    int n = test.size() - 1;
    double[] ef = new double[n];
    double[] eq = new double[n];
    boolean[] attack = new boolean[n];
    float[][] xs = new float[test.size()][];
    for (int t = 0; t < test.size(); t++) {
      xs[t] = enc.encode(test.get(t));
    }
    for (int t = 0; t < test.size(); t++) {
      float[] x = xs[t];
      if (t > 0) {
        ef[t - 1] = mse(pf, x);
        eq[t - 1] = mse(pq, x);
        attack[t - 1] = test.get(t).attack();
      }
      f.step(sf, 0, x, pf);
      q.step(sq, 0, x, pq);
    }
    double nsFloat = nanosPerStep(f, xs);
    double nsInt8 = nanosPerStep(q, xs);

    // the float runtime follows DL4J's stateful rnnTimeStep over the first 300 test records
    float[] state = new float[f.stateSize()];
    float[] pred = new float[d];
    res.network().rnnClearPreviousState();
    double maxDiff = 0;
    for (int t = 0; t < 300; t++) {
      INDArray expected = res.network().rnnTimeStep(Nd4j.create(new float[][] {xs[t]}));
      f.step(state, 0, xs[t], pred);
      for (int j = 0; j < d; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(pred[j] - expected.getFloat(0, j)));
      }
    }
    res.network().rnnClearPreviousState();

    double aucFloat = Roc.auc(ef, attack);
    double aucInt8 = Roc.auc(eq, attack);
    double rho = Roc.spearman(ef, eq);
    System.out.printf(
        "NSL-KDD KDDTest+ LSTM (20k normal rows in file order, %d features, 32 units, %d epochs,"
            + " %.0f ms/epoch): AUC float %.4f int8 %.4f, Spearman %.5f, max |runtime - DL4J|"
            + " %.2e; ns per step (second pass) float %.0f int8 %.0f%n",
        d, res.epochs(), res.millisPerEpoch(), aucFloat, aucInt8, rho, maxDiff, nsFloat, nsInt8);
    assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
    assertThat(rho).isGreaterThanOrEqualTo(0.99);
    assertThat(Math.abs(aucFloat - aucInt8)).isLessThanOrEqualTo(0.005);
    assertThat(aucFloat).as("next-record prediction error separates attacks").isGreaterThan(0.7);
  }

  /** Times a second pass over the stream (the first one warmed the JIT up). */
  private static double nanosPerStep(SequenceModel m, float[][] xs) {
    float[] state = new float[m.stateSize()];
    float[] pred = new float[m.inputSize()];
    long t0 = System.nanoTime();
    for (float[] x : xs) {
      m.step(state, 0, x, pred);
    }
    return (System.nanoTime() - t0) / (double) xs.length;
  }

  private static double mse(float[] pred, float[] x) {
    double s = 0;
    for (int j = 0; j < x.length; j++) {
      double e = pred[j] - x[j];
      s += e * e;
    }
    return s / x.length;
  }
}
