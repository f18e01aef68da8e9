package dev.vigil.train.nn;

import dev.vigil.detect.nn.Activation;
import dev.vigil.detect.nn.DenseLayerWeights;
import dev.vigil.detect.nn.DenseNet;
import dev.vigil.detect.nn.QuantizedDenseNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Trains a dense autoencoder with DL4J on normal (scaled) vectors and exports it to the plain-Java
 * runtime.
 *
 * <p>Architecture: {@code d → hidden → bottleneck → hidden → d}, ReLU inside, identity output, MSE
 * loss, Adam, seeded Xavier initialisation and seeded mini-batch shuffling; early stopping on a
 * validation split keeps the weights of the best epoch. DL4J is used for training only: scoring
 * runs on {@link DenseNet} or {@link QuantizedDenseNet}.
 */
public final class AutoencoderTrainer {
  /**
   * Training settings.
   *
   * @param hidden width of the outer hidden layers
   * @param bottleneck width of the code layer
   * @param maxEpochs most epochs
   * @param batchSize rows per mini-batch
   * @param learningRate Adam's learning rate
   * @param validationFraction share of rows held out for early stopping, in (0, 0.5]
   * @param patience epochs without validation improvement before stopping
   * @param seed seed of initialisation, split and shuffling
   */
  public record Config(
      int hidden,
      int bottleneck,
      int maxEpochs,
      int batchSize,
      double learningRate,
      double validationFraction,
      int patience,
      long seed) {
    /** Validates every argument. */
    public Config {
      if (hidden < 1 || bottleneck < 1) {
        throw new IllegalArgumentException("hidden and bottleneck must be at least 1");
      }
      EarlyStopping.checkSchedule(maxEpochs, batchSize, patience, learningRate, validationFraction);
    }

    /**
     * The papers' defaults: 64 hidden, 16 code units, up to 50 epochs, batch 64, Adam 0.001,
     * patience 5.
     */
    public static Config defaults() {
      return new Config(64, 16, 50, 64, 1e-3, 0.1, 5, 42);
    }
  }

  /**
   * The outcome.
   *
   * @param network the DL4J network (weights of the best epoch)
   * @param runtime the same weights for the plain-Java runtime
   * @param epochs epochs run
   * @param bestEpoch epoch (1-based) whose weights were kept
   * @param validationLoss per-epoch mean squared reconstruction error on the validation rows
   * @param millisPerEpoch mean wall time per epoch
   */
  public record Result(
      MultiLayerNetwork network,
      DenseNet runtime,
      int epochs,
      int bestEpoch,
      List<Double> validationLoss,
      double millisPerEpoch) {}

  /** Receives one line per epoch. */
  @FunctionalInterface
  public interface Progress {
    /** Reports an epoch. */
    void epoch(int epoch, int maxEpochs, double validationLoss, long etaMillis);
  }

  private AutoencoderTrainer() {}

  /** Trains on {@code rows} (each of the same width, already scaled). */
  public static Result train(List<float[]> rows, Config c, Progress progress) {
    if (rows.size() < 10) {
      throw new IllegalArgumentException("at least 10 rows are needed, got " + rows.size());
    }
    int d = rows.get(0).length;
    List<float[]> shuffled = new ArrayList<>(rows);
    Random rnd = new Random(c.seed());
    java.util.Collections.shuffle(shuffled, rnd);
    int nVal = Math.max(1, (int) Math.round(shuffled.size() * c.validationFraction()));
    INDArray val = matrix(shuffled.subList(0, nVal), d);
    List<float[]> train = shuffled.subList(nVal, shuffled.size());

    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(c.seed())
            .dataType(DataType.FLOAT)
            .updater(new Adam(c.learningRate()))
            .weightInit(WeightInit.XAVIER)
            .list()
            .layer(dense(d, c.hidden()))
            .layer(dense(c.hidden(), c.bottleneck()))
            .layer(dense(c.bottleneck(), c.hidden()))
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                    .nIn(c.hidden())
                    .nOut(d)
                    .activation(org.nd4j.linalg.activations.Activation.IDENTITY)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();

    EarlyStopping.Outcome o =
        EarlyStopping.run(
            net,
            train.size(),
            c.batchSize(),
            c.maxEpochs(),
            c.patience(),
            rnd,
            (order, start, n) -> {
              float[][] batch = new float[n][];
              for (int k = 0; k < n; k++) {
                batch[k] = train.get(order[start + k]);
              }
              INDArray x = Nd4j.create(batch);
              net.fit(x, x);
            },
            () -> mse(net.output(val, false), val),
            progress);
    return new Result(
        net, export(net), o.epochs(), o.bestEpoch(), o.validationLoss(), o.millisPerEpoch());
  }

  private static DenseLayer dense(int nIn, int nOut) {
    return new DenseLayer.Builder()
        .nIn(nIn)
        .nOut(nOut)
        .activation(org.nd4j.linalg.activations.Activation.RELU)
        .build();
  }

  /**
   * Copies a trained DL4J network of dense and output layers into the plain-Java runtime's layout.
   */
  public static DenseNet export(MultiLayerNetwork net) {
    List<DenseLayerWeights> out = new ArrayList<>();
    for (int li = 0; li < net.getnLayers(); li++) {
      Layer layer = net.getLayer(li);
      INDArray w = layer.getParam("W"); // [nIn, nOut]
      INDArray b = layer.getParam("b");
      int nIn = (int) w.size(0);
      int nOut = (int) w.size(1);
      float[] rows = new float[nIn * nOut];
      for (int o = 0; o < nOut; o++) {
        for (int i = 0; i < nIn; i++) {
          rows[o * nIn + i] = w.getFloat(i, o);
        }
      }
      float[] bias = new float[nOut];
      for (int o = 0; o < nOut; o++) {
        bias[o] = b.getFloat(o);
      }
      IActivation act = ((BaseLayer) layer.conf().getLayer()).getActivationFn();
      out.add(new DenseLayerWeights(nIn, nOut, rows, bias, activation(act, li)));
    }
    return new DenseNet(out);
  }

  static Activation activation(IActivation a, int layer) {
    String n = a.getClass().getSimpleName();
    return switch (n) {
      case "ActivationIdentity" -> Activation.IDENTITY;
      case "ActivationReLU" -> Activation.RELU;
      case "ActivationTanH" -> Activation.TANH;
      case "ActivationSigmoid" -> Activation.SIGMOID;
      default ->
          throw new IllegalArgumentException(
              "layer " + layer + ": activation " + n + " is not supported by the runtime");
    };
  }

  private static INDArray matrix(List<float[]> rows, int d) {
    float[][] m = new float[rows.size()][];
    for (int i = 0; i < m.length; i++) {
      if (rows.get(i).length != d) {
        throw new IllegalArgumentException(
            "row " + i + " has " + rows.get(i).length + " features, expected " + d);
      }
      m[i] = rows.get(i);
    }
    return Nd4j.create(m);
  }

  private static double mse(INDArray out, INDArray x) {
    return out.squaredDistance(x) / x.length();
  }
}
