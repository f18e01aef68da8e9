package dev.vigil.detect.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detect.data.NslKdd;
import dev.vigil.detect.eval.Roc;
import dev.vigil.testsupport.SharedData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's equivalence criterion on real data: an autoencoder trained (briefly) on KDDTrain+
 * normal records scores KDDTest+ with the int8 runtime ranked like the float runtime (Spearman ≥
 * 0.99) and a ROC-AUC within 0.005.
 */
class NslKddInt8Test {
  @Test
  @Tag("shared-data")
  void int8MatchesFloatOnKddTestPlus() throws Exception {
    List<NslKdd.Record> train = NslKdd.read(SharedData.file("nsl-kdd/KDDTrain+.txt.xz"));
    List<NslKdd.Record> test = NslKdd.read(SharedData.file("nsl-kdd/KDDTest+.txt.xz"));
    assertThat(train).hasSize(125_973);
    assertThat(test).hasSize(22_544);
    List<NslKdd.Record> normal = new ArrayList<>(train.stream().filter(r -> !r.attack()).toList());
    assertThat(normal).hasSize(67_343);
    Collections.shuffle(normal, new Random(3));
    normal =
        normal.subList(
            0, 20_000); // a short run keeps the suite fast; the full run belongs to evaluate
    NslKdd.Encoder enc = NslKdd.Encoder.fit(normal);
    List<float[]> rows = normal.stream().map(enc::encode).toList();
    AutoencoderTrainer.Result ae =
        AutoencoderTrainer.train(
            rows, new AutoencoderTrainer.Config(64, 16, 4, 64, 1e-3, 0.1, 2, 42), null);

    DenseNet f = ae.runtime();
    QuantizedDenseNet q = new QuantizedDenseNet(f);
    double[] sf = new double[test.size()];
    double[] sq = new double[test.size()];
    boolean[] attack = new boolean[test.size()];
    float[] out = new float[enc.size()];
    for (int i = 0; i < test.size(); i++) {
      float[] x = enc.encode(test.get(i));
      attack[i] = test.get(i).attack();
      sf[i] = f.reconstructionError(x, out);
      q.forward(x, out);
      double s = 0;
      for (int j = 0; j < x.length; j++) {
        s += (x[j] - out[j]) * (x[j] - out[j]);
      }
      sq[i] = s / x.length;
    }
    double aucFloat = Roc.auc(sf, attack);
    double aucInt8 = Roc.auc(sq, attack);
    double rho = Roc.spearman(sf, sq);
    System.out.printf(
        "NSL-KDD KDDTest+ autoencoder (20k normal rows, %d epochs, %.0f ms/epoch): AUC float %.4f int8 %.4f,"
            + " Spearman %.4f%n",
        ae.epochs(), ae.millisPerEpoch(), aucFloat, aucInt8, rho);
    assertThat(rho).isGreaterThanOrEqualTo(0.99);
    assertThat(Math.abs(aucFloat - aucInt8)).isLessThanOrEqualTo(0.005);
    assertThat(aucFloat).as("the autoencoder separates attacks at all").isGreaterThan(0.8);
  }
}
