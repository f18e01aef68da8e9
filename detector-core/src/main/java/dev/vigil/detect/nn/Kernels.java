package dev.vigil.detect.nn;

/**
 * The inner loops of the runtimes, written so that JDK 17's C2 compiles them to SIMD code: plain
 * element-wise loops over float arrays with no calls, bit tricks or conversions inside (C2 17
 * vectorises none of {@code Math.exp}, {@code Math.round}, int/float conversions or byte×byte
 * products).
 *
 * <p><b>Matrix-vector products</b> are taken input-major: each non-zero input value adds its weight
 * row to the accumulators, four rows per pass over the accumulators (the last pass takes the one to
 * three rows left). The float sums are evaluated left to right, {@code acc + w0·v0 + w1·v1 + w2·v2
 * + w3·v3}, which is exactly the rounding of adding one row at a time in input order, so the result
 * is that of the plain row-by-row dot product {@code b + Σ_i w_i·x_i} (skipping a zero input only
 * drops a {@code ±0} term).
 *
 * <p><b>int8 products</b> are computed on int8 values held in floats: a product of two int8 values
 * ({@code |q| ≤ 127}) and every partial sum of up to {@value #EXACT_INT8_TERMS} of them are
 * integers below 2^24, which float represents exactly, so the float kernel computes the int32 sum
 * exactly (in any order) without any int/float conversion, which C2 17 does not vectorise; longer
 * sums are taken in exact chunks and added in double.
 *
 * <p><b>tanh and sigmoid</b> use a rational function instead of {@code exp}: {@code tanh(y) ≈
 * y·P(y²)/Q(y²)} on {@code |y| ≤ 4.5} (degree 3/3 in {@code y²}, a minimax fit of relative error
 * 2.3e-8), followed by the double-angle formula {@code tanh(2y) = 2t/(1 + t²)}, which damps the
 * rounding of {@code t} near ±1 and never exceeds 1 in magnitude. Inputs are clamped where tanh is
 * within 2e-8 of ±1 (|x| ≥ 9). In float over all inputs: tanh has an absolute error below 1.8e-7
 * and a relative error below 3.2e-7; sigmoid, computed as {@code 1/2 + tanh(x/2)/2}, has an
 * absolute error below 1.2e-7 (so a relative error below 1e-6 only for values above about 0.1: the
 * tail towards 0 is absolute, which is what the gates' products need).
 */
final class Kernels {
  private static final float P0 = 0.999999977f;
  private static final float P1 = 0.12596408f;
  private static final float P2 = 0.00255779272f;
  private static final float P3 = 5.49767596e-06f;
  private static final float Q1 = 0.459297165f;
  private static final float Q2 = 0.0223239651f;
  private static final float Q3 = 0.000175092378f;

  /** Where tanh's half argument is clamped: tanh(9) rounds to 1 in float. */
  private static final float HALF_CLAMP = 4.5f;

  /** Below this many outputs a product is narrow (see {@link #addRows}). */
  static final int NARROW = 48;

  /** Most int8 × int8 products whose float sum is exact: 1040 · 127² < 2^24. */
  static final int EXACT_INT8_TERMS = 1040;

  private Kernels() {}

  /** Replaces {@code v[from, to)} with its hyperbolic tangent. */
  static void tanh(float[] v, int from, int to) {
    for (int i = from; i < to; i++) {
      float y = Math.max(-HALF_CLAMP, Math.min(HALF_CLAMP, 0.5f * v[i]));
      float u = y * y;
      float p = ((P3 * u + P2) * u + P1) * u + P0;
      float q = ((Q3 * u + Q2) * u + Q1) * u + 1f;
      float t = y * p / q;
      v[i] = 2f * t / (1f + t * t);
    }
  }

  /** Replaces {@code v[from, to)} with its logistic sigmoid {@code 1 / (1 + e^-x)}. */
  static void sigmoid(float[] v, int from, int to) {
    for (int i = from; i < to; i++) {
      // σ(x) = 1/2 + tanh(x/2)/2 and tanh(x/2) = 2t/(1 + t²) with t = tanh(x/4)
      float y = Math.max(-HALF_CLAMP, Math.min(HALF_CLAMP, 0.25f * v[i]));
      float u = y * y;
      float p = ((P3 * u + P2) * u + P1) * u + P0;
      float q = ((Q3 * u + Q2) * u + Q1) * u + 1f;
      float t = y * p / q;
      v[i] = 0.5f + t / (1f + t * t);
    }
  }

  /**
   * Returns the coefficients of {@link #gates} for an LSTM layer of {@code n} units: per
   * pre-activation, the input scale, output shift and output gain that make the block input rows
   * {@code [0, n)} a tanh and the gate rows {@code [n, 4n)} a sigmoid.
   */
  static float[][] gateCoefficients(int n) {
    float[][] k = new float[3][4 * n];
    for (int r = 0; r < 4 * n; r++) {
      boolean tanh = r < n;
      k[0][r] = tanh ? 0.5f : 0.25f;
      k[1][r] = tanh ? 0f : 0.5f;
      k[2][r] = tanh ? 2f : 1f;
    }
    return k;
  }

  /**
   * Activates an LSTM layer's pre-activations {@code v[0, rows)} in place: tanh or sigmoid per row
   * as {@code k} (from {@link #gateCoefficients}) says, with exactly the results of {@link
   * #tanh(float[], int, int)} and {@link #sigmoid(float[], int, int)} (both are {@code shift + gain
   * · t/(1 + t²)} with {@code t = tanh(scale · x)}, the gain a power of two), in one loop: one loop
   * of 4n vectorises better than loops of n and 3n.
   */
  static void gates(float[] v, int rows, float[][] k) {
    float[] scale = k[0];
    float[] shift = k[1];
    float[] gain = k[2];
    for (int i = 0; i < rows; i++) {
      float y = Math.max(-HALF_CLAMP, Math.min(HALF_CLAMP, scale[i] * v[i]));
      float u = y * y;
      float p = ((P3 * u + P2) * u + P1) * u + P0;
      float q = ((Q3 * u + Q2) * u + Q1) * u + 1f;
      float t = y * p / q;
      v[i] = shift[i] + gain[i] * (t / (1f + t * t));
    }
  }

  /** Scalar {@link #tanh(float[], int, int)} (for tests and single values). */
  static float tanh(float x) {
    float[] one = {x};
    tanh(one, 0, 1);
    return one[0];
  }

  /** Scalar {@link #sigmoid(float[], int, int)} (for tests and single values). */
  static float sigmoid(float x) {
    float[] one = {x};
    sigmoid(one, 0, 1);
    return one[0];
  }

  /**
   * Writes to {@code idx} the positions {@code i} in {@code [0, n)} where {@code v[off + i]} is not
   * zero, in increasing order, and returns how many there are.
   */
  static int nonZero(float[] v, int off, int n, int[] idx) {
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (v[off + i] != 0) {
        idx[m++] = i;
      }
    }
    return m;
  }

  /**
   * Adds {@code w[i][r] · v[off + i]} to {@code acc[r]} for {@code r < width} and each of the
   * {@code m} inputs {@code i = idx[0..m)}, in that order (see the class comment on rounding).
   */
  static void addRows(float[][] w, float[] v, int off, int[] idx, int m, float[] acc, int width) {
    addRows(w, v, off, idx, 0, m, acc, width);
  }

  /**
   * As {@link #addRows(float[][], float[], int, int[], int, float[], int)} for {@code idx[from,
   * to)}.
   *
   * <p>Narrow outputs (fewer than {@value #NARROW} accumulators) go to a copy of the same loop: C2
   * sizes a loop's unrolling from the trip counts profiled for that loop's bytecode, shared by
   * every caller, and the wide products' profile made the narrow ones about 1.5 times slower.
   */
  static void addRows(
      float[][] w, float[] v, int off, int[] idx, int from, int to, float[] acc, int width) {
    if (width >= NARROW) {
      addRowsWide(w, v, off, idx, from, to, acc, width);
    } else {
      addRowsNarrow(w, v, off, idx, from, to, acc, width);
    }
  }

  private static void addRowsWide(
      float[][] w, float[] v, int off, int[] idx, int from, int to, float[] acc, int width) {
    int k = from;
    for (; k + 3 < to; k += 4) {
      int i0 = idx[k];
      int i1 = idx[k + 1];
      int i2 = idx[k + 2];
      int i3 = idx[k + 3];
      float v0 = v[off + i0];
      float v1 = v[off + i1];
      float v2 = v[off + i2];
      float v3 = v[off + i3];
      float[] w0 = w[i0];
      float[] w1 = w[i1];
      float[] w2 = w[i2];
      float[] w3 = w[i3];
      for (int r = 0; r < width; r++) {
        acc[r] = acc[r] + w0[r] * v0 + w1[r] * v1 + w2[r] * v2 + w3[r] * v3;
      }
    }
    if (to - k == 3) {
      float v0 = v[off + idx[k]];
      float v1 = v[off + idx[k + 1]];
      float v2 = v[off + idx[k + 2]];
      float[] w0 = w[idx[k]];
      float[] w1 = w[idx[k + 1]];
      float[] w2 = w[idx[k + 2]];
      for (int r = 0; r < width; r++) {
        acc[r] = acc[r] + w0[r] * v0 + w1[r] * v1 + w2[r] * v2;
      }
    } else if (to - k == 2) {
      float v0 = v[off + idx[k]];
      float v1 = v[off + idx[k + 1]];
      float[] w0 = w[idx[k]];
      float[] w1 = w[idx[k + 1]];
      for (int r = 0; r < width; r++) {
        acc[r] = acc[r] + w0[r] * v0 + w1[r] * v1;
      }
    } else if (to - k == 1) {
      float v0 = v[off + idx[k]];
      float[] w0 = w[idx[k]];
      for (int r = 0; r < width; r++) {
        acc[r] += w0[r] * v0;
      }
    }
  }

  /**
   * The same loop as {@link #addRowsWide}, with its own profile; the rows left after the passes of
   * four are added one at a time (a pass over a narrow product costs little, and the extra loops
   * made the narrow layers slower).
   */
  private static void addRowsNarrow(
      float[][] w, float[] v, int off, int[] idx, int from, int to, float[] acc, int width) {
    int k = from;
    for (; k + 3 < to; k += 4) {
      int i0 = idx[k];
      int i1 = idx[k + 1];
      int i2 = idx[k + 2];
      int i3 = idx[k + 3];
      float v0 = v[off + i0];
      float v1 = v[off + i1];
      float v2 = v[off + i2];
      float v3 = v[off + i3];
      float[] w0 = w[i0];
      float[] w1 = w[i1];
      float[] w2 = w[i2];
      float[] w3 = w[i3];
      for (int r = 0; r < width; r++) {
        acc[r] = acc[r] + w0[r] * v0 + w1[r] * v1 + w2[r] * v2 + w3[r] * v3;
      }
    }
    for (; k < to; k++) {
      int i = idx[k];
      float vi = v[off + i];
      float[] wi = w[i];
      for (int r = 0; r < width; r++) {
        acc[r] += wi[r] * vi;
      }
    }
  }

  /**
   * Sets {@code acc[r]}, {@code r < width}, to {@code Σ_k w[i][r] · q[i]} over the {@code m} inputs
   * {@code i = idx[0..m)}, where the weights and {@code q} are int8 values held in floats: the
   * exact int32 sum (as a float), see the class comment. {@code wide} holds {@code width} doubles
   * for sums of more than {@value #EXACT_INT8_TERMS} terms.
   */
  static void int8Rows(
      float[][] w, float[] q, int[] idx, int m, float[] acc, int width, double[] wide) {
    java.util.Arrays.fill(acc, 0, width, 0f);
    if (m <= EXACT_INT8_TERMS) {
      addRows(w, q, 0, idx, 0, m, acc, width);
      return;
    }
    java.util.Arrays.fill(wide, 0, width, 0.0);
    for (int from = 0; from < m; from += EXACT_INT8_TERMS) {
      addRows(w, q, 0, idx, from, Math.min(m, from + EXACT_INT8_TERMS), acc, width);
      for (int r = 0; r < width; r++) {
        wide[r] += acc[r];
        acc[r] = 0f;
      }
    }
    for (int r = 0; r < width; r++) {
      acc[r] = (float) wide[r];
    }
  }
}
