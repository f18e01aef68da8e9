package dev.vigil.train.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.detect.nn.Activation;
import dev.vigil.detect.nn.DenseLayerWeights;
import dev.vigil.detect.nn.DenseNet;
import dev.vigil.detect.nn.QuantizedDenseNet;
import dev.vigil.train.Roc;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The plain-Java runtimes against DL4J, on an autoencoder trained here on structured synthetic
 * data.
 */
class DenseRuntimeTest {
  private static final int D = 12;
  private static AutoencoderTrainer.Result trained;
  private static List<float[]> normal;
  private static List<float[]> anomalous;

  /** Normal rows lie near a 3-dimensional subspace of [0, 1]^12; anomalies leave it. */
  private static List<float[]> rows(int n, long seed, boolean anomaly) {
    Random r = new Random(seed);
    float[][] mix = new float[D][3];
    Random m = new Random(99);
    for (float[] row : mix) {
      for (int k = 0; k < 3; k++) {
        row[k] = m.nextFloat();
      }
    }
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] z = {r.nextFloat(), r.nextFloat(), r.nextFloat()};
      float[] x = new float[D];
      for (int j = 0; j < D; j++) {
        x[j] =
            (mix[j][0] * z[0] + mix[j][1] * z[1] + mix[j][2] * z[2]) / 3f
                + 0.01f * (float) r.nextGaussian();
        if (anomaly && j % 4 == i % 4) {
          x[j] += 0.3f + 0.5f * r.nextFloat();
        }
      }
      out.add(x);
    }
    return out;
  }

  @BeforeAll
  static void train() {
    normal = rows(3000, 1, false);
    anomalous = rows(300, 2, true);
    trained =
        AutoencoderTrainer.train(
            normal, new AutoencoderTrainer.Config(32, 4, 30, 64, 3e-3, 0.1, 5, 7), null);
  }

  @Test
  void floatRuntime_matchesDl4jWithin1e4() {
    DenseNet net = trained.runtime();
    float[] out = new float[D];
    double maxDiff = 0;
    List<float[]> probe = new ArrayList<>(normal.subList(0, 200));
    probe.addAll(anomalous.subList(0, 100));
    for (float[] x : probe) {
      INDArray expected = trained.network().output(Nd4j.create(new float[][] {x}), false);
      net.forward(x, out);
      for (int j = 0; j < D; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(out[j] - expected.getFloat(0, j)));
      }
    }
    assertThat(maxDiff).isLessThan(1e-4);
  }

  @Test
  void training_learnsTheNormalSubspaceAndStopsOnValidation() {
    assertThat(trained.epochs()).isBetween(1, 30);
    assertThat(trained.bestEpoch()).isBetween(1, trained.epochs());
    List<Double> loss = trained.validationLoss();
    assertThat(loss.get(trained.bestEpoch() - 1)).isLessThan(loss.get(0));
    DenseNet net = trained.runtime();
    float[] s = new float[D];
    double normalMean =
        normal.stream().mapToDouble(x -> net.reconstructionError(x, s)).average().orElseThrow();
    double anomalyMean =
        anomalous.stream().mapToDouble(x -> net.reconstructionError(x, s)).average().orElseThrow();
    assertThat(anomalyMean).isGreaterThan(5 * normalMean);
  }

  @Test
  void training_isRepeatableForASeed() {
    AutoencoderTrainer.Config c = new AutoencoderTrainer.Config(16, 4, 3, 64, 3e-3, 0.1, 5, 11);
    DenseNet a = AutoencoderTrainer.train(normal.subList(0, 500), c, null).runtime();
    DenseNet b = AutoencoderTrainer.train(normal.subList(0, 500), c, null).runtime();
    for (int li = 0; li < a.layers().size(); li++) {
      assertThat(a.layers().get(li).weights()).containsExactly(b.layers().get(li).weights());
    }
  }

  @Test
  void int8Runtime_ranksLikeFloat() {
    DenseNet f = trained.runtime();
    QuantizedDenseNet q = new QuantizedDenseNet(f);
    List<float[]> probe = new ArrayList<>(normal.subList(0, 700));
    probe.addAll(anomalous);
    double[] ef = new double[probe.size()];
    double[] eq = new double[probe.size()];
    float[] out = new float[D];
    for (int i = 0; i < probe.size(); i++) {
      float[] x = probe.get(i);
      ef[i] = f.reconstructionError(x, out);
      q.forward(x, out);
      double s = 0;
      for (int j = 0; j < D; j++) {
        s += (x[j] - out[j]) * (x[j] - out[j]);
      }
      eq[i] = s / D;
    }
    assertThat(Roc.spearman(ef, eq)).isGreaterThanOrEqualTo(0.99);
  }

  @Test
  void forward_allocatesNothing() {
    DenseNet f = trained.runtime();
    QuantizedDenseNet q = new QuantizedDenseNet(f);
    float[] out = new float[D];
    float[] x = normal.get(0);
    for (int i = 0; i < 20_000; i++) {
      f.forward(x, out);
      q.forward(x, out);
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) {
      f.forward(x, out);
      q.forward(x, out);
    }
    assertThat(mx.getThreadAllocatedBytes(tid) - before).isLessThan(4096);
  }

  @Test
  void denseNet_rejectsMismatchedLayers() {
    DenseLayerWeights l1 = new DenseLayerWeights(2, 3, new float[6], new float[3], Activation.RELU);
    DenseLayerWeights l2 =
        new DenseLayerWeights(4, 1, new float[4], new float[1], Activation.IDENTITY);
    assertThatThrownBy(() -> new DenseNet(List.of(l1, l2)))
        .hasMessageContaining("layer 1 takes 4 inputs");
    assertThatThrownBy(
            () -> new DenseLayerWeights(2, 3, new float[5], new float[3], Activation.RELU))
        .hasMessageContaining("expected nOut*nIn = 6");
  }
}
