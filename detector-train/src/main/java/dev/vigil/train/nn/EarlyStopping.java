package dev.vigil.train.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training loop both trainers share: each epoch the training items are shuffled and fitted in
 * mini-batches, then the validation loss is measured; the weights of the best epoch are kept, and
 * training stops after {@code patience} epochs without improvement (or at {@code maxEpochs}). The
 * random source is used only for the per-epoch shuffle, so the same seed and data give the same
 * network. Not thread-safe: one loop per network.
 */
final class EarlyStopping {
  /** Fits the training items {@code order[start]} to {@code order[start + n - 1]} as one batch. */
  @FunctionalInterface
  interface BatchFit {
    void fit(int[] order, int start, int n);
  }

  /**
   * What the loop did.
   *
   * @param epochs epochs run
   * @param bestEpoch epoch (1-based) whose weights were kept
   * @param validationLoss per-epoch validation loss
   * @param millisPerEpoch mean wall time per epoch
   */
  record Outcome(int epochs, int bestEpoch, List<Double> validationLoss, double millisPerEpoch) {}

  private EarlyStopping() {}

  /**
   * Checks the schedule settings both trainers' configurations share.
   *
   * @throws IllegalArgumentException naming the first setting out of range
   */
  static void checkSchedule(
      int maxEpochs, int batchSize, int patience, double learningRate, double validationFraction) {
    if (maxEpochs < 1 || batchSize < 1 || patience < 1) {
      throw new IllegalArgumentException("maxEpochs, batchSize and patience must be at least 1");
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be positive, was " + learningRate);
    }
    if (!(validationFraction > 0 && validationFraction <= 0.5)) {
      throw new IllegalArgumentException(
          "validationFraction must be in (0, 0.5], was " + validationFraction);
    }
  }

  /**
   * Trains {@code net} and leaves the best epoch's weights in it.
   *
   * @param trainingItems number of training items (rows or windows)
   * @param rnd the trainer's random source, already used for its validation split
   * @param validationLoss measures the network's current loss on the validation items
   * @param progress receives one line per epoch, or {@code null}
   */
  static Outcome run(
      MultiLayerNetwork net,
      int trainingItems,
      int batchSize,
      int maxEpochs,
      int patience,
      Random rnd,
      BatchFit fit,
      DoubleSupplier validationLoss,
      AutoencoderTrainer.Progress progress) {
    List<Double> losses = new ArrayList<>();
    double best = Double.POSITIVE_INFINITY;
    int bestEpoch = 0;
    INDArray bestParams = net.params().dup();
    int[] order = new int[trainingItems];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    long t0 = System.nanoTime();
    int epoch = 0;
    while (epoch < maxEpochs) {
      epoch++;
      for (int i = order.length - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int start = 0; start < order.length; start += batchSize) {
        fit.fit(order, start, Math.min(batchSize, order.length - start));
      }
      double loss = validationLoss.getAsDouble();
      losses.add(loss);
      if (loss < best - 1e-9) {
        best = loss;
        bestEpoch = epoch;
        bestParams = net.params().dup();
      }
      long elapsed = System.nanoTime() - t0;
      if (progress != null) {
        progress.epoch(epoch, maxEpochs, loss, elapsed / 1_000_000 / epoch * (maxEpochs - epoch));
      }
      if (epoch - bestEpoch >= patience) {
        break;
      }
    }
    net.setParams(bestParams);
    double msPerEpoch = (System.nanoTime() - t0) / 1e6 / epoch;
    return new Outcome(epoch, bestEpoch, List.copyOf(losses), msPerEpoch);
  }
}
