package dev.vigil.eval.nab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * NAB's threshold sweep ({@code Sweeper.calcScoreByThreshold} in {@code sweeper.py}) over a set of
 * rows: one file's, or the whole corpus's for the threshold optimisation.
 *
 * <p>Each row has an anomaly score, a sweep score (its weighted contribution if detected; see
 * {@link NabScorer}) and a window: {@link #PROBATIONARY} (never scored), {@link #OUTSIDE} (a
 * detection there is a false positive) or a window id, unique over the rows given. The rows after
 * the probationary period are sorted by anomaly score, highest first, keeping row order among equal
 * scores (Python's stable {@code sorted(..., reverse=True)}); lowering the threshold through that
 * list turns rows into detections one by one. Each window contributes minus A_FN while undetected
 * and else the highest sweep score of its detected rows; false positives add their sweep scores.
 * The score is summed as NAB's {@code sum(scoreParts.values())} does: false positives first, then
 * the windows in the order they first occur in the sorted list.
 */
final class NabSweep {
  /** Window marker of a row in the probationary period. */
  static final int PROBATIONARY = -2;

  /** Window marker of a row outside every window. */
  static final int OUTSIDE = -1;

  /** Where NAB's sweep starts: above every anomaly score in [0, 1], so nothing is detected. */
  static final double START_THRESHOLD = 1.1;

  private final double[] scores;
  private final int[] rows;
  private final int[] windows;
  private final int windowCount;
  private final int outsideCount;

  /**
   * Prepares the sweep over rows {@code [from, to)} of the arrays.
   *
   * @param anomalyScores the rows' anomaly scores (finite)
   * @param windowOf each row's window id, {@link #OUTSIDE} or {@link #PROBATIONARY}
   */
  NabSweep(double[] anomalyScores, int[] windowOf, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      if (windowOf[i] != PROBATIONARY) {
        n++;
      }
    }
    Integer[] order = new Integer[n];
    int k = 0;
    for (int i = from; i < to; i++) {
      if (windowOf[i] != PROBATIONARY) {
        order[k++] = i;
      }
    }
    // Arrays.sort on objects is a stable merge sort; + 0.0 folds -0.0 into 0.0 as Python's == does.
    Arrays.sort(order, (a, b) -> Double.compare(anomalyScores[b] + 0.0, anomalyScores[a] + 0.0));
    scores = new double[n];
    rows = new int[n];
    windows = new int[n];
    Map<Integer, Integer> compact = new HashMap<>();
    int outside = 0;
    for (k = 0; k < n; k++) {
      int row = order[k];
      rows[k] = row;
      scores[k] = anomalyScores[row];
      int w = windowOf[row];
      if (w == OUTSIDE) {
        windows[k] = OUTSIDE;
        outside++;
      } else {
        windows[k] = compact.computeIfAbsent(w, x -> compact.size());
      }
    }
    windowCount = compact.size();
    outsideCount = outside;
  }

  /** Returns the rows scored (after the probationary period), highest anomaly score first. */
  int[] sortedRows() {
    return rows.clone();
  }

  /** Returns the number of windows with at least one scored row. */
  int windowCount() {
    return windowCount;
  }

  /**
   * Returns the sweep's first threshold: NAB's 1.1, or just above the highest anomaly score if one
   * exceeds 1.1 (where NAB's row labelled 1.1 would detect nothing although rows score above it).
   */
  double startThreshold() {
    return scores.length == 0 || scores[0] <= START_THRESHOLD
        ? START_THRESHOLD
        : Math.nextUp(scores[0]);
  }

  /**
   * Returns the score of every threshold: the start threshold (nothing detected), then each
   * distinct anomaly score, highest first, with the rows scoring at least that detected.
   *
   * @param sweepScores each row's sweep score, indexed like the constructor's arrays
   * @param fnWeight the profile's A_FN
   */
  List<NabThresholdScore> scoresByThreshold(double[] sweepScores, double fnWeight) {
    double[] parts = new double[windowCount];
    Arrays.fill(parts, -fnWeight);
    double fp = 0;
    int tp = 0;
    int fpCount = 0;
    int tn = outsideCount;
    int fn = scores.length - outsideCount;
    double threshold = startThreshold();
    List<NabThresholdScore> out = new ArrayList<>();
    for (int k = 0; k < scores.length; k++) {
      if (scores[k] != threshold) {
        out.add(new NabThresholdScore(threshold, total(fp, parts), tp, tn, fpCount, fn));
        threshold = scores[k];
      }
      double s = sweepScores[rows[k]];
      int w = windows[k];
      if (w >= 0) {
        tp++;
        fn--;
        if (s > parts[w]) { // Python's max(current, s) keeps the current value on ties
          parts[w] = s;
        }
      } else {
        fpCount++;
        tn--;
        fp += s;
      }
    }
    out.add(new NabThresholdScore(threshold, total(fp, parts), tp, tn, fpCount, fn));
    return out;
  }

  /**
   * Returns the score with every row whose anomaly score is at least {@code threshold} detected.
   * Where NAB's {@code scoreDataSet} finds a matching row of the sweep this is that row; NAB finds
   * none (and fails) for a threshold below all anomaly scores, where this detects every row.
   */
  Result scoreAt(double threshold, double[] sweepScores, double fnWeight) {
    double[] parts = new double[windowCount];
    Arrays.fill(parts, -fnWeight);
    boolean[] detected = new boolean[windowCount];
    double fp = 0;
    int tp = 0;
    int fpCount = 0;
    int detectedWindows = 0;
    for (int k = 0; k < scores.length && scores[k] >= threshold; k++) {
      double s = sweepScores[rows[k]];
      int w = windows[k];
      if (w >= 0) {
        tp++;
        if (s > parts[w]) {
          parts[w] = s;
        }
        if (!detected[w]) {
          detected[w] = true;
          detectedWindows++;
        }
      } else {
        fpCount++;
        fp += s;
      }
    }
    int tn = outsideCount - fpCount;
    int fn = scores.length - outsideCount - tp;
    return new Result(
        new NabThresholdScore(threshold, total(fp, parts), tp, tn, fpCount, fn),
        detectedWindows,
        windowCount);
  }

  private static double total(double fp, double[] parts) {
    double t = 0.0 + fp;
    for (double p : parts) {
      t += p;
    }
    return t;
  }

  /** A score at one threshold, with how many of the scored windows had a detection. */
  record Result(NabThresholdScore score, int detectedWindows, int windowCount) {}
}
