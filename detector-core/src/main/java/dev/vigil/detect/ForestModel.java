package dev.vigil.detect;

import dev.vigil.features.FeatureSchema;
import java.util.List;
import java.util.Objects;
import smile.anomaly.IsolationForest;
import smile.math.MathEx;

/**
 * Holds a Smile Isolation Forest fitted on normal feature vectors, with the threshold calibrated on the same normal
 * data and the statistics used to explain verdicts.
 *
 * <p>Scores lie in (0, 1); higher is more anomalous. {@link #score} is safe to call from several threads.
 */
public final class ForestModel {
  private final FeatureSchema schema;
  private final IsolationForest forest;
  private final double threshold;
  private final FeatureStats stats;
  private final int trainingRows;

  private ForestModel(
      FeatureSchema schema, IsolationForest forest, double threshold, FeatureStats stats, int trainingRows) {
    this.schema = schema;
    this.forest = forest;
    this.threshold = threshold;
    this.stats = stats;
    this.trainingRows = trainingRows;
  }

  /**
   * Fits a forest on {@code normalRows} and sets the threshold at {@code params.thresholdQuantile()} of their scores.
   *
   * @param schema layout of every row
   * @param normalRows normal vectors, at least 8
   * @param params training parameters
   */
  public static ForestModel fit(FeatureSchema schema, List<float[]> normalRows, ForestParams params) {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(params, "params");
    if (normalRows.size() < 8) {
      throw new IllegalArgumentException(
          "at least 8 normal vectors are needed to fit a forest, got " + normalRows.size());
    }
    double[][] x = new double[normalRows.size()][];
    for (int i = 0; i < x.length; i++) {
      float[] r = normalRows.get(i);
      if (r.length != schema.size()) {
        throw new IllegalArgumentException(
            "row " + i + " has " + r.length + " features, schema " + schema.id() + " has " + schema.size());
      }
      x[i] = toDouble(r);
    }
    int sample = Math.min(params.subsampleSize(), x.length);
    double fraction = (double) sample / x.length;
    int maxDepth = Math.max(1, (int) Math.ceil(Math.log(sample) / Math.log(2)));
    IsolationForest forest;
    synchronized (MathEx.class) { // Smile's random stream is global: seed and fit as one step
      MathEx.setSeed(params.seed());
      forest = IsolationForest.fit(x, params.trees(), maxDepth, fraction, 0);
    }
    double threshold = Thresholds.quantile(forest.score(x), params.thresholdQuantile());
    return new ForestModel(schema, forest, threshold, FeatureStats.of(schema.names(), x), x.length);
  }

  /** Returns the anomaly score of {@code x}, in (0, 1). */
  public double score(float[] x) {
    if (x.length != schema.size()) {
      throw new IllegalArgumentException("vector has " + x.length + " features, expected " + schema.size());
    }
    return forest.score(toDouble(x));
  }

  /** Returns the alert threshold: scores above it are anomalous. */
  public double threshold() {
    return threshold;
  }

  /** Returns the feature layout the model was trained on. */
  public FeatureSchema schema() {
    return schema;
  }

  /** Returns the normal-data statistics used for explanations. */
  public FeatureStats stats() {
    return stats;
  }

  /** Returns how many normal vectors the model was fitted on. */
  public int trainingRows() {
    return trainingRows;
  }

  /** Returns the number of trees. */
  public int trees() {
    return forest.size();
  }

  private static double[] toDouble(float[] r) {
    double[] d = new double[r.length];
    for (int j = 0; j < r.length; j++) {
      d[j] = r[j];
    }
    return d;
  }
}
