package dev.vigil.train;

import java.util.Arrays;

/** Receiver-operating-characteristic figures. */
public final class Roc {
  private Roc() {}

  /**
   * Returns the area under the ROC curve of {@code scores} (higher = more likely positive) against
   * {@code positive}: the probability that a random positive outscores a random negative, ties
   * counting half (Mann-Whitney U). NaN scores (no score for the row) rank below every other score
   * and tie with each other, as in {@code dev.vigil.eval.Curves}; the result is the trapezoid area
   * under {@code Curves#roc}.
   */
  public static double auc(double[] scores, boolean[] positive) {
    if (scores.length != positive.length) {
      throw new IllegalArgumentException("scores and labels differ in length");
    }
    int n = scores.length;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> compareNanLowest(scores[a], scores[b]));
    double rankSumPos = 0;
    long pos = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && sameScore(scores[idx[j + 1]], scores[idx[i]])) {
        j++;
      }
      double avgRank = (i + j) / 2.0 + 1; // ranks are 1-based; ties share the mean rank
      for (int k = i; k <= j; k++) {
        if (positive[idx[k]]) {
          rankSumPos += avgRank;
          pos++;
        }
      }
      i = j + 1;
    }
    long neg = n - pos;
    if (pos == 0 || neg == 0) {
      throw new IllegalArgumentException(
          "need both positives and negatives, got " + pos + " and " + neg);
    }
    return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }

  private static int compareNanLowest(double a, double b) {
    boolean na = Double.isNaN(a);
    boolean nb = Double.isNaN(b);
    if (na || nb) {
      return na == nb ? 0 : na ? -1 : 1;
    }
    return Double.compare(a, b);
  }

  private static boolean sameScore(double a, double b) {
    return a == b || Double.isNaN(a) && Double.isNaN(b);
  }

  /** Returns Spearman's rank correlation of two score arrays (ties get their mean rank). */
  public static double spearman(double[] a, double[] b) {
    double[] ra = ranks(a);
    double[] rb = ranks(b);
    double ma = (a.length + 1) / 2.0;
    double num = 0;
    double da = 0;
    double db = 0;
    for (int i = 0; i < a.length; i++) {
      num += (ra[i] - ma) * (rb[i] - ma);
      da += (ra[i] - ma) * (ra[i] - ma);
      db += (rb[i] - ma) * (rb[i] - ma);
    }
    return num / Math.sqrt(da * db);
  }

  private static double[] ranks(double[] v) {
    int n = v.length;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (x, y) -> Double.compare(v[x], v[y]));
    double[] r = new double[n];
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) {
        j++;
      }
      double avg = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        r[idx[k]] = avg;
      }
      i = j + 1;
    }
    return r;
  }
}
