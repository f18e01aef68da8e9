package dev.vigil.train.nn;

import dev.vigil.detect.nn.Activation;
import dev.vigil.detect.nn.DenseLayerWeights;
import dev.vigil.detect.nn.LstmLayerWeights;
import dev.vigil.detect.nn.LstmNet;
import dev.vigil.detect.nn.QuantizedLstmNet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Trains an LSTM that predicts an entity's next (scaled) feature vector, with DL4J, and exports it
 * to the plain-Java runtime ({@link LstmNet}, {@link QuantizedLstmNet}).
 *
 * <p>Architecture: one or two DL4J {@code LSTM} layers (tanh, sigmoid gates, no peepholes) and an
 * {@code RnnOutputLayer} (identity, MSE) giving a prediction at every step; float data type, Adam,
 * seeded Xavier initialisation, seeded split and mini-batch shuffling; early stopping on a
 * validation split keeps the weights of the best epoch. The same seed and data give the same
 * weights (on one machine: BLAS results may differ between CPUs).
 *
 * <p><b>Windows.</b> Each entity's time-ordered vectors are cut into windows of {@code L + 1}
 * vectors with stride {@code max(1, L / 2)} (so consecutive windows overlap by half), plus one
 * window aligned to the sequence's end when the stride does not reach it; the input is vectors
 * {@code 0..L-1} of a window and the label at each step is the next vector ({@code 1..L}). {@code
 * L} is the configured sequence length, shrunk to the longest sequence minus one when no sequence
 * is that long. A sequence with {@code 2 ≤ m < L + 1} vectors gives one short window: it is padded
 * with zeros after its end and a label mask keeps the padded steps out of the loss (the LSTM is
 * causal, so padding after the end cannot change the earlier steps). Sequences of fewer than two
 * vectors are skipped.
 *
 * <p><b>Validation.</b> A seeded random share of the windows is held out. Windows overlap, so a
 * held-out window shares vectors with training windows: its loss is a signal for early stopping,
 * not an unbiased estimate of the error on unseen entities.
 */
public final class LstmTrainer {
  /**
   * Training settings.
   *
   * @param units hidden units per LSTM layer
   * @param layers LSTM layers, 1 or 2
   * @param sequenceLength time steps {@code L} per training window (a window holds {@code L + 1}
   *     vectors)
   * @param maxEpochs most epochs
   * @param batchSize windows per mini-batch
   * @param learningRate Adam's learning rate
   * @param validationFraction share of windows held out for early stopping, in (0, 0.5]
   * @param patience epochs without validation improvement before stopping
   * @param seed seed of initialisation, split and shuffling
   */
  public record Config(
      int units,
      int layers,
      int sequenceLength,
      int maxEpochs,
      int batchSize,
      double learningRate,
      double validationFraction,
      int patience,
      long seed) {
    /** Validates every argument. */
    public Config {
      if (units < 1) {
        throw new IllegalArgumentException("units must be at least 1, was " + units);
      }
      if (layers < 1 || layers > 2) {
        throw new IllegalArgumentException("layers must be 1 or 2, was " + layers);
      }
      if (sequenceLength < 1) {
        throw new IllegalArgumentException(
            "sequenceLength must be at least 1, was " + sequenceLength);
      }
      EarlyStopping.checkSchedule(maxEpochs, batchSize, patience, learningRate, validationFraction);
    }

    /**
     * 64 units, 1 layer, sequence length 16, up to 50 epochs, batch 64, Adam 0.001, validation 0.1,
     * patience 5, seed 42.
     */
    public static Config defaults() {
      return new Config(64, 1, 16, 50, 64, 1e-3, 0.1, 5, 42);
    }

    /** Returns a copy with another seed. */
    public Config withSeed(long newSeed) {
      return new Config(
          units,
          layers,
          sequenceLength,
          maxEpochs,
          batchSize,
          learningRate,
          validationFraction,
          patience,
          newSeed);
    }
  }

  /**
   * The outcome.
   *
   * @param network the DL4J network (weights of the best epoch)
   * @param runtime the same weights for the plain-Java runtime
   * @param epochs epochs run
   * @param bestEpoch epoch (1-based) whose weights were kept
   * @param validationLoss per-epoch mean squared next-vector prediction error on the validation
   *     windows (unpadded steps only)
   * @param millisPerEpoch mean wall time per epoch
   */
  public record Result(
      MultiLayerNetwork network,
      LstmNet runtime,
      int epochs,
      int bestEpoch,
      List<Double> validationLoss,
      double millisPerEpoch) {}

  /** A window: {@code length} vectors of {@code seq} from {@code start}, {@code length ≥ 2}. */
  private record Window(List<float[]> seq, int start, int length) {}

  /** Windows per chunk when computing the validation loss. */
  private static final int EVAL_CHUNK = 256;

  private LstmTrainer() {}

  /**
   * Trains on {@code sequences}: one list per entity, its vectors in time order, all of the same
   * width and already scaled.
   *
   * @param progress receives one line per epoch, or {@code null}
   * @throws IllegalArgumentException if widths differ or fewer than two windows can be made (one is
   *     needed for training and one for validation)
   */
  public static Result train(
      List<List<float[]>> sequences, Config c, AutoencoderTrainer.Progress progress) {
    int d = -1;
    int longest = 0;
    for (int s = 0; s < sequences.size(); s++) {
      List<float[]> seq = sequences.get(s);
      for (int t = 0; t < seq.size(); t++) {
        int w = seq.get(t).length;
        if (d < 0) {
          d = w;
        } else if (w != d) {
          throw new IllegalArgumentException(
              "sequence " + s + " vector " + t + " has " + w + " features, expected " + d);
        }
      }
      longest = Math.max(longest, seq.size());
    }
    if (longest < 2) {
      throw new IllegalArgumentException(
          "no training window can be made: every sequence has fewer than 2 vectors");
    }
    int steps = Math.min(c.sequenceLength(), longest - 1);
    List<Window> windows = windows(sequences, steps);
    if (windows.size() < 2) {
      throw new IllegalArgumentException(
          "only "
              + windows.size()
              + " training window can be made; at least 2 are needed (one for validation)");
    }
    Random rnd = new Random(c.seed());
    Collections.shuffle(windows, rnd);
    int nVal =
        Math.min(
            windows.size() - 1,
            Math.max(1, (int) Math.round(windows.size() * c.validationFraction())));
    List<Window> val = windows.subList(0, nVal);
    List<Window> train = windows.subList(nVal, windows.size());

    MultiLayerNetwork net = network(d, c);
    int dim = d;
    EarlyStopping.Outcome o =
        EarlyStopping.run(
            net,
            train.size(),
            c.batchSize(),
            c.maxEpochs(),
            c.patience(),
            rnd,
            (order, start, n) -> {
              List<Window> batch = new ArrayList<>(n);
              for (int k = 0; k < n; k++) {
                batch.add(train.get(order[start + k]));
              }
              Batch b = batch(batch, dim, steps);
              net.fit(b.features(), b.labels(), null, b.mask());
            },
            () -> validationLoss(net, val, dim, steps),
            progress);
    net.rnnClearPreviousState();
    return new Result(
        net, export(net), o.epochs(), o.bestEpoch(), o.validationLoss(), o.millisPerEpoch());
  }

  private static MultiLayerNetwork network(int d, Config c) {
    NeuralNetConfiguration.ListBuilder b =
        new NeuralNetConfiguration.Builder()
            .seed(c.seed())
            .dataType(DataType.FLOAT)
            .updater(new Adam(c.learningRate()))
            .weightInit(WeightInit.XAVIER)
            .list();
    int nIn = d;
    for (int l = 0; l < c.layers(); l++) {
      b.layer(
          new LSTM.Builder()
              .nIn(nIn)
              .nOut(c.units())
              .activation(org.nd4j.linalg.activations.Activation.TANH)
              .gateActivationFunction(org.nd4j.linalg.activations.Activation.SIGMOID)
              .build());
      nIn = c.units();
    }
    b.layer(
        new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
            .nIn(nIn)
            .nOut(d)
            .activation(org.nd4j.linalg.activations.Activation.IDENTITY)
            .build());
    MultiLayerNetwork net = new MultiLayerNetwork(b.build());
    net.init();
    return net;
  }

  /** Cuts every sequence of at least 2 vectors into windows of at most {@code steps + 1}. */
  private static List<Window> windows(List<List<float[]>> sequences, int steps) {
    int stride = Math.max(1, steps / 2);
    int len = steps + 1;
    List<Window> out = new ArrayList<>();
    for (List<float[]> seq : sequences) {
      int m = seq.size();
      if (m < 2) {
        continue;
      }
      if (m <= len) {
        out.add(new Window(seq, 0, m));
        continue;
      }
      int start = 0;
      for (; start + len <= m; start += stride) {
        out.add(new Window(seq, start, len));
      }
      if (start - stride + len < m) {
        out.add(new Window(seq, m - len, len));
      }
    }
    return out;
  }

  /** Features and labels {@code [n, d, steps]} (DL4J's NCW), label mask {@code [n, steps]}. */
  private record Batch(INDArray features, INDArray labels, INDArray mask) {}

  private static Batch batch(List<Window> windows, int d, int steps) {
    int n = windows.size();
    float[] f = new float[n * d * steps];
    float[] l = new float[n * d * steps];
    float[] m = new float[n * steps];
    boolean padded = false;
    for (int w = 0; w < n; w++) {
      Window win = windows.get(w);
      int valid = win.length() - 1;
      padded |= valid < steps;
      for (int t = 0; t < valid; t++) {
        float[] x = win.seq().get(win.start() + t);
        float[] y = win.seq().get(win.start() + t + 1);
        for (int j = 0; j < d; j++) {
          int i = (w * d + j) * steps + t;
          f[i] = x[j];
          l[i] = y[j];
        }
        m[w * steps + t] = 1f;
      }
    }
    long[] shape = {n, d, steps};
    return new Batch(
        Nd4j.create(f, shape, 'c'),
        Nd4j.create(l, shape, 'c'),
        padded ? Nd4j.create(m, new long[] {n, steps}, 'c') : null);
  }

  /** Mean squared prediction error over the unpadded steps of {@code windows}. */
  private static double validationLoss(
      MultiLayerNetwork net, List<Window> windows, int d, int steps) {
    double sum = 0;
    long count = 0;
    for (int s = 0; s < windows.size(); s += EVAL_CHUNK) {
      List<Window> chunk = windows.subList(s, Math.min(windows.size(), s + EVAL_CHUNK));
      Batch b = batch(chunk, d, steps);
      float[] out = net.output(b.features(), false).dup('c').data().asFloat();
      float[] label = b.labels().data().asFloat();
      for (int w = 0; w < chunk.size(); w++) {
        int valid = chunk.get(w).length() - 1;
        for (int j = 0; j < d; j++) {
          for (int t = 0; t < valid; t++) {
            int i = (w * d + j) * steps + t;
            double e = out[i] - label[i];
            sum += e * e;
          }
        }
        count += (long) valid * d;
      }
    }
    return sum / count;
  }

  /**
   * Copies a trained DL4J network of {@code LSTM} layers (tanh activation, sigmoid gates) and a
   * final {@code RnnOutputLayer} into the plain-Java runtime's layout.
   *
   * @throws IllegalArgumentException for any other architecture
   */
  public static LstmNet export(MultiLayerNetwork net) {
    int count = net.getnLayers();
    if (count < 2) {
      throw new IllegalArgumentException(
          "expected LSTM layers and an RnnOutputLayer, got " + count + " layer(s)");
    }
    List<LstmLayerWeights> lstm = new ArrayList<>();
    for (int li = 0; li < count - 1; li++) {
      Layer layer = net.getLayer(li);
      if (!(layer.conf().getLayer() instanceof LSTM conf)) {
        throw new IllegalArgumentException(
            "layer "
                + li
                + " is "
                + layer.conf().getLayer().getClass().getSimpleName()
                + ", only LSTM (no peepholes) is supported");
      }
      if (!(conf.getActivationFn() instanceof ActivationTanH)
          || !(conf.getGateActivationFn() instanceof ActivationSigmoid)) {
        throw new IllegalArgumentException(
            "layer "
                + li
                + ": the runtime needs tanh activation and sigmoid gates, got "
                + conf.getActivationFn()
                + " and "
                + conf.getGateActivationFn());
      }
      INDArray w = layer.getParam("W"); // [nIn, 4n]
      INDArray rw = layer.getParam("RW"); // [n, 4n]
      INDArray b = layer.getParam("b"); // [1, 4n]
      int nIn = (int) w.size(0);
      int n = (int) rw.size(0);
      if (w.size(1) != 4L * n || rw.size(1) != 4L * n || b.length() != 4L * n) {
        throw new IllegalArgumentException(
            "layer "
                + li
                + ": unexpected LSTM parameter shapes W "
                + java.util.Arrays.toString(w.shape())
                + ", RW "
                + java.util.Arrays.toString(rw.shape()));
      }
      lstm.add(
          new LstmLayerWeights(
              nIn, n, matrix(w, nIn, 4 * n), matrix(rw, n, 4 * n), vector(b, 4 * n)));
    }
    Layer out = net.getLayer(count - 1);
    if (!(out.conf().getLayer() instanceof RnnOutputLayer conf)) {
      throw new IllegalArgumentException(
          "the last layer must be an RnnOutputLayer, was "
              + out.conf().getLayer().getClass().getSimpleName());
    }
    INDArray w = out.getParam("W"); // [nIn, nOut]
    int nIn = (int) w.size(0);
    int nOut = (int) w.size(1);
    Activation act = AutoencoderTrainer.activation(conf.getActivationFn(), count - 1);
    return new LstmNet(
        lstm,
        new DenseLayerWeights(
            nIn, nOut, transpose(w, nIn, nOut), vector(out.getParam("b"), nOut), act));
  }

  /** Returns {@code a} ({@code [rows][cols]}) row-major. */
  private static float[] matrix(INDArray a, int rows, int cols) {
    float[] m = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int col = 0; col < cols; col++) {
        m[r * cols + col] = a.getFloat(r, col);
      }
    }
    return m;
  }

  /** Returns {@code a} ({@code [rows][cols]}) transposed to a row-major {@code [cols][rows]}. */
  private static float[] transpose(INDArray a, int rows, int cols) {
    float[] t = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int col = 0; col < cols; col++) {
        t[col * rows + r] = a.getFloat(r, col);
      }
    }
    return t;
  }

  private static float[] vector(INDArray a, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = a.getFloat(i);
    }
    return v;
  }
}
