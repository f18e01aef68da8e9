package dev.vigil.features.damped;

/**
 * Damped incremental statistics over primitive arrays: for each decay rate, a weight {@code w}, a
 * linear sum and a squared sum, decayed by {@link Decay} factors before each new sample.
 *
 * <p>One-dimensional statistics occupy {@code 3·Decay.N} doubles at an offset: {@code [w, ls, ss]}
 * per rate. The two-dimensional statistics of a pair of streams (a channel's two directions) add,
 * per rate, the decayed sum of residual products and each direction's last residual: {@code [sr,
 * rA, rB]}.
 */
final class Stats {
  static final int STRIDE_1D = 3 * Decay.N;
  static final int STRIDE_2D = 3 * Decay.N;

  private Stats() {}

  /** Decays the 1-D statistics at {@code off} by {@code f} and adds sample {@code x}. */
  static void update(double[] s, int off, double[] f, double x) {
    for (int i = 0; i < Decay.N; i++) {
      int o = off + 3 * i;
      double d = f[i];
      s[o] = s[o] * d + 1;
      s[o + 1] = s[o + 1] * d + x;
      s[o + 2] = s[o + 2] * d + x * x;
    }
  }

  /**
   * Returns the weight at rate {@code i}, decayed further by {@code f} (1 for "as of the last
   * update").
   */
  static double weight(double[] s, int off, int i, double f) {
    return s[off + 3 * i] * f;
  }

  static double mean(double[] s, int off, int i) {
    double w = s[off + 3 * i];
    return w > 0 ? s[off + 3 * i + 1] / w : 0;
  }

  static double variance(double[] s, int off, int i) {
    double w = s[off + 3 * i];
    if (!(w > 0)) {
      return 0;
    }
    double m = s[off + 3 * i + 1] / w;
    return Math.max(0, s[off + 3 * i + 2] / w - m * m);
  }

  /**
   * Updates the 2-D part at {@code off2} after direction {@code a} (true) or B received {@code x}
   * and its 1-D stats (at {@code offThis}) were updated: decays the residual-product sums by {@code
   * f} and adds this residual times the other direction's last residual.
   */
  static void update2d(
      double[] s2, int off2, double[] s1, int offThis, double[] f, double x, boolean a) {
    for (int i = 0; i < Decay.N; i++) {
      int o = off2 + 3 * i;
      double r = x - mean(s1, offThis, i);
      double other = a ? s2[o + 2] : s2[o + 1];
      s2[o] = s2[o] * f[i] + r * other;
      s2[o + (a ? 1 : 2)] = r;
    }
  }
}
