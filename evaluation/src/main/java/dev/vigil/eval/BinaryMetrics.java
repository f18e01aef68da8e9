package dev.vigil.eval;

import java.util.Objects;

/**
 * Everything reported per method at one threshold: the threshold-free areas and the confusion
 * counts at {@code threshold}.
 *
 * @param rocAuc area under the ROC curve (ties count half, NaN scores rank lowest); NaN when the
 *     labels lack positives or negatives
 * @param prAuc average precision ({@link Curves#averagePrecision}); NaN when there are no positives
 * @param threshold the threshold the confusion counts were taken at ({@code score >= threshold} is
 *     flagged)
 * @param confusion counts at {@code threshold}; NaN scores count as not flagged
 */
public record BinaryMetrics(double rocAuc, double prAuc, double threshold, Confusion confusion) {
  public BinaryMetrics {
    Objects.requireNonNull(confusion, "confusion");
  }

  /**
   * Computes the metrics of {@code scores} (higher = more likely an attack) against {@code
   * positive}. Never throws for single-class labels or NaN scores: the undefined areas are NaN.
   */
  public static BinaryMetrics of(double[] scores, boolean[] positive, double threshold) {
    Curves.Steps s = Curves.Steps.of(scores, positive);
    double rocAuc = s.pos > 0 && s.neg > 0 ? Curves.rocArea(s) : Double.NaN;
    double prAuc = s.pos > 0 ? Curves.averagePrecision(s) : Double.NaN;
    return new BinaryMetrics(rocAuc, prAuc, threshold, Confusion.at(scores, positive, threshold));
  }
}
