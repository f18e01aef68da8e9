package dev.vigil.eval;

import dev.vigil.train.Roc;
import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * ROC and precision-recall curves, average precision and thresholds of a scorer (higher score =
 * more likely an attack).
 *
 * <p><b>Ties:</b> rows with equal scores are one threshold: they enter the flagged set together, so
 * each distinct score is one point (one step) of a curve. {@code -0.0} and {@code 0.0} are equal.
 *
 * <p><b>NaN scores</b> (a method that has no score for a row) rank below every other score, all NaN
 * rows tied with each other: they form the last point of a curve, the one where everything is
 * flagged, so a ROC curve still ends at (1, 1) and a PR curve at recall 1. {@link Roc#auc} ranks
 * them the same way. {@link Confusion#at}, on the other hand, never flags a NaN row, whatever the
 * threshold.
 *
 * <p>The ROC methods need both positives and negatives, the PR methods at least one positive; they
 * throw {@link IllegalArgumentException} otherwise ({@link BinaryMetrics#of} reports NaN instead).
 */
public final class Curves {
  private Curves() {}

  /**
   * Returns the ROC curve {@code {fpr[], tpr[]}}: the first point is (0, 0) (nothing flagged), then
   * one point per distinct score from the highest down, the last being (1, 1). Both coordinates are
   * non-decreasing, and the trapezoid area under the curve equals {@link Roc#auc}.
   */
  public static double[][] roc(double[] scores, boolean[] positive) {
    Steps s = Steps.of(scores, positive);
    s.requireBoth();
    int m = s.size();
    double[] fpr = new double[m + 1];
    double[] tpr = new double[m + 1];
    for (int k = 0; k < m; k++) {
      fpr[k + 1] = (double) s.fp[k] / s.neg;
      tpr[k + 1] = (double) s.tp[k] / s.pos;
    }
    // Exact end point whatever the rounding.
    fpr[m] = 1.0;
    tpr[m] = 1.0;
    return new double[][] {fpr, tpr};
  }

  /**
   * Returns the precision-recall curve {@code {recall[], precision[]}}: one point per distinct
   * score, from the highest threshold (lowest recall) to the lowest (recall 1, precision = base
   * rate). There is no artificial (0, 1) start point; draw the first step from recall 0 at the
   * first precision, which is how {@link #averagePrecision} counts it.
   */
  public static double[][] pr(double[] scores, boolean[] positive) {
    Steps s = Steps.of(scores, positive);
    s.requirePositives();
    int m = s.size();
    double[] recall = new double[m];
    double[] precision = new double[m];
    for (int k = 0; k < m; k++) {
      recall[k] = (double) s.tp[k] / s.pos;
      precision[k] = (double) s.tp[k] / (s.tp[k] + s.fp[k]);
    }
    return new double[][] {recall, precision};
  }

  /**
   * Returns the area under the PR curve as average precision, {@code sum_n (R_n - R_{n-1}) P_n}
   * over the distinct scores from the highest down ({@code R_0 = 0}), as scikit-learn's {@code
   * average_precision_score}: a step function, no interpolation. Tied scores are one threshold; NaN
   * scores are the lowest threshold.
   */
  public static double averagePrecision(double[] scores, boolean[] positive) {
    Steps s = Steps.of(scores, positive);
    s.requirePositives();
    return averagePrecision(s);
  }

  /**
   * Returns the threshold (one of the scores) that maximises F1 on these labels, for {@link
   * Confusion#at}. This is an <b>oracle</b> threshold: it is chosen with the labels being
   * evaluated, so the F1 it gives is an optimistic upper bound, not what a deployed detector would
   * reach with a threshold fixed beforehand. Of equal F1s the highest threshold (fewest alerts)
   * wins. NaN scores are never flagged and are not candidates. Returns {@link
   * Double#POSITIVE_INFINITY} (flag nothing) when no threshold reaches an F1 above 0, e.g. without
   * positives or with every score NaN.
   */
  public static double bestF1Threshold(double[] scores, boolean[] positive) {
    Steps s = Steps.of(scores, positive);
    double best = Double.POSITIVE_INFINITY;
    double bestF1 = 0;
    for (int k = 0; k < s.size(); k++) {
      if (Double.isNaN(s.threshold[k])) {
        break; // the NaN group is last
      }
      long tp = s.tp[k];
      double f1 = (2.0 * tp) / (2.0 * tp + s.fp[k] + (s.pos - tp));
      if (f1 > bestF1) {
        bestF1 = f1;
        best = s.threshold[k];
      }
    }
    return best;
  }

  /**
   * Thins a curve {@code {x[], y[]}} for plotting or JSON to at most {@code maxPoints} points. The
   * first and last points are always kept; the others are picked greedily by how far they lie from
   * the thinned polyline (Ramer-Douglas-Peucker, largest deviation first), so corners survive and
   * straight runs collapse. Points that lie on the polyline are dropped even below {@code
   * maxPoints}. A curve that already has at most {@code maxPoints} points is returned as a copy.
   *
   * @throws IllegalArgumentException if {@code maxPoints < 2} or the coordinate arrays differ in
   *     length
   */
  public static double[][] downsample(double[][] curve, int maxPoints) {
    if (maxPoints < 2) {
      throw new IllegalArgumentException("maxPoints must be at least 2, got " + maxPoints);
    }
    if (curve.length != 2 || curve[0].length != curve[1].length) {
      throw new IllegalArgumentException("curve must be {x[], y[]} of equal lengths");
    }
    double[] x = curve[0];
    double[] y = curve[1];
    int n = x.length;
    if (n <= maxPoints) {
      return new double[][] {x.clone(), y.clone()};
    }
    boolean[] keep = new boolean[n];
    keep[0] = true;
    keep[n - 1] = true;
    int kept = 2;
    PriorityQueue<Segment> queue =
        new PriorityQueue<>((a, b) -> Double.compare(b.distance, a.distance));
    Segment first = Segment.of(x, y, 0, n - 1);
    if (first != null) {
      queue.add(first);
    }
    while (kept < maxPoints && !queue.isEmpty()) {
      Segment seg = queue.poll();
      if (!(seg.distance > 0)) {
        break; // the rest lies on the polyline
      }
      keep[seg.farthest] = true;
      kept++;
      Segment left = Segment.of(x, y, seg.lo, seg.farthest);
      Segment right = Segment.of(x, y, seg.farthest, seg.hi);
      if (left != null) {
        queue.add(left);
      }
      if (right != null) {
        queue.add(right);
      }
    }
    double[] ox = new double[kept];
    double[] oy = new double[kept];
    int j = 0;
    for (int i = 0; i < n; i++) {
      if (keep[i]) {
        ox[j] = x[i];
        oy[j] = y[i];
        j++;
      }
    }
    return new double[][] {ox, oy};
  }

  /** A stretch of a curve between two kept points, with its point farthest from the chord. */
  private record Segment(int lo, int hi, int farthest, double distance) {
    static Segment of(double[] x, double[] y, int lo, int hi) {
      if (hi - lo < 2) {
        return null;
      }
      int far = lo + 1;
      double best = -1;
      for (int i = lo + 1; i < hi; i++) {
        double d = distanceToSegment(x[i], y[i], x[lo], y[lo], x[hi], y[hi]);
        if (Double.isNaN(d)) {
          d = Double.POSITIVE_INFINITY; // keep gaps (NaN points) in place
        }
        if (d > best) {
          best = d;
          far = i;
        }
      }
      return new Segment(lo, hi, far, best);
    }
  }

  private static double distanceToSegment(
      double px, double py, double ax, double ay, double bx, double by) {
    double dx = bx - ax;
    double dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double t = len2 == 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
    t = Math.max(0, Math.min(1, t));
    return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
  }

  // ---- shared with BinaryMetrics and Confusion ----

  static void checkLengths(double[] scores, boolean[] positive) {
    if (scores.length != positive.length) {
      throw new IllegalArgumentException(
          "scores and labels differ in length: " + scores.length + " vs " + positive.length);
    }
  }

  /** Trapezoid area under the ROC curve of {@code s} (needs both classes). */
  static double rocArea(Steps s) {
    double area = 0;
    long prevTp = 0;
    long prevFp = 0;
    for (int k = 0; k < s.size(); k++) {
      // A step of dFp negatives at once (a tie) is a slanted segment: the trapezoid counts the
      // positives of the same score half.
      area += (double) (s.fp[k] - prevFp) * (prevTp + s.tp[k]) / 2.0;
      prevTp = s.tp[k];
      prevFp = s.fp[k];
    }
    return area / ((double) s.pos * s.neg);
  }

  /** Average precision of {@code s} (needs a positive). */
  static double averagePrecision(Steps s) {
    double ap = 0;
    long prevTp = 0;
    for (int k = 0; k < s.size(); k++) {
      long tp = s.tp[k];
      if (tp != prevTp) {
        ap += (double) (tp - prevTp) / s.pos * ((double) tp / (tp + s.fp[k]));
      }
      prevTp = tp;
    }
    return ap;
  }

  /**
   * Cumulative counts at each distinct score, from the highest down, NaN (if any) last: at step
   * {@code k}, {@code tp[k]} positives and {@code fp[k]} negatives score at least {@code
   * threshold[k]}.
   */
  static final class Steps {
    final double[] threshold;
    final long[] tp;
    final long[] fp;
    final long pos;
    final long neg;

    private Steps(double[] threshold, long[] tp, long[] fp, long pos, long neg) {
      this.threshold = threshold;
      this.tp = tp;
      this.fp = fp;
      this.pos = pos;
      this.neg = neg;
    }

    int size() {
      return threshold.length;
    }

    void requirePositives() {
      if (pos == 0) {
        throw new IllegalArgumentException("need at least one positive, got none");
      }
    }

    void requireBoth() {
      if (pos == 0 || neg == 0) {
        throw new IllegalArgumentException(
            "need both positives and negatives, got " + pos + " and " + neg);
      }
    }

    static Steps of(double[] scores, boolean[] positive) {
      checkLengths(scores, positive);
      int np = 0;
      for (boolean b : positive) {
        if (b) {
          np++;
        }
      }
      double[] ps = new double[np];
      double[] ns = new double[scores.length - np];
      int ip = 0;
      int in = 0;
      for (int i = 0; i < scores.length; i++) {
        if (positive[i]) {
          ps[ip++] = scores[i];
        } else {
          ns[in++] = scores[i];
        }
      }
      // Ascending, NaNs at the end; walk both from the highest non-NaN score down.
      Arrays.sort(ps);
      Arrays.sort(ns);
      int pHi = ps.length;
      while (pHi > 0 && Double.isNaN(ps[pHi - 1])) {
        pHi--;
      }
      int nHi = ns.length;
      while (nHi > 0 && Double.isNaN(ns[nHi - 1])) {
        nHi--;
      }
      boolean anyNan = pHi < ps.length || nHi < ns.length;
      int cap = pHi + nHi + (anyNan ? 1 : 0);
      double[] th = new double[cap];
      long[] tps = new long[cap];
      long[] fps = new long[cap];
      int m = 0;
      int i = pHi - 1;
      int j = nHi - 1;
      long tp = 0;
      long fp = 0;
      while (i >= 0 || j >= 0) {
        double t;
        if (i < 0) {
          t = ns[j];
        } else if (j < 0) {
          t = ps[i];
        } else {
          t = Math.max(ps[i], ns[j]);
        }
        while (i >= 0 && ps[i] == t) {
          tp++;
          i--;
        }
        while (j >= 0 && ns[j] == t) {
          fp++;
          j--;
        }
        th[m] = t;
        tps[m] = tp;
        fps[m] = fp;
        m++;
      }
      if (anyNan) {
        th[m] = Double.NaN;
        tps[m] = ps.length;
        fps[m] = ns.length;
        m++;
      }
      return new Steps(
          Arrays.copyOf(th, m), Arrays.copyOf(tps, m), Arrays.copyOf(fps, m), ps.length, ns.length);
    }
  }
}
