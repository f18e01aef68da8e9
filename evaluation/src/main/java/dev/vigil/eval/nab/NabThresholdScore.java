package dev.vigil.eval.nab;

/**
 * The score of one threshold of NAB's sweep ({@code ThresholdScore} in NAB's {@code sweeper.py}):
 * what scoring gives when every row whose anomaly score is at least {@code threshold} is a
 * detection.
 *
 * <p>The counts are of rows outside the probationary period, as NAB counts them: a true positive is
 * a detected row inside a window (every one, although only the earliest per window adds to the
 * score), a false negative an undetected row inside a window.
 *
 * @param threshold the threshold; NAB's sweep starts at 1.1, "nothing detected"
 * @param score the summed score
 * @param truePositives detected rows inside windows
 * @param trueNegatives undetected rows outside windows
 * @param falsePositives detected rows outside windows
 * @param falseNegatives undetected rows inside windows
 */
public record NabThresholdScore(
    double threshold,
    double score,
    int truePositives,
    int trueNegatives,
    int falsePositives,
    int falseNegatives) {

  /** Returns the number of rows counted: all rows after the probationary periods. */
  public int totalCount() {
    return truePositives + trueNegatives + falsePositives + falseNegatives;
  }
}
