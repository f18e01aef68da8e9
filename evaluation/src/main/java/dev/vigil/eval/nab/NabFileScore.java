package dev.vigil.eval.nab;

/**
 * The score of one data file at one threshold and profile, with the counts NAB's scoring step
 * writes for it ({@code <detector>_<profile>_scores.csv}).
 *
 * <p>Like NAB, the four counts are of rows after the probationary period, not of windows: every
 * detected row inside a window is a true positive and every undetected one a false negative. The
 * window counts say how many of the file's scored windows (those with a row after the probationary
 * period) had a detection.
 *
 * @param file the data file's name
 * @param score the file's score
 * @param truePositives detected rows inside windows
 * @param trueNegatives undetected rows outside windows
 * @param falsePositives detected rows outside windows
 * @param falseNegatives undetected rows inside windows
 * @param detectedWindows scored windows with at least one detection
 * @param missedWindows scored windows without a detection, each costing the profile's A_FN
 */
public record NabFileScore(
    String file,
    double score,
    int truePositives,
    int trueNegatives,
    int falsePositives,
    int falseNegatives,
    int detectedWindows,
    int missedWindows) {

  /** Returns the number of rows counted: the rows after the probationary period. */
  public int totalCount() {
    return truePositives + trueNegatives + falsePositives + falseNegatives;
  }
}
