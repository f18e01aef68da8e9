package dev.vigil.detect.fusion;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The calibrated fused score {@code A = α·RE + β·PE + γ·IF} over normalised component scores, its
 * alert threshold, severity cuts and per-component thresholds. Immutable and thread-safe; {@link
 * #fuse} allocates nothing.
 *
 * <p>When the prediction error is not available (the first vector of an entity has no history to
 * predict it from) the other two components are re-weighted: {@code (α·RE + γ·IF) / (α + γ)}, so
 * the score stays on the same scale.
 *
 * @param normalisers one per {@link Component}, in enum order
 * @param weights α, β, γ: non-negative, summing to 1 (normalised on construction); a zero weight
 *     switches a component off
 * @param targetFpr the false-positive rate on normal data the threshold was set for
 * @param threshold scores at or above it are alerts
 * @param severityCuts scores at which {@link Severity#LOW}, MEDIUM, HIGH and CRITICAL begin
 *     (non-decreasing; the first equals the threshold)
 * @param componentThresholds per component, the normalised score exceeded by normal data at the
 *     target rate: a component above its own threshold is said to have fired
 */
public record Fusion(
    List<Normaliser> normalisers,
    double[] weights,
    double targetFpr,
    double threshold,
    double[] severityCuts,
    double[] componentThresholds) {

  /** Default weights: α = 0.4 (autoencoder), β = 0.3 (LSTM), γ = 0.3 (Isolation Forest). */
  public static final double[] DEFAULT_WEIGHTS = {0.4, 0.3, 0.3};

  /** Validates and copies. */
  public Fusion {
    normalisers = List.copyOf(normalisers);
    int n = Component.values().length;
    if (normalisers.size() != n || weights.length != n || componentThresholds.length != n) {
      throw new IllegalArgumentException(
          "fusion needs one normaliser, weight and threshold per component");
    }
    weights = normaliseWeights(weights);
    if (!(targetFpr > 0 && targetFpr < 1)) {
      throw new IllegalArgumentException("targetFpr must be in (0, 1), was " + targetFpr);
    }
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("threshold must be finite, was " + threshold);
    }
    if (severityCuts.length != Severity.values().length - 1) {
      throw new IllegalArgumentException(
          "severityCuts needs " + (Severity.values().length - 1) + " values");
    }
    severityCuts = severityCuts.clone();
    for (int i = 0; i < severityCuts.length; i++) {
      if (!Double.isFinite(severityCuts[i]) || (i > 0 && severityCuts[i] < severityCuts[i - 1])) {
        throw new IllegalArgumentException(
            "severityCuts must be finite and non-decreasing: " + Arrays.toString(severityCuts));
      }
    }
    componentThresholds = componentThresholds.clone();
  }

  /** Returns weights scaled to sum to 1; rejects negative, non-finite or all-zero weights. */
  public static double[] normaliseWeights(double[] w) {
    Objects.requireNonNull(w, "weights");
    double sum = 0;
    for (double x : w) {
      if (!(x >= 0) || Double.isInfinite(x)) {
        throw new IllegalArgumentException(
            "fusion weights must be non-negative and finite: " + Arrays.toString(w));
      }
      sum += x;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("at least one fusion weight must be positive");
    }
    double[] out = new double[w.length];
    for (int i = 0; i < w.length; i++) {
      out[i] = w[i] / sum;
    }
    return out;
  }

  /** Returns the normalised score of one component. */
  public double normalise(Component c, double raw) {
    return normalisers.get(c.ordinal()).apply(raw);
  }

  /**
   * Returns the fused score of normalised component scores; {@code pe} is NaN when the prediction
   * error is not available.
   */
  public double fuse(double re, double pe, double iso) {
    double a = weights[0];
    double b = weights[1];
    double g = weights[2];
    if (Double.isNaN(pe) || b == 0) {
      double rest = a + g;
      return rest > 0 ? (a * re + g * iso) / rest : pe;
    }
    return a * re + b * pe + g * iso;
  }

  /** Returns the severity of a fused score. */
  public Severity severity(double score) {
    Severity[] all = Severity.values();
    Severity s = Severity.NONE;
    for (int i = 0; i < severityCuts.length; i++) {
      if (score >= severityCuts[i]) {
        s = all[i + 1];
      }
    }
    return s;
  }

  /** Returns whether a component's normalised score is beyond its own normal tail. */
  public boolean fired(Component c, double normalised) {
    return weights[c.ordinal()] > 0 && normalised >= componentThresholds[c.ordinal()];
  }

  /** Returns the weights (a copy). */
  @Override
  public double[] weights() {
    return weights.clone();
  }

  /** Returns the severity cuts (a copy). */
  @Override
  public double[] severityCuts() {
    return severityCuts.clone();
  }

  /** Returns the component thresholds (a copy). */
  @Override
  public double[] componentThresholds() {
    return componentThresholds.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Fusion f
        && normalisers.equals(f.normalisers)
        && Arrays.equals(weights, f.weights)
        && targetFpr == f.targetFpr
        && threshold == f.threshold
        && Arrays.equals(severityCuts, f.severityCuts)
        && Arrays.equals(componentThresholds, f.componentThresholds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(normalisers, Arrays.hashCode(weights), targetFpr, threshold);
  }

  @Override
  public String toString() {
    return "Fusion[weights="
        + Arrays.toString(weights)
        + ", targetFpr="
        + targetFpr
        + ", threshold="
        + threshold
        + ", severityCuts="
        + Arrays.toString(severityCuts)
        + "]";
  }
}
