package dev.vigil.eval.baseline;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import smile.classification.SVM;
import smile.math.MathEx;
import smile.math.kernel.GaussianKernel;

/**
 * Supervised baseline: Smile's kernel SVM classifier (LASVM solver) with a Gaussian kernel {@code
 * k(x, y) = exp(-|x - y|² / (2σ²))}, trained on labelled rows (attack = +1, normal = -1).
 *
 * <p>Choices, fixed so that evaluation runs repeat:
 *
 * <ul>
 *   <li>Kernel SVM training costs O(n²) kernel evaluations, so it is fitted on a stratified random
 *       subsample of at most {@code maxRows} rows (each class keeps its share, at least one row).
 *   <li>σ is the median heuristic: the median Euclidean distance between distinct pairs of up to
 *       {@value #SIGMA_SAMPLE} rows of the subsample (pairs at distance 0, duplicate records, are
 *       left out; σ = 1 if every pair is a duplicate).
 *   <li>C = {@value #C}, tolerance {@value #TOLERANCE}, {@value #EPOCHS} epoch(s) (Smile's defaults
 *       for the solver).
 *   <li>Smile's solver visits rows in an order drawn from its per-thread generator, which is seeded
 *       with {@code seed} on the calling thread before fitting.
 * </ul>
 *
 * <p>The score is the signed decision value {@code Σ αᵢ yᵢ k(x, svᵢ) + b}, positive on the attack
 * side. Inputs are not scaled here: the kernel compares raw distances, so features should already
 * be on comparable scales. Scoring allocates nothing; it costs one kernel evaluation per support
 * vector.
 */
public final class SvmBaseline implements BaselineDetector {
  /** Soft-margin penalty. */
  public static final double C = 1.0;

  /** Solver tolerance (Smile's default). */
  public static final double TOLERANCE = 1e-3;

  /** Passes over the training rows (Smile's default). */
  public static final int EPOCHS = 1;

  /** Rows sampled for the median-distance heuristic (so at most ~500k pairs). */
  public static final int SIGMA_SAMPLE = 1000;

  private final SVM<double[]> svm;
  private final int dimensions;
  private final double sigma;
  private final int trainingRows;
  private final double[] scratch;

  private SvmBaseline(SVM<double[]> svm, int dimensions, double sigma, int trainingRows) {
    this.svm = svm;
    this.dimensions = dimensions;
    this.sigma = sigma;
    this.trainingRows = trainingRows;
    this.scratch = new double[dimensions];
  }

  /**
   * Fits the SVM on a stratified subsample of labelled rows.
   *
   * @param x rows, all of the same width
   * @param attack label of each row ({@code true} = attack); both classes must be present
   * @param maxRows largest number of rows to train on, at least 2
   * @param seed seeds the subsample, the σ sample and the solver's visiting order
   * @throws IllegalArgumentException if {@code x} is empty or ragged, labels and rows differ in
   *     number, only one class is present, or {@code maxRows < 2}
   */
  public static SvmBaseline fit(List<float[]> x, boolean[] attack, int maxRows, long seed) {
    int d = Rows.width(x, 1, "training");
    Rows.attacks(x, attack);
    int[] rows = Subsample.stratified(attack, maxRows, seed);
    double[][] xs = new double[rows.length][];
    int[] y = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      xs[i] = toDouble(x.get(rows[i]));
      y[i] = attack[rows[i]] ? +1 : -1;
    }
    Random rnd = new Random(seed ^ 0x5DEECE66DL);
    double sigma = medianDistance(xs, SIGMA_SAMPLE, rnd);
    MathEx.setSeed(rnd.nextLong()); // LASVM permutes rows with this thread's Smile generator
    SVM<double[]> svm = SVM.fit(xs, y, new GaussianKernel(sigma), C, TOLERANCE, EPOCHS);
    return new SvmBaseline(svm, d, sigma, rows.length);
  }

  /**
   * Returns the median Euclidean distance over distinct pairs of up to {@code sample} rows drawn
   * from {@code x}, leaving out pairs at distance 0; 1 if there are none.
   */
  static double medianDistance(double[][] x, int sample, Random rnd) {
    int[] pick = Subsample.uniform(x.length, sample, rnd);
    int m = pick.length;
    double[] dist = new double[m * (m - 1) / 2];
    int k = 0;
    for (int a = 0; a < m; a++) {
      for (int b = a + 1; b < m; b++) {
        double dd = MathEx.distance(x[pick[a]], x[pick[b]]);
        if (dd > 0) {
          dist[k++] = dd;
        }
      }
    }
    if (k == 0) {
      return 1.0;
    }
    Arrays.sort(dist, 0, k);
    return k % 2 == 1 ? dist[k / 2] : 0.5 * (dist[k / 2 - 1] + dist[k / 2]);
  }

  @Override
  public String name() {
    return "svm";
  }

  /** Returns the signed decision value of {@code x}: positive on the attack side. */
  @Override
  public double score(float[] x) {
    Rows.checkWidth(x, dimensions);
    for (int j = 0; j < dimensions; j++) {
      scratch[j] = x[j];
    }
    return svm.score(scratch);
  }

  /** Returns the Gaussian kernel width σ chosen by the median heuristic. */
  public double sigma() {
    return sigma;
  }

  /** Returns the number of support vectors. */
  public int supportVectors() {
    return svm.vectors().length;
  }

  /** Returns how many rows the SVM was trained on (after subsampling). */
  public int trainingRows() {
    return trainingRows;
  }

  static double[] toDouble(float[] r) {
    double[] d = new double[r.length];
    for (int j = 0; j < r.length; j++) {
      d[j] = r[j];
    }
    return d;
  }
}
