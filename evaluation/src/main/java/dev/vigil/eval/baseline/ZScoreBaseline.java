package dev.vigil.eval.baseline;

import java.util.List;

/**
 * Statistical thresholding, signature-like: the score of a vector is its largest per-feature
 * z-score {@code max_j |x_j - mean_j| / sd_j}, with mean and standard deviation taken over normal
 * rows. A single feature far outside its normal spread is enough to score high.
 *
 * <p>The standard deviation (population form) is floored at {@code 1e-6 + 1e-3 * |mean|}, so a
 * feature that never moved in normal data adds nothing while it stays at its value and scores very
 * high as soon as it moves. Scoring allocates nothing.
 */
public final class ZScoreBaseline implements BaselineDetector {
  private final double[] mean;
  private final double[] invSd;

  private ZScoreBaseline(double[] mean, double[] invSd) {
    this.mean = mean;
    this.invSd = invSd;
  }

  /**
   * Fits per-feature means and standard deviations on {@code normal}.
   *
   * @param normal normal rows, at least 2, all of the same width
   * @throws IllegalArgumentException if there are fewer than 2 rows or they differ in width
   */
  public static ZScoreBaseline fit(List<float[]> normal) {
    int d = Rows.width(normal, 2, "normal");
    int n = normal.size();
    double[] mean = new double[d];
    for (float[] r : normal) {
      for (int j = 0; j < d; j++) {
        mean[j] += r[j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    double[] var = new double[d];
    for (float[] r : normal) { // two passes: no cancellation on large offsets
      for (int j = 0; j < d; j++) {
        double e = r[j] - mean[j];
        var[j] += e * e;
      }
    }
    double[] invSd = new double[d];
    for (int j = 0; j < d; j++) {
      double sd = Math.sqrt(var[j] / n);
      invSd[j] = 1.0 / Math.max(sd, 1e-6 + 1e-3 * Math.abs(mean[j]));
    }
    return new ZScoreBaseline(mean, invSd);
  }

  @Override
  public String name() {
    return "zscore";
  }

  /** Returns {@code max_j |x_j - mean_j| / sd_j}. */
  @Override
  public double score(float[] x) {
    Rows.checkWidth(x, mean.length);
    double max = 0;
    for (int j = 0; j < mean.length; j++) {
      double z = Math.abs(x[j] - mean[j]) * invSd[j];
      if (z > max) {
        max = z;
      }
    }
    return max;
  }

  /** Returns the number of features. */
  public int dimensions() {
    return mean.length;
  }
}
