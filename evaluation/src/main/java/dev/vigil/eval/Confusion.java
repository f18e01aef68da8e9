package dev.vigil.eval;

/**
 * Confusion counts of a binary detector; positive = attack.
 *
 * <p>Rates whose denominator is zero are defined as 0 rather than NaN, so that a report never shows
 * NaN for a legitimate but degenerate split (scikit-learn's {@code zero_division=0}):
 *
 * <ul>
 *   <li>{@link #accuracy()} with no rows at all is 0;
 *   <li>{@link #precision()} with no predicted positives ({@code tp + fp == 0}) is 0;
 *   <li>{@link #recall()} and {@link #fnr()} with no actual positives ({@code tp + fn == 0}) are
 *       both 0 (nothing to find, nothing missed), so recall + FNR is 1 only when there are
 *       positives;
 *   <li>{@link #fpr()} with no actual negatives ({@code fp + tn == 0}) is 0;
 *   <li>{@link #f1()} is {@code 2tp / (2tp + fp + fn)}, the harmonic mean of precision and recall
 *       whenever both are defined, and 0 when {@code tp == 0} (including the all-zero case).
 * </ul>
 */
public record Confusion(long tp, long fp, long tn, long fn) {
  public Confusion {
    if (tp < 0 || fp < 0 || tn < 0 || fn < 0) {
      throw new IllegalArgumentException(
          "negative count: tp=" + tp + " fp=" + fp + " tn=" + tn + " fn=" + fn);
    }
  }

  /**
   * Counts the rows flagged at {@code threshold}: a row is predicted positive when {@code score >=
   * threshold}. A NaN score (a method that did not score the row) is always predicted negative, and
   * a NaN threshold flags nothing.
   */
  public static Confusion at(double[] scores, boolean[] positive, double threshold) {
    Curves.checkLengths(scores, positive);
    long tp = 0;
    long fp = 0;
    long tn = 0;
    long fn = 0;
    for (int i = 0; i < scores.length; i++) {
      boolean flagged = scores[i] >= threshold; // false for a NaN score or threshold
      if (positive[i]) {
        if (flagged) {
          tp++;
        } else {
          fn++;
        }
      } else if (flagged) {
        fp++;
      } else {
        tn++;
      }
    }
    return new Confusion(tp, fp, tn, fn);
  }

  /** Returns the number of rows counted. */
  public long total() {
    return tp + fp + tn + fn;
  }

  /** Returns {@code (tp + tn) / total}; 0 with no rows. */
  public double accuracy() {
    return ratio(tp + tn, total());
  }

  /** Returns {@code tp / (tp + fp)}; 0 when nothing was predicted positive. */
  public double precision() {
    return ratio(tp, tp + fp);
  }

  /** Returns {@code tp / (tp + fn)} (true-positive rate); 0 when there are no positives. */
  public double recall() {
    return ratio(tp, tp + fn);
  }

  /** Returns {@code 2tp / (2tp + fp + fn)}; 0 when {@code tp == 0}. */
  public double f1() {
    return ratio(2 * tp, 2 * tp + fp + fn);
  }

  /** Returns {@code fp / (fp + tn)} (false-positive rate); 0 when there are no negatives. */
  public double fpr() {
    return ratio(fp, fp + tn);
  }

  /** Returns {@code fn / (tp + fn)} (false-negative rate); 0 when there are no positives. */
  public double fnr() {
    return ratio(fn, tp + fn);
  }

  private static double ratio(long num, long den) {
    return den == 0 ? 0.0 : (double) num / den;
  }
}
