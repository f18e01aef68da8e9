package dev.vigil.train.forest;

import java.util.Arrays;

/** Picks alert thresholds from scores of normal data. */
public final class Thresholds {
  private Thresholds() {}

  /**
   * Returns the {@code q}-quantile of {@code normalScores} (linear interpolation between order
   * statistics), so that about {@code 1 - q} of normal data scores above it.
   *
   * @param normalScores scores of held-out normal data, at least one
   * @param q quantile in (0, 1]
   */
  public static double quantile(double[] normalScores, double q) {
    if (normalScores.length == 0) {
      throw new IllegalArgumentException("normalScores must not be empty");
    }
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be in (0, 1], was " + q);
    }
    double[] s = normalScores.clone();
    Arrays.sort(s);
    double pos = q * (s.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, s.length - 1);
    return s[lo] + (pos - lo) * (s[hi] - s[lo]);
  }
}
