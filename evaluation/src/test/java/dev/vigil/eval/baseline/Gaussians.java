package dev.vigil.eval.baseline;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic labelled data for the baseline tests: two spherical Gaussian classes. */
final class Gaussians {
  final List<float[]> x = new ArrayList<>();
  final boolean[] attack;

  /**
   * {@code n} rows of width {@code d}, a fraction {@code attackShare} of them attacks: normal rows
   * are N(0, I), attack rows N(shift·1, I).
   */
  Gaussians(int n, int d, double attackShare, double shift, long seed) {
    Random r = new Random(seed);
    attack = new boolean[n];
    for (int i = 0; i < n; i++) {
      attack[i] = r.nextDouble() < attackShare;
      float[] v = new float[d];
      for (int j = 0; j < d; j++) {
        v[j] = (float) (r.nextGaussian() + (attack[i] ? shift : 0));
      }
      x.add(v);
    }
  }

  /** The normal rows. */
  List<float[]> normal() {
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      if (!attack[i]) {
        out.add(x.get(i));
      }
    }
    return out;
  }

  /** Scores every row. */
  double[] scores(BaselineDetector b) {
    double[] s = new double[x.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = b.score(x.get(i));
    }
    return s;
  }
}
