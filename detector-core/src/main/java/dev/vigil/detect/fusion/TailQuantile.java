package dev.vigil.detect.fusion;

import java.util.Arrays;

/**
 * Upper quantiles of normal scores, also where the sample is too small to hold them: with fewer
 * than ten normal scores beyond the asked quantile, the tail above the 95th percentile is modelled
 * as exponential (peaks over threshold, as SPOT does for streaming thresholds) and extrapolated.
 */
public final class TailQuantile {
  private static final int MIN_EXCEEDANCES = 10;
  private static final double TAIL = 0.05;

  private TailQuantile() {}

  /** Returns the finite values of {@code x}, sorted. */
  static double[] finiteSorted(double[] x) {
    return Arrays.stream(x).filter(Double::isFinite).sorted().toArray();
  }

  /** Returns the empirical {@code q}-quantile of sorted values (linear interpolation). */
  static double empirical(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  /**
   * Returns the score exceeded by normal data with probability {@code p}: the empirical {@code (1 -
   * p)}-quantile when at least ten scores lie beyond it, otherwise the exponential-tail estimate.
   *
   * @param normalScores normal scores (NaN ignored), at least two finite
   * @param p exceedance probability in (0, 1)
   */
  public static double upper(double[] normalScores, double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("p must be in (0, 1), was " + p);
    }
    double[] s = finiteSorted(normalScores);
    if (s.length < 2) {
      throw new IllegalArgumentException("at least two finite normal scores are needed");
    }
    if (p * s.length >= MIN_EXCEEDANCES) {
      return empirical(s, 1 - p);
    }
    double u = empirical(s, 1 - TAIL);
    double sum = 0;
    int n = 0;
    for (int i = s.length - 1; i >= 0 && s[i] > u; i--) {
      sum += s[i] - u;
      n++;
    }
    double mean = n > 0 ? sum / n : 0;
    if (!(mean > 0)) { // a flat tail: nothing to extrapolate, stay just above the maximum
      return s[s.length - 1] + 1e-9 + 1e-6 * Math.abs(s[s.length - 1]);
    }
    double q = u + mean * Math.log(TAIL / p);
    return Math.max(q, empirical(s, 1 - p));
  }
}
