package dev.vigil.eval.baseline;

import com.amazon.randomcutforest.RandomCutForest;
import java.util.List;

/**
 * Outside peer: Amazon's Random Cut Forest ({@code randomcutforest-core}), fitted on normal rows
 * only and then frozen; the score is RCF's anomaly score (around 1 for typical points, higher for
 * anomalies).
 *
 * <p>RCF is a streaming method whose samplers favour recent points by default. Here it models a
 * fixed normal training set, so the forest is built with time decay 0 (each tree's sample is a
 * uniform reservoir sample of all the rows fed, whatever their order), no shingling and sequential
 * execution; everything else is RCF's default. The normal rows are fed once with {@code update},
 * and {@link #score} calls {@code getAnomalyScore} only: scoring never updates the forest, so like
 * the other unsupervised baselines it learns from normal training data alone. A fixed seed gives
 * the same forest and the same scores.
 *
 * <p>RCF allocates a visitor per tree for each score; this class adds nothing to that.
 */
public final class RcfBaseline implements BaselineDetector {
  private final RandomCutForest forest;
  private final int dimensions;

  private RcfBaseline(RandomCutForest forest, int dimensions) {
    this.forest = forest;
    this.dimensions = dimensions;
  }

  /**
   * Builds a forest and feeds it the normal rows.
   *
   * @param normal normal rows, all of the same width; at least as many as RCF needs before it
   *     scores (a quarter of {@code sampleSize} with RCF's defaults)
   * @param trees number of trees (RCF's default is 50)
   * @param sampleSize points each tree keeps (RCF's default is 256)
   * @param seed seeds the forest
   * @throws IllegalArgumentException if {@code normal} is empty or ragged, too short for RCF to
   *     score, or RCF rejects the parameters
   */
  public static RcfBaseline fit(List<float[]> normal, int trees, int sampleSize, long seed) {
    int d = Rows.width(normal, 1, "normal");
    RandomCutForest forest;
    try {
      forest =
          RandomCutForest.builder()
              .dimensions(d)
              .numberOfTrees(trees)
              .sampleSize(sampleSize)
              .randomSeed(seed)
              .timeDecay(0.0)
              .parallelExecutionEnabled(false)
              .build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException(
          "Random Cut Forest rejects trees="
              + trees
              + ", sampleSize="
              + sampleSize
              + ", dimensions="
              + d
              + ": "
              + e.getMessage(),
          e);
    }
    for (float[] r : normal) {
      forest.update(r);
    }
    if (!forest.isOutputReady()) {
      throw new IllegalArgumentException(
          "Random Cut Forest scores only after "
              + forest.getOutputAfter()
              + " rows, got "
              + normal.size()
              + " normal rows");
    }
    return new RcfBaseline(forest, d);
  }

  @Override
  public String name() {
    return "rcf";
  }

  /** Returns RCF's anomaly score of {@code x}; the forest is not updated. */
  @Override
  public double score(float[] x) {
    Rows.checkWidth(x, dimensions);
    return forest.getAnomalyScore(x);
  }

  /** Returns the number of trees. */
  public int trees() {
    return forest.getNumberOfTrees();
  }
}
