package dev.vigil.eval;

/**
 * One method's figures on one test set.
 *
 * @param name the method's key ({@code ensemble}, {@code svm}, ...)
 * @param family {@code unsupervised} (learned from normal data only), {@code supervised} (trained
 *     with labels, as the papers' baselines), {@code streaming} (per-packet detectors), {@code
 *     early windows} (the ensemble on windows closed early) or {@code combined} (the ensemble with
 *     those)
 * @param metrics figures at the threshold taken from normal validation data
 * @param oracle figures at the best-F1 threshold on the test labels themselves: an oracle, shown
 *     beside, never used to pick anything
 * @param latencyP50Us median time to score one vector, microseconds
 * @param latencyP99Us 99th percentile time to score one vector, microseconds
 * @param throughputPerS vectors scored per second, one thread
 * @param roc the ROC curve ({fpr[], tpr[]}), downsampled
 * @param pr the precision-recall curve ({recall[], precision[]}), downsampled
 */
public record MethodResult(
    String name,
    String family,
    BinaryMetrics metrics,
    BinaryMetrics oracle,
    double latencyP50Us,
    double latencyP99Us,
    double throughputPerS,
    double[][] roc,
    double[][] pr) {}
