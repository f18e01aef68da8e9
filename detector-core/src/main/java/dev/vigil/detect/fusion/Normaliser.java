package dev.vigil.detect.fusion;

/**
 * Puts one component's raw scores on a common scale: {@code (raw - median) / (q99 - median)} over
 * held-out normal data, so 0 is a typical normal vector and 1 the normal 99th percentile, whatever
 * the component's units (squared error, path-length score).
 *
 * @param median median raw score of normal data
 * @param scale distance from the median to the 99th percentile, positive
 */
public record Normaliser(double median, double scale) {
  /** Validates. */
  public Normaliser {
    if (!Double.isFinite(median) || !(scale > 0) || !Double.isFinite(scale)) {
      throw new IllegalArgumentException(
          "normaliser needs a finite median and a positive finite scale, got "
              + median
              + ", "
              + scale);
    }
  }

  /** Fits on normal scores (NaN entries are ignored; at least one must remain). */
  public static Normaliser fit(double[] normalScores) {
    double[] s = TailQuantile.finiteSorted(normalScores);
    if (s.length == 0) {
      throw new IllegalArgumentException("no finite normal score to fit a normaliser on");
    }
    double median = TailQuantile.empirical(s, 0.5);
    double q99 = TailQuantile.empirical(s, 0.99);
    double floor = 1e-9 + 1e-6 * Math.abs(median);
    return new Normaliser(median, Math.max(q99 - median, floor));
  }

  /** Returns the normalised score. */
  public double apply(double raw) {
    return (raw - median) / scale;
  }
}
