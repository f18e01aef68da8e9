package dev.vigil.train.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.detect.nn.Activation;
import dev.vigil.detect.nn.DenseLayerWeights;
import dev.vigil.detect.nn.LstmLayerWeights;
import dev.vigil.detect.nn.LstmNet;
import dev.vigil.detect.nn.QuantizedLstmNet;
import dev.vigil.detect.nn.SequenceModel;
import dev.vigil.train.Roc;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The plain-Java LSTM runtimes against DL4J, on networks trained here on synthetic periodic entity
 * sequences.
 */
class LstmRuntimeTest {
  private static final int D = 6;
  private static List<List<float[]>> entities;
  private static LstmTrainer.Result oneLayer;
  private static LstmTrainer.Result twoLayers;

  /**
   * An entity's vectors: phase-shifted sines of an entity-specific period in [0.1, 0.9] plus noise;
   * an anomalous entity jumps to a different period and offset halfway.
   */
  private static List<float[]> entity(int length, long seed, boolean anomaly) {
    Random r = new Random(seed);
    double period = 6 + 10 * r.nextDouble();
    double phase = r.nextDouble() * 2 * Math.PI;
    List<float[]> out = new ArrayList<>();
    for (int t = 0; t < length; t++) {
      boolean odd = anomaly && t >= length / 2;
      double p = odd ? period / 3 : period;
      float[] x = new float[D];
      for (int j = 0; j < D; j++) {
        x[j] =
            (float)
                (0.5
                    + 0.4 * Math.sin(2 * Math.PI * t / p + phase + j * 0.7)
                    + 0.02 * r.nextGaussian()
                    + (odd && j % 2 == 0 ? 0.3 : 0));
      }
      out.add(x);
    }
    return out;
  }

  @BeforeAll
  static void train() {
    entities = new ArrayList<>();
    for (int e = 0; e < 40; e++) {
      entities.add(entity(60 + e % 5 * 10, 100 + e, false));
    }
    oneLayer =
        LstmTrainer.train(
            entities, new LstmTrainer.Config(24, 1, 16, 8, 32, 5e-3, 0.1, 3, 7), null);
    twoLayers =
        LstmTrainer.train(
            entities, new LstmTrainer.Config(16, 2, 12, 4, 32, 5e-3, 0.1, 3, 8), null);
  }

  private static LstmTrainer.Result trained(int layers) {
    return layers == 1 ? oneLayer : twoLayers;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void floatRuntime_matchesDl4jRnnTimeStepWithin1e4(int layers) {
    LstmTrainer.Result res = trained(layers);
    LstmNet net = res.runtime();
    assertThat(net.layers()).hasSize(layers);
    List<float[]> seq = entity(80, 999, true);
    float[] state = new float[net.stateSize() + 3];
    float[] pred = new float[D];
    res.network().rnnClearPreviousState();
    double maxDiff = 0;
    for (float[] x : seq) {
      INDArray expected = res.network().rnnTimeStep(Nd4j.create(new float[][] {x}));
      net.step(state, 3, x, pred);
      for (int j = 0; j < D; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(pred[j] - expected.getFloat(0, j)));
      }
    }
    res.network().rnnClearPreviousState();
    System.out.printf("LSTM %d layer(s): max |runtime - rnnTimeStep| = %.2e%n", layers, maxDiff);
    assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void floatRuntime_matchesDl4jOutputOnAWholeSequence(int layers) {
    LstmTrainer.Result res = trained(layers);
    LstmNet net = res.runtime();
    List<float[]> seq = entity(64, 555, false);
    float[] features = new float[D * seq.size()];
    for (int t = 0; t < seq.size(); t++) {
      for (int j = 0; j < D; j++) {
        features[j * seq.size() + t] = seq.get(t)[j];
      }
    }
    INDArray out =
        res.network().output(Nd4j.create(features, new long[] {1, D, seq.size()}, 'c'), false);
    float[] state = new float[net.stateSize()];
    float[] pred = new float[D];
    double maxDiff = 0;
    for (int t = 0; t < seq.size(); t++) {
      net.step(state, 0, seq.get(t), pred);
      for (int j = 0; j < D; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(pred[j] - out.getFloat(0, j, t)));
      }
    }
    assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
  }

  @Test
  void training_learnsTheDynamicsAndKeepsTheBestEpoch() {
    for (LstmTrainer.Result res : List.of(oneLayer, twoLayers)) {
      assertThat(res.epochs()).isBetween(1, 8);
      assertThat(res.bestEpoch()).isBetween(1, res.epochs());
      assertThat(res.validationLoss()).hasSize(res.epochs());
      double best = res.validationLoss().get(res.bestEpoch() - 1);
      assertThat(best).isEqualTo(res.validationLoss().stream().mapToDouble(d -> d).min().orElse(0));
      assertThat(best).isLessThan(res.validationLoss().get(0));
      assertThat(res.millisPerEpoch()).isPositive();
    }
    // the anomalous half of an entity is predicted worse than a normal entity
    LstmNet net = oneLayer.runtime();
    double normal = meanError(net, entity(80, 4242, false), 40, 80);
    double odd = meanError(net, entity(80, 4242, true), 40, 80);
    assertThat(odd).isGreaterThan(3 * normal);
  }

  private static double meanError(SequenceModel m, List<float[]> seq, int from, int to) {
    float[] state = new float[m.stateSize()];
    float[] pred = new float[D];
    double sum = 0;
    for (int t = 0; t < to; t++) {
      if (t >= from) {
        sum += mse(pred, seq.get(t));
      }
      m.step(state, 0, seq.get(t), pred);
    }
    return sum / (to - from);
  }

  private static double mse(float[] pred, float[] x) {
    double s = 0;
    for (int j = 0; j < x.length; j++) {
      double e = pred[j] - x[j];
      s += e * e;
    }
    return s / x.length;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void int8Runtime_predictsLikeFloat(int layers) {
    LstmNet f = trained(layers).runtime();
    QuantizedLstmNet q = new QuantizedLstmNet(f);
    assertThat(q.stateSize()).isEqualTo(f.stateSize());
    float[] sf = new float[f.stateSize()];
    float[] sq = new float[q.stateSize()];
    float[] pf = new float[D];
    float[] pq = new float[D];
    List<float[]> seq = new ArrayList<>();
    for (int e = 0; e < 10; e++) {
      seq.addAll(entity(60, 3000 + e, e % 3 == 0));
    }
    double[] ef = new double[seq.size() - 1];
    double[] eq = new double[seq.size() - 1];
    double maxDiff = 0;
    for (int t = 0; t < seq.size(); t++) {
      if (t > 0) {
        ef[t - 1] = mse(pf, seq.get(t));
        eq[t - 1] = mse(pq, seq.get(t));
      }
      f.step(sf, 0, seq.get(t), pf);
      q.step(sq, 0, seq.get(t), pq);
      for (int j = 0; j < D; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(pf[j] - pq[j]));
      }
    }
    assertThat(maxDiff).isLessThan(0.05);
    assertThat(Roc.spearman(ef, eq)).isGreaterThanOrEqualTo(0.99);
  }

  @Test
  void step_allocatesNothing() {
    for (LstmTrainer.Result res : List.of(oneLayer, twoLayers)) {
      LstmNet f = res.runtime();
      QuantizedLstmNet q = new QuantizedLstmNet(f);
      float[] sf = new float[f.stateSize()];
      float[] sq = new float[q.stateSize()];
      float[] pred = new float[D];
      List<float[]> seq = entity(100, 1, false);
      for (int i = 0; i < 20_000; i++) {
        f.step(sf, 0, seq.get(i % 100), pred);
        q.step(sq, 0, seq.get(i % 100), pred);
      }
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 10_000; i++) {
        f.step(sf, 0, seq.get(i % 100), pred);
        q.step(sq, 0, seq.get(i % 100), pred);
      }
      assertThat(mx.getThreadAllocatedBytes(tid) - before).isLessThan(1024);
    }
  }

  @Test
  void copy_hasItsOwnScratchAndTheSameResults() {
    LstmNet f = twoLayers.runtime();
    QuantizedLstmNet q = new QuantizedLstmNet(f);
    for (SequenceModel[] pair : new SequenceModel[][] {{f, f.copy()}, {q, q.copy()}}) {
      float[] s1 = new float[pair[0].stateSize()];
      float[] s2 = new float[pair[1].stateSize()];
      float[] p1 = new float[D];
      float[] p2 = new float[D];
      for (float[] x : entity(30, 77, false)) {
        pair[0].step(s1, 0, x, p1);
        pair[1].step(s2, 0, x, p2);
        assertThat(p2).containsExactly(p1);
      }
      assertThat(s2).containsExactly(s1);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void serialisation_roundTripsBitIdentically(int layers) throws IOException {
    LstmNet f = trained(layers).runtime();
    QuantizedLstmNet q = new QuantizedLstmNet(f);
    LstmNet f2 = LstmNet.readFrom(in(bytes(f::writeTo)));
    QuantizedLstmNet q2 = QuantizedLstmNet.readFrom(in(bytes(q::writeTo)));
    for (int li = 0; li < layers; li++) {
      assertThat(q2.inputWeights(li)).containsExactly(q.inputWeights(li));
      assertThat(q2.inputScales(li)).containsExactly(q.inputScales(li));
      assertThat(q2.recurrentWeights(li)).containsExactly(q.recurrentWeights(li));
      assertThat(q2.recurrentScales(li)).containsExactly(q.recurrentScales(li));
      assertThat(q2.bias(li)).containsExactly(q.bias(li));
    }
    assertThat(q2.outputWeights()).containsExactly(q.outputWeights());
    assertThat(q2.outputActivation()).isEqualTo(Activation.IDENTITY);
    for (SequenceModel[] pair : new SequenceModel[][] {{f, f2}, {q, q2}}) {
      assertThat(pair[1].stateSize()).isEqualTo(pair[0].stateSize());
      float[] s1 = new float[pair[0].stateSize()];
      float[] s2 = new float[pair[1].stateSize()];
      float[] p1 = new float[D];
      float[] p2 = new float[D];
      for (float[] x : entity(60, 31, true)) {
        pair[0].step(s1, 0, x, p1);
        pair[1].step(s2, 0, x, p2);
        assertThat(p2).containsExactly(p1);
      }
    }
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] bytes(Writer w) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      w.write(out);
    }
    return b.toByteArray();
  }

  private static DataInputStream in(byte[] b) {
    return new DataInputStream(new ByteArrayInputStream(b));
  }

  @Test
  void readFrom_rejectsNonsense() throws IOException {
    LstmNet f = oneLayer.runtime();
    byte[] good = bytes(f::writeTo);
    byte[] qgood = bytes(new QuantizedLstmNet(f)::writeTo);

    assertThatThrownBy(() -> LstmNet.readFrom(in(qgood)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not in the float LSTM model format");
    assertThatThrownBy(() -> QuantizedLstmNet.readFrom(in(good)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not in the int8 LSTM model format");
    assertThatThrownBy(() -> LstmNet.readFrom(in(Arrays.copyOf(good, good.length - 5))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> QuantizedLstmNet.readFrom(in(Arrays.copyOf(qgood, 100))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated");

    byte[] version = good.clone();
    ByteBuffer.wrap(version).putInt(4, 9);
    assertThatThrownBy(() -> LstmNet.readFrom(in(version))).hasMessageContaining("version 9");

    byte[] negative = good.clone();
    ByteBuffer.wrap(negative).putInt(8, -3);
    assertThatThrownBy(() -> LstmNet.readFrom(in(negative)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("LSTM input size is -3");

    byte[] layers = good.clone();
    ByteBuffer.wrap(layers).putInt(12, 1000);
    assertThatThrownBy(() -> LstmNet.readFrom(in(layers)))
        .hasMessageContaining("LSTM layer count is 1000");

    for (byte[] g : List.of(good, qgood)) {
      byte[] huge = g.clone();
      ByteBuffer.wrap(huge).putInt(16, 1 << 20); // units: 4 * 2^20 * 6 > 2^24
      assertThatThrownBy(
              () -> {
                if (g == good) {
                  LstmNet.readFrom(in(huge));
                } else {
                  QuantizedLstmNet.readFrom(in(huge));
                }
              })
          .isInstanceOf(IOException.class)
          .hasMessageContaining("LSTM layer 0")
          .hasMessageContaining("at most 16777216");
    }

    byte[] nan = good.clone();
    ByteBuffer.wrap(nan).putFloat(20, Float.NaN); // first input weight
    assertThatThrownBy(() -> LstmNet.readFrom(in(nan)))
        .hasMessageContaining("LSTM layer 0 input weights[0] is NaN");

    byte[] minus128 = qgood.clone();
    minus128[20] = Byte.MIN_VALUE; // first int8 input weight
    assertThatThrownBy(() -> QuantizedLstmNet.readFrom(in(minus128)))
        .hasMessageContaining("is -128");

    int units = f.layers().get(0).units();
    byte[] zeroScale = qgood.clone();
    ByteBuffer.wrap(zeroScale).putFloat(20 + 4 * units * D, 0f); // first input scale
    assertThatThrownBy(() -> QuantizedLstmNet.readFrom(in(zeroScale)))
        .hasMessageContaining("LSTM layer 0 input scales[0] is 0.0");
  }

  @Test
  void training_isRepeatableForASeed() {
    LstmTrainer.Config c = new LstmTrainer.Config(8, 2, 8, 2, 16, 5e-3, 0.2, 5, 11);
    List<List<float[]>> few = entities.subList(0, 8);
    LstmNet a = LstmTrainer.train(few, c, null).runtime();
    LstmNet b = LstmTrainer.train(few, c, null).runtime();
    for (int li = 0; li < 2; li++) {
      assertThat(b.layers().get(li).inputWeights())
          .containsExactly(a.layers().get(li).inputWeights());
      assertThat(b.layers().get(li).recurrentWeights())
          .containsExactly(a.layers().get(li).recurrentWeights());
      assertThat(b.layers().get(li).bias()).containsExactly(a.layers().get(li).bias());
    }
    assertThat(b.output().weights()).containsExactly(a.output().weights());
    LstmNet other =
        LstmTrainer.train(few, new LstmTrainer.Config(8, 2, 8, 2, 16, 5e-3, 0.2, 5, 12), null)
            .runtime();
    assertThat(other.output().weights()).isNotEqualTo(a.output().weights());
  }

  @Test
  void training_usesShortSequencesWithAMaskAndShrinksTheWindow() {
    // every entity is shorter than sequenceLength + 1: one padded window each
    List<List<float[]>> shortOnes = new ArrayList<>();
    for (int e = 0; e < 30; e++) {
      shortOnes.add(entity(3 + e % 8, 500 + e, false));
    }
    shortOnes.add(List.of(new float[D])); // a single vector: skipped
    shortOnes.add(List.of());
    List<Integer> epochs = new ArrayList<>();
    LstmTrainer.Result res =
        LstmTrainer.train(
            shortOnes,
            new LstmTrainer.Config(8, 1, 16, 6, 8, 1e-2, 0.2, 6, 3),
            (epoch, max, loss, eta) -> epochs.add(epoch));
    assertThat(epochs).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(res.validationLoss()).allSatisfy(l -> assertThat(l).isFinite());
    assertThat(res.validationLoss().get(res.bestEpoch() - 1))
        .isLessThan(res.validationLoss().get(0));
  }

  @Test
  void config_andTrain_validateArguments() {
    assertThatThrownBy(() -> new LstmTrainer.Config(8, 3, 16, 5, 32, 1e-3, 0.1, 5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layers must be 1 or 2, was 3");
    assertThatThrownBy(() -> new LstmTrainer.Config(8, 0, 16, 5, 32, 1e-3, 0.1, 5, 1))
        .hasMessageContaining("layers must be 1 or 2");
    assertThatThrownBy(() -> new LstmTrainer.Config(0, 1, 16, 5, 32, 1e-3, 0.1, 5, 1))
        .hasMessageContaining("units must be at least 1");
    assertThatThrownBy(() -> new LstmTrainer.Config(8, 1, 0, 5, 32, 1e-3, 0.1, 5, 1))
        .hasMessageContaining("sequenceLength must be at least 1");
    assertThatThrownBy(() -> new LstmTrainer.Config(8, 1, 16, 0, 32, 1e-3, 0.1, 5, 1))
        .hasMessageContaining("maxEpochs, batchSize and patience");
    assertThatThrownBy(() -> new LstmTrainer.Config(8, 1, 16, 5, 32, 0, 0.1, 5, 1))
        .hasMessageContaining("learningRate must be positive");
    assertThatThrownBy(() -> new LstmTrainer.Config(8, 1, 16, 5, 32, 1e-3, 0.6, 5, 1))
        .hasMessageContaining("validationFraction must be in (0, 0.5]");
    LstmTrainer.Config d = LstmTrainer.Config.defaults();
    assertThat(d).isEqualTo(new LstmTrainer.Config(64, 1, 16, 50, 64, 1e-3, 0.1, 5, 42));

    LstmTrainer.Config c = new LstmTrainer.Config(4, 1, 4, 1, 8, 1e-3, 0.1, 1, 1);
    assertThatThrownBy(() -> LstmTrainer.train(List.of(), c, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no training window can be made");
    assertThatThrownBy(
            () -> LstmTrainer.train(List.of(List.of(new float[3]), List.of(new float[3])), c, null))
        .hasMessageContaining("no training window can be made");
    assertThatThrownBy(
            () -> LstmTrainer.train(List.of(List.of(new float[3], new float[3])), c, null))
        .hasMessageContaining("at least 2 are needed");
    assertThatThrownBy(
            () ->
                LstmTrainer.train(
                    List.of(List.of(new float[3], new float[3]), List.of(new float[4])), c, null))
        .hasMessageContaining("sequence 1 vector 0 has 4 features, expected 3");
  }

  @Test
  void runtime_validatesShapesAndStepArguments() {
    LstmLayerWeights l0 = new LstmLayerWeights(3, 2, new float[24], new float[16], new float[8]);
    LstmLayerWeights l1 = new LstmLayerWeights(4, 2, new float[32], new float[16], new float[8]);
    DenseLayerWeights out =
        new DenseLayerWeights(2, 3, new float[6], new float[3], Activation.IDENTITY);
    assertThatThrownBy(() -> new LstmNet(List.of(l0, l1), out))
        .hasMessageContaining("LSTM layer 1 takes 4 inputs but layer 0 has 2 units");
    assertThatThrownBy(
            () ->
                new LstmNet(
                    List.of(l0),
                    new DenseLayerWeights(2, 4, new float[8], new float[4], Activation.IDENTITY)))
        .hasMessageContaining("a prediction of the next input needs 3");
    assertThatThrownBy(() -> new LstmLayerWeights(3, 2, new float[23], new float[16], new float[8]))
        .hasMessageContaining("expected nIn*4*units = 24");
    LstmNet net = new LstmNet(List.of(l0), out);
    assertThat(net.stateSize()).isEqualTo(4);
    assertThatThrownBy(() -> net.step(new float[5], 2, new float[3], new float[3]))
        .hasMessageContaining("state needs 4 floats from offset 2 but has length 5");
    assertThatThrownBy(() -> net.step(new float[4], 0, new float[2], new float[3]))
        .hasMessageContaining("must have 3 entries");
    assertThatThrownBy(
            () -> new QuantizedLstmNet(net).step(new float[4], -1, new float[3], new float[3]))
        .hasMessageContaining("from offset -1");
  }
}
