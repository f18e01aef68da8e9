package dev.vigil.train.forest;

/**
 * Maps each feature to [0, 1] over the range seen in normal training data; values outside that
 * range map outside [0, 1] (not clipped), so how far a vector leaves the normal range still counts.
 * A feature that was constant in training is scaled by 1.
 *
 * <p>Immutable and thread-safe.
 */
public final class MinMaxScaler {
  private final double[] min;
  private final double[] inverseRange;

  private MinMaxScaler(double[] min, double[] inverseRange) {
    this.min = min;
    this.inverseRange = inverseRange;
  }

  /**
   * Fits the per-feature minimum and maximum of {@code rows} (at least one row, all the same
   * length).
   */
  public static MinMaxScaler fit(double[][] rows) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("rows must not be empty");
    }
    int d = rows[0].length;
    double[] min = rows[0].clone();
    double[] max = rows[0].clone();
    for (double[] r : rows) {
      if (r.length != d) {
        throw new IllegalArgumentException("row has " + r.length + " features, expected " + d);
      }
      for (int j = 0; j < d; j++) {
        min[j] = Math.min(min[j], r[j]);
        max[j] = Math.max(max[j], r[j]);
      }
    }
    double[] inv = new double[d];
    for (int j = 0; j < d; j++) {
      double range = max[j] - min[j];
      inv[j] = range > 0 ? 1.0 / range : 1.0;
    }
    return new MinMaxScaler(min, inv);
  }

  /** Returns the number of features. */
  public int size() {
    return min.length;
  }

  /** Scales {@code x} into {@code out} (same length); allocates nothing. */
  public void transform(float[] x, double[] out) {
    for (int j = 0; j < min.length; j++) {
      out[j] = (x[j] - min[j]) * inverseRange[j];
    }
  }

  /** Scales {@code x} into {@code out} (same length); allocates nothing. */
  public void transform(double[] x, double[] out) {
    for (int j = 0; j < min.length; j++) {
      out[j] = (x[j] - min[j]) * inverseRange[j];
    }
  }
}
