package dev.vigil.train;

import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.fusion.Normaliser;
import dev.vigil.detect.fusion.TailQuantile;
import java.util.ArrayList;
import java.util.List;

/**
 * Calibrates a {@link Fusion} on held-out normal data and, optionally, fits its weights on a
 * labelled validation set.
 *
 * <p>Raw component scores are given as rows {@code {RE, PE, IF}}; PE is NaN where the entity had no
 * history yet.
 */
public final class FusionCalibrator {
  private FusionCalibrator() {}

  /**
   * Fits the normalisers, then sets the alert threshold so that a fraction {@code targetFpr} of the
   * held-out normal fused scores lies above it, the severity cuts at {@code targetFpr/10}, {@code
   * /100} and {@code /1000} (tail-extrapolated where the sample is small, see {@link
   * TailQuantile}), and each component's own threshold at {@code targetFpr}.
   *
   * @param normalRaw raw component scores of held-out normal vectors, at least 20 rows
   * @param weights α, β, γ
   * @param targetFpr target false-positive rate in (0, 0.5)
   */
  public static Fusion calibrate(double[][] normalRaw, double[] weights, double targetFpr) {
    if (normalRaw.length < 20) {
      throw new IllegalArgumentException(
          "at least 20 held-out normal vectors are needed to calibrate, got " + normalRaw.length);
    }
    if (!(targetFpr > 0 && targetFpr < 0.5)) {
      throw new IllegalArgumentException("targetFpr must be in (0, 0.5), was " + targetFpr);
    }
    Component[] cs = Component.values();
    List<Normaliser> norms = new ArrayList<>();
    double[] compThresholds = new double[cs.length];
    double[] w = weights.clone();
    for (Component c : cs) {
      double[] col = column(normalRaw, c.ordinal());
      long finite = java.util.Arrays.stream(col).filter(Double::isFinite).count();
      if (finite < 2) { // a component without scores (no LSTM, no history): switch it off
        norms.add(new Normaliser(0, 1));
        w[c.ordinal()] = 0;
        compThresholds[c.ordinal()] = Double.POSITIVE_INFINITY;
        continue;
      }
      Normaliser n = Normaliser.fit(col);
      norms.add(n);
      double[] normalised = new double[col.length];
      for (int i = 0; i < col.length; i++) {
        normalised[i] = n.apply(col[i]);
      }
      compThresholds[c.ordinal()] = TailQuantile.upper(normalised, targetFpr);
    }
    Fusion provisional =
        new Fusion(norms, w, targetFpr, 0, new double[] {0, 0, 0, 0}, compThresholds);
    double[] fused = fused(provisional, normalRaw);
    double[] cuts = new double[4];
    double p = targetFpr;
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = TailQuantile.upper(fused, p);
      if (i > 0) {
        cuts[i] = Math.max(cuts[i], cuts[i - 1]);
      }
      p /= 10;
    }
    return new Fusion(norms, w, targetFpr, cuts[0], cuts, compThresholds);
  }

  /** Returns the fused scores of raw rows under {@code f}. */
  public static double[] fused(Fusion f, double[][] raw) {
    double[] out = new double[raw.length];
    for (int i = 0; i < raw.length; i++) {
      out[i] =
          f.fuse(
              f.normalise(Component.RECONSTRUCTION, raw[i][0]),
              Double.isNaN(raw[i][1]) ? Double.NaN : f.normalise(Component.PREDICTION, raw[i][1]),
              // no forest: no isolation score, as EnsembleScorer treats it (0, and its weight is 0)
              Double.isNaN(raw[i][2]) ? 0 : f.normalise(Component.ISOLATION, raw[i][2]));
    }
    return out;
  }

  /**
   * Fits α, β, γ on a labelled validation set: a grid over the weight simplex in steps of {@code
   * step}, keeping the weights of the highest ROC-AUC of the fused score (ties: the earlier grid
   * point, which favours the autoencoder). Components switched off in {@code base} stay off. The
   * result is then recalibrated on the normal rows with {@link #calibrate}.
   *
   * @param base a calibrated fusion (its normalisers are used)
   * @param validationRaw raw component scores of labelled vectors
   * @param attack whether each validation vector is an attack (both classes must occur)
   * @param step grid step in (0, 0.5], e.g. 0.05
   * @return the fitted weights (summing to 1)
   */
  public static double[] fitWeights(
      Fusion base, double[][] validationRaw, boolean[] attack, double step) {
    if (validationRaw.length != attack.length) {
      throw new IllegalArgumentException("one label per validation row is needed");
    }
    if (!(step > 0 && step <= 0.5)) {
      throw new IllegalArgumentException("step must be in (0, 0.5], was " + step);
    }
    boolean pos = false;
    boolean neg = false;
    for (boolean b : attack) {
      pos |= b;
      neg |= !b;
    }
    if (!pos || !neg) {
      throw new IllegalArgumentException("the validation set needs both normal and attack rows");
    }
    double[] on = base.weights();
    int k = (int) Math.round(1 / step);
    double bestAuc = -1;
    double[] best = on;
    for (int i = k; i >= 0; i--) {
      for (int j = k - i; j >= 0; j--) {
        double[] w = {i / (double) k, j / (double) k, (k - i - j) / (double) k};
        boolean allowed = true;
        for (int c = 0; c < 3; c++) {
          if (on[c] == 0 && w[c] > 0) {
            allowed = false;
          }
        }
        if (!allowed || w[0] + w[1] + w[2] == 0) {
          continue;
        }
        Fusion f =
            new Fusion(
                base.normalisers(),
                w,
                base.targetFpr(),
                base.threshold(),
                base.severityCuts(),
                base.componentThresholds());
        double auc = Roc.auc(fused(f, validationRaw), attack);
        if (auc > bestAuc + 1e-12) {
          bestAuc = auc;
          best = f.weights();
        }
      }
    }
    return best;
  }

  private static double[] column(double[][] rows, int c) {
    double[] out = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = rows[i][c];
    }
    return out;
  }
}
