package dev.vigil.eval.baseline;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import smile.base.cart.DecisionNode;
import smile.base.cart.Node;
import smile.base.cart.SplitRule;
import smile.classification.RandomForest;
import smile.data.DataFrame;
import smile.data.Tuple;
import smile.data.formula.Formula;
import smile.data.type.StructType;
import smile.data.vector.IntVector;

/**
 * Supervised baseline: Smile's Random Forest classifier trained on labelled rows; the score is the
 * forest's posterior probability of attack.
 *
 * <p>Smile's defaults otherwise: Gini splits, {@code floor(sqrt(d))} features tried per split,
 * depth at most 20, leaves of at least 5 rows, no node limit, bootstrap samples of the full size.
 * Smile grows the trees each from its own seed drawn from {@code seed}, on one worker thread (see
 * {@link #fit}), so a fit repeats exactly whatever the machine's core count.
 *
 * <p>Scoring walks Smile's trees directly and averages their leaf posteriors with Smile's own
 * per-tree weights, the computation of {@link RandomForest#predict(Tuple, double[])} without its
 * per-call wrappers and arrays: it allocates nothing.
 */
public final class RandomForestBaseline implements BaselineDetector {
  private static final String LABEL = "attack";

  private final RandomForest forest;
  private final Node[] roots;
  private final double[] weights;
  private final int attackIndex;
  private final int dimensions;
  private final Row row;
  private final double[] posterior;
  private final double[] sum;

  private RandomForestBaseline(RandomForest forest, int dimensions) {
    this.forest = forest;
    this.dimensions = dimensions;
    RandomForest.Model[] models = forest.models();
    this.roots = new Node[models.length];
    this.weights = new double[models.length];
    for (int t = 0; t < models.length; t++) {
      roots[t] = models[t].tree.root();
      weights[t] = models[t].weight;
    }
    int a = -1;
    int[] classes = forest.classes();
    for (int i = 0; i < classes.length; i++) {
      if (classes[i] == 1) {
        a = i;
      }
    }
    if (a < 0) {
      throw new IllegalStateException("the forest has no attack class");
    }
    this.attackIndex = a;
    this.row = new Row(forest.schema(), dimensions);
    this.posterior = new double[classes.length];
    this.sum = new double[classes.length];
  }

  /**
   * Fits a forest of {@code trees} trees on labelled rows.
   *
   * @param x rows, all of the same width
   * @param attack label of each row ({@code true} = attack); both classes must be present
   * @param trees number of trees, at least 1 (e.g. 100)
   * @param seed seeds the trees' bootstrap samples and splits
   * @throws IllegalArgumentException if {@code x} is empty or ragged, labels and rows differ in
   *     number, only one class is present, or {@code trees < 1}
   */
  public static RandomForestBaseline fit(List<float[]> x, boolean[] attack, int trees, long seed) {
    int d = Rows.width(x, 1, "training");
    Rows.attacks(x, attack);
    if (trees < 1) {
      throw new IllegalArgumentException("trees must be at least 1, got " + trees);
    }
    int n = x.size();
    double[][] data = new double[n][];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      data[i] = SvmBaseline.toDouble(x.get(i));
      y[i] = attack[i] ? 1 : 0;
    }
    String[] names = new String[d];
    for (int j = 0; j < d; j++) {
      names[j] = "x" + j;
    }
    DataFrame df = DataFrame.of(data, names).merge(IntVector.of(LABEL, y));
    int mtry = Math.max(1, (int) Math.floor(Math.sqrt(d)));
    // Smile grows trees on parallel streams and its split search may draw from the random
    // generator of whichever pool thread runs it: on several cores the same seed gave different
    // forests (seen in CI). One worker thread makes every draw come from the tree's own seed.
    java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(1);
    RandomForest rf;
    try {
      rf =
          pool.submit(
                  () ->
                      RandomForest.fit(
                          Formula.lhs(LABEL),
                          df,
                          trees,
                          mtry,
                          SplitRule.GINI,
                          20,
                          n,
                          5,
                          1.0,
                          null,
                          new Random(seed).longs()))
              .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fitting the Random Forest", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
    } finally {
      pool.shutdown();
    }
    return new RandomForestBaseline(rf, d);
  }

  @Override
  public String name() {
    return "random_forest";
  }

  /** Returns the forest's posterior probability that {@code x} is an attack, in [0, 1]. */
  @Override
  public double score(float[] x) {
    Rows.checkWidth(x, dimensions);
    row.set(x);
    Arrays.fill(sum, 0.0);
    for (int t = 0; t < roots.length; t++) {
      ((DecisionNode) roots[t].predict(row)).posteriori(posterior);
      for (int k = 0; k < sum.length; k++) {
        sum[k] += weights[t] * posterior[k];
      }
    }
    double total = 0; // Smile normalises the weighted sums over the classes (MathEx.unitize1)
    for (double v : sum) {
      total += v;
    }
    return sum[attackIndex] / total;
  }

  /** Returns the number of trees. */
  public int trees() {
    return roots.length;
  }

  /** Returns the Smile forest (for tests that compare with its own prediction). */
  RandomForest smileForest() {
    return forest;
  }

  /** A reusable tuple over the predictor values of the vector being scored. */
  private static final class Row implements Tuple {
    private static final long serialVersionUID = 1L;
    private final StructType schema;
    private final double[] v;

    Row(StructType schema, int d) {
      this.schema = schema;
      this.v = new double[d];
    }

    void set(float[] x) {
      for (int j = 0; j < v.length; j++) {
        v[j] = x[j];
      }
    }

    @Override
    public StructType schema() {
      return schema;
    }

    @Override
    public Object get(int j) {
      return v[j];
    }

    @Override
    public double getDouble(int j) {
      return v[j];
    }

    @Override
    public float getFloat(int j) {
      return (float) v[j];
    }
  }
}
