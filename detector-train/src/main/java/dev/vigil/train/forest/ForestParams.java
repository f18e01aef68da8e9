package dev.vigil.train.forest;

/**
 * Isolation Forest training parameters.
 *
 * @param trees number of trees, at least 1
 * @param subsampleSize rows drawn for each tree, at least 2 (capped at the training-set size)
 * @param seed random seed; the same data and seed give the same forest
 * @param thresholdQuantile quantile of the normal training scores used as the alert threshold, in
 *     (0, 1]
 * @param extensionLevel 0 for the classic axis-parallel forest; k &gt; 0 splits on random
 *     hyperplanes through k + 1 features (Extended Isolation Forest, Hariri et al. 2018), capped at
 *     the vector length minus one
 */
public record ForestParams(
    int trees, int subsampleSize, long seed, double thresholdQuantile, int extensionLevel) {
  /** Validates every argument up front. */
  public ForestParams {
    if (trees < 1) {
      throw new IllegalArgumentException("trees must be at least 1, was " + trees);
    }
    if (subsampleSize < 2) {
      throw new IllegalArgumentException("subsampleSize must be at least 2, was " + subsampleSize);
    }
    if (!(thresholdQuantile > 0 && thresholdQuantile <= 1)) {
      throw new IllegalArgumentException(
          "thresholdQuantile must be in (0, 1], was " + thresholdQuantile);
    }
    if (extensionLevel < 0) {
      throw new IllegalArgumentException(
          "extensionLevel must be at least 0, was " + extensionLevel);
    }
  }

  /**
   * Returns the defaults: 100 trees, 256 rows per tree, seed 42, threshold at the 0.995 quantile,
   * extension level 1. Level 1 rather than the classic 0: an axis-parallel forest draws its split
   * points inside the training range, so a window far beyond the normal maximum in one feature (a
   * flood) scores like the busiest normal window; hyperplane splits reduce that blind spot (see
   * ForestModelTest) without the false alarms that higher levels raised on the lab captures.
   */
  public static ForestParams defaults() {
    return new ForestParams(100, 256, 42, 0.995, 1);
  }
}
