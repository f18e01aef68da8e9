package dev.vigil.train.forest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Holds per-feature mean and standard deviation of normal data, to explain a verdict by the
 * features that deviate most from normal.
 *
 * <p>Immutable and thread-safe.
 */
public final class FeatureStats {
  /** One feature's deviation from normal, in standard deviations. */
  public record Deviation(int index, String name, double value, double normalMean, double zScore) {}

  private final List<String> names;
  private final double[] mean;
  private final double[] std;

  private FeatureStats(List<String> names, double[] mean, double[] std) {
    this.names = List.copyOf(names);
    this.mean = mean;
    this.std = std;
  }

  /** Computes the statistics of {@code rows} (each of {@code names.size()} features). */
  public static FeatureStats of(List<String> names, double[][] rows) {
    int d = names.size();
    double[] mean = new double[d];
    double[] m2 = new double[d];
    long n = 0;
    for (double[] r : rows) {
      if (r.length != d) {
        throw new IllegalArgumentException("row has " + r.length + " features, expected " + d);
      }
      n++;
      for (int j = 0; j < d; j++) {
        double delta = r[j] - mean[j];
        mean[j] += delta / n;
        m2[j] += delta * (r[j] - mean[j]);
      }
    }
    double[] std = new double[d];
    for (int j = 0; j < d; j++) {
      std[j] = n > 1 ? Math.sqrt(m2[j] / (n - 1)) : 0;
    }
    return new FeatureStats(names, mean, std);
  }

  /**
   * Returns the {@code k} features of {@code x} farthest from the normal mean, in standard
   * deviations. The deviation is floored at 1e-3 &times; (|mean| + 1), so that a feature which was
   * (nearly) constant in normal data does not top the list for a negligible change, largest first.
   */
  public List<Deviation> topDeviations(float[] x, int k) {
    List<Deviation> all = new ArrayList<>(x.length);
    for (int j = 0; j < x.length; j++) {
      double s = Math.max(std[j], 1e-3 * (Math.abs(mean[j]) + 1));
      all.add(new Deviation(j, names.get(j), x[j], mean[j], (x[j] - mean[j]) / s));
    }
    all.sort(Comparator.comparingDouble((Deviation dv) -> -Math.abs(dv.zScore())));
    return List.copyOf(all.subList(0, Math.min(k, all.size())));
  }
}
