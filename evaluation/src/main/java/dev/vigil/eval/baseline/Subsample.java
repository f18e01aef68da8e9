package dev.vigil.eval.baseline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Seeded row sampling shared by the baselines. */
final class Subsample {
  private Subsample() {}

  /**
   * Returns the indices of a stratified random subsample of at most {@code maxRows} of the {@code
   * attack.length} rows, in increasing order: each class keeps its share of the rows (rounded, at
   * least one row), drawn uniformly without replacement. All rows when there are no more than
   * {@code maxRows}.
   */
  static int[] stratified(boolean[] attack, int maxRows, long seed) {
    int n = attack.length;
    if (maxRows < 2) {
      throw new IllegalArgumentException("maxRows must be at least 2, got " + maxRows);
    }
    if (n <= maxRows) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    List<Integer> pos = new ArrayList<>();
    List<Integer> neg = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (attack[i] ? pos : neg).add(i);
    }
    int takePos = (int) Math.round((double) maxRows * pos.size() / n);
    takePos = Math.max(1, Math.min(maxRows - 1, takePos));
    takePos = Math.min(takePos, pos.size());
    int takeNeg = Math.min(maxRows - takePos, neg.size());
    Random rnd = new Random(seed);
    int[] out = new int[takePos + takeNeg];
    int k = draw(pos, takePos, rnd, out, 0);
    draw(neg, takeNeg, rnd, out, k);
    Arrays.sort(out);
    return out;
  }

  /** Returns {@code k} indices of {@code 0..n-1} drawn uniformly without replacement. */
  static int[] uniform(int n, int k, Random rnd) {
    List<Integer> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    int[] out = new int[Math.min(k, n)];
    draw(all, out.length, rnd, out, 0);
    return out;
  }

  /**
   * Partial Fisher-Yates over {@code from}: writes {@code k} of its values at {@code out[at..]}.
   */
  private static int draw(List<Integer> from, int k, Random rnd, int[] out, int at) {
    for (int i = 0; i < k; i++) {
      int j = i + rnd.nextInt(from.size() - i);
      Integer t = from.get(i);
      from.set(i, from.get(j));
      from.set(j, t);
      out[at++] = from.get(i);
    }
    return at;
  }
}
