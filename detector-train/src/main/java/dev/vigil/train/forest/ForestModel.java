package dev.vigil.train.forest;

import dev.vigil.detect.forest.FlatForest;
import dev.vigil.features.FeatureSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import smile.anomaly.IsolationForest;
import smile.anomaly.IsolationTree;
import smile.math.MathEx;
import smile.stat.distribution.GaussianDistribution;

/**
 * Holds a Smile Isolation Forest fitted on min-max scaled normal feature vectors, with the
 * threshold calibrated on the same normal data and the statistics used to explain verdicts.
 *
 * <p>Scores lie in (0, 1); higher is more anomalous. {@link #score} is safe to call from several
 * threads. It scores with a {@link FlatForest}, a flat array copy of the Smile trees that returns
 * Smile's own scores bit for bit at a fraction of the cost.
 */
public final class ForestModel {
  private final FeatureSchema schema;
  private final MinMaxScaler scaler;
  private final IsolationForest forest;
  private final FlatForest flat;
  private final ThreadLocal<double[]> scratch;
  private final double threshold;
  private final FeatureStats stats;
  private final int trainingRows;

  private ForestModel(
      FeatureSchema schema,
      MinMaxScaler scaler,
      IsolationForest forest,
      FlatForest flat,
      double threshold,
      FeatureStats stats,
      int trainingRows) {
    this.schema = schema;
    this.scaler = scaler;
    this.forest = forest;
    this.flat = flat;
    this.scratch = ThreadLocal.withInitial(() -> new double[schema.size()]);
    this.threshold = threshold;
    this.stats = stats;
    this.trainingRows = trainingRows;
  }

  /**
   * Fits a forest on {@code normalRows} and sets the threshold at {@code
   * params.thresholdQuantile()} of their scores.
   *
   * @param schema layout of every row
   * @param normalRows normal vectors, at least 8
   * @param params training parameters
   */
  public static ForestModel fit(
      FeatureSchema schema, List<float[]> normalRows, ForestParams params) {
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
            "row "
                + i
                + " has "
                + r.length
                + " features, schema "
                + schema.id()
                + " has "
                + schema.size());
      }
      x[i] = toDouble(r);
    }
    MinMaxScaler scaler = MinMaxScaler.fit(x);
    double[][] scaled = new double[x.length][schema.size()];
    for (int i = 0; i < x.length; i++) {
      scaler.transform(x[i], scaled[i]);
    }
    IsolationForest forest = fitIsolationForest(scaled, params);
    FlatForest flat = SmileForests.flatten(forest);
    double[] scores = new double[scaled.length];
    for (int i = 0; i < scaled.length; i++) {
      scores[i] = flat.score(scaled[i]);
    }
    double threshold = Thresholds.quantile(scores, params.thresholdQuantile());
    return new ForestModel(
        schema, scaler, forest, flat, threshold, FeatureStats.of(schema.names(), x), x.length);
  }

  /**
   * Fits a Smile Isolation Forest on already scaled rows, deterministically for {@code
   * params.seed()} (see {@link #fitForest}); the subsample is capped at the row count, the depth
   * limit is {@code ceil(log2(subsample))}, and the extension level is capped at the width minus
   * one. {@code params.thresholdQuantile()} is not used here.
   */
  public static IsolationForest fitIsolationForest(double[][] scaled, ForestParams params) {
    if (scaled.length < 2) {
      throw new IllegalArgumentException("at least 2 rows are needed to fit a forest");
    }
    int sample = Math.min(params.subsampleSize(), scaled.length);
    int maxDepth = Math.max(1, (int) Math.ceil(Math.log(sample) / Math.log(2)));
    int extension = Math.min(params.extensionLevel(), scaled[0].length - 1);
    return fitForest(scaled, params.trees(), sample, maxDepth, extension, params.seed());
  }

  /**
   * Fits Smile's trees one after another on this thread. Smile's own {@code IsolationForest.fit}
   * builds them on a parallel stream whose worker threads keep their own random generators, so
   * {@code MathEx.setSeed} cannot make it repeatable; here each tree gets a subsample drawn from a
   * seeded generator and its own seeded split generator.
   */
  private static IsolationForest fitForest(
      double[][] x, int trees, int sample, int maxDepth, int extension, long seed) {
    Random rows = new Random(seed);
    int[] index = new int[x.length];
    IsolationTree[] built = new IsolationTree[trees];
    for (int t = 0; t < trees; t++) {
      for (int i = 0; i < index.length; i++) {
        index[i] = i;
      }
      List<double[]> sub = new ArrayList<>(sample);
      for (int i = 0;
          i < sample;
          i++) { // partial Fisher-Yates: a uniform sample without replacement
        int j = i + rows.nextInt(index.length - i);
        int tmp = index[i];
        index[i] = index[j];
        index[j] = tmp;
        sub.add(x[index[i]]);
      }
      synchronized (GaussianDistribution.class) {
        MathEx.setSeed(rows.nextLong()); // Smile's split randomness is per thread: this thread's
        resetGaussianCache();
        built[t] = new IsolationTree(sub, maxDepth, extension);
      }
    }
    return new IsolationForest(sample, extension, built);
  }

  /**
   * Clears the spare Box-Muller value that Smile's shared {@code
   * GaussianDistribution.getInstance()} caches between calls (field {@code z1}): the trees draw
   * their split directions from it, so without this a fit depends on whatever used the singleton
   * before. Fails loudly if a Smile upgrade renames the field.
   */
  private static void resetGaussianCache() {
    try {
      java.lang.reflect.Field z1 = GaussianDistribution.class.getDeclaredField("z1");
      z1.setAccessible(true);
      z1.setDouble(GaussianDistribution.getInstance(), Double.NaN);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot reset Smile's Gaussian cache; check the Smile version", e);
    }
  }

  /**
   * Returns the anomaly score of {@code x}, in (0, 1): Smile's score of the scaled vector, computed
   * by the {@link #flat()} copy.
   *
   * <p>Allocates nothing after the first call on each thread: the scaled vector goes into a
   * per-thread scratch array held in a {@link ThreadLocal}, which keeps this signature and keeps
   * the method safe to call from several threads. (Each new thread, a virtual one included, pays
   * for one array of {@code schema().size()} doubles.)
   */
  public double score(float[] x) {
    if (x.length != schema.size()) {
      throw new IllegalArgumentException(
          "vector has " + x.length + " features, expected " + schema.size());
    }
    double[] scaled = scratch.get();
    scaler.transform(x, scaled);
    return flat.score(scaled);
  }

  /** Returns the flat copy of the forest that {@link #score} uses. */
  public FlatForest flat() {
    return flat;
  }

  /** Returns the Smile forest the flat copy was made from (for tests that compare the two). */
  IsolationForest smileForest() {
    return forest;
  }

  /** Returns the scaler applied before scoring (for tests). */
  MinMaxScaler scaler() {
    return scaler;
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
    return flat.trees();
  }

  private static double[] toDouble(float[] r) {
    double[] d = new double[r.length];
    for (int j = 0; j < r.length; j++) {
      d[j] = r[j];
    }
    return d;
  }
}
