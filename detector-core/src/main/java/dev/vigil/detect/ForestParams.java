package dev.vigil.detect;

/**
 * Isolation Forest training parameters.
 *
 * @param trees number of trees, at least 1
 * @param subsampleSize rows drawn for each tree, at least 2 (capped at the training-set size)
 * @param seed random seed; the same data and seed give the same forest
 * @param thresholdQuantile quantile of the normal training scores used as the alert threshold, in
 *     (0, 1]
 */
public record ForestParams(int trees, int subsampleSize, long seed, double thresholdQuantile) {
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
  }

  /**
   * Returns the defaults: 100 trees, 256 rows per tree, seed 42, threshold at the 0.995 quantile.
   */
  public static ForestParams defaults() {
    return new ForestParams(100, 256, 42, 0.995);
  }
}
