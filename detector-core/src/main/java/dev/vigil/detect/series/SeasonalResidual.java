package dev.vigil.detect.series;

/**
 * A series' departure from its own season: the residual {@code r(t) = v(t) − v(t − P)} against the
 * mean and deviation of the last {@code window} residuals, for a period {@code P} found in the
 * learning period by autocorrelation ({@link #detectPeriod}). A daily pattern that goes missing or
 * changes shape stands out here while the value itself stays within its usual range. Bounded rings,
 * no allocation per step. Not thread-safe.
 */
public final class SeasonalResidual {
  private final int period;
  private final int window;
  private final double[] values;
  private final double[] residuals;
  private long n;
  private long r;
  private double sum;
  private double sumSq;

  /**
   * Creates an empty detector.
   *
   * @param period the season, in steps (at least 2)
   * @param window residuals the reference is computed over (at least 2)
   */
  public SeasonalResidual(int period, int window) {
    if (period < 2 || window < 2) {
      throw new IllegalArgumentException(
          "period and window must be at least 2, were " + period + ", " + window);
    }
    this.period = period;
    this.window = window;
    this.values = new double[period];
    this.residuals = new double[window];
  }

  /** Returns the period in steps. */
  public int period() {
    return period;
  }

  /**
   * Adds the next value and returns its residual's z-score against the residuals before it (0 until
   * a full window of residuals exists).
   */
  public double next(double value) {
    int slot = (int) (n % period);
    double z = 0;
    if (n >= period) {
      double res = value - values[slot];
      if (r >= window) {
        double mean = sum / window;
        double sd = Math.sqrt(Math.max(0, sumSq / window - mean * mean));
        z = (res - mean) / Math.max(sd, 1e-6 + 1e-3 * Math.abs(mean));
      }
      int k = (int) (r % window);
      if (r >= window) {
        sum -= residuals[k];
        sumSq -= residuals[k] * residuals[k];
      }
      residuals[k] = res;
      sum += res;
      sumSq += res * res;
      r++;
      if (r % window == 0) { // exact sums once per lap
        sum = 0;
        sumSq = 0;
        for (double d : residuals) {
          sum += d;
          sumSq += d * d;
        }
      }
    }
    values[slot] = value;
    n++;
    return z;
  }

  /**
   * Returns the lag in {@code [3, count/2)} with the highest autocorrelation that is a local
   * maximum and at least {@code minAcf}, or 0 if none is (no season).
   *
   * @param v values, oldest first
   * @param count how many of {@code v} to use
   * @param minAcf the least autocorrelation that counts as a season
   */
  public static int detectPeriod(double[] v, int count, double minAcf) {
    if (count < 8) {
      return 0;
    }
    double mean = 0;
    for (int i = 0; i < count; i++) {
      mean += v[i];
    }
    mean /= count;
    double var = 0;
    for (int i = 0; i < count; i++) {
      var += (v[i] - mean) * (v[i] - mean);
    }
    if (!(var > 0)) {
      return 0;
    }
    int maxLag = count / 2;
    double[] ac = new double[maxLag + 1];
    for (int lag = 2; lag <= maxLag; lag++) {
      double c = 0;
      for (int i = lag; i < count; i++) {
        c += (v[i] - mean) * (v[i - lag] - mean);
      }
      ac[lag] = c / var;
    }
    int best = 0;
    double bestAc = minAcf;
    for (int lag = 3; lag < maxLag; lag++) {
      if (ac[lag] > bestAc && ac[lag] >= ac[lag - 1] && ac[lag] >= ac[lag + 1]) {
        bestAc = ac[lag];
        best = lag;
      }
    }
    return best;
  }
}
