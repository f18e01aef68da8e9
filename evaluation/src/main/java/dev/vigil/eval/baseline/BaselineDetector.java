package dev.vigil.eval.baseline;

/**
 * A fitted detector: higher score = more anomalous / more likely attack.
 *
 * <p>Implementations are thread-confined (one thread scores at a time; they may keep scratch
 * buffers), and {@link #score} allocates nothing where the underlying library allows.
 */
public interface BaselineDetector {
  /** Returns the short name used in reports ({@code zscore}, {@code svm}, ...). */
  String name();

  /** Returns the score of {@code x}; higher = more anomalous / more likely an attack. */
  double score(float[] x);
}
