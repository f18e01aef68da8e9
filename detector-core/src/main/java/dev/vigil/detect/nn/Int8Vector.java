package dev.vigil.detect.nn;

/**
 * One vector quantized symmetrically to int8 at run time, with the positions of its non-zero
 * values: the scratch an int8 runtime quantizes each layer's input into. Not thread-safe.
 *
 * <p>{@link #quantize} computes exactly {@code clamp(Math.round(v / s), -127, 127)} with {@code s =
 * max|v| / 127} (1 for an all-zero vector, or when a value is NaN, as {@code Math.max} makes the
 * maximum NaN), in loops C2 17 vectorises: the rounding is done in float arithmetic, rounding to
 * the nearest integer by adding and subtracting 1.5·2^23 (ties to even) and then raising by one
 * where that was a tie rounded down ({@code Math.round} rounds half up). With a normal, finite
 * scale every {@code |v/s|} is within a few ulps of 127 at most, so no clamping is needed; other
 * scales (an infinite value, all values subnormal) and vectors with a NaN take the plain {@code
 * Math.round} loop.
 */
final class Int8Vector {
  /** 1.5·2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer. */
  private static final float ROUND = 12582912f;

  /** The int8 values, held in floats. */
  final float[] q;

  /** The positions of the non-zero values, {@link #count} of them, increasing. */
  final int[] idx;

  /** How many values are not zero. */
  int count;

  /** The scale: {@code v ≈ scale · q}. */
  float scale;

  Int8Vector(int capacity) {
    q = new float[capacity];
    idx = new int[capacity];
  }

  /** Quantizes {@code v[off, off + n)} into {@code q[0, n)}. */
  void quantize(float[] v, int off, int n) {
    float max = 0;
    for (int i = 0; i < n; i++) {
      float a = Math.abs(v[off + i]);
      max = a > max || a != a ? a : max; // Math.max (also NaN once NaN) costs half as much again
    }
    float s = max > 0 ? max / 127f : 1f;
    if (s >= Float.MIN_NORMAL && max <= Float.MAX_VALUE) {
      float inv = 1f / s;
      float[] q = this.q;
      for (int i = 0; i < n; i++) {
        float y = v[off + i] * inv;
        float r = (y + ROUND) - ROUND;
        // y - r is exact; it is 0.5 only for a tie rounded down, where e = 1; otherwise e ≤ 0
        // (y - r ≥ 1/4 has a spacing of at least 2^-26), and (e + |e|)/2 is max(e, 0)
        float e = 1f + (y - r - 0.5f) * 67108864f;
        q[i] = r + 0.5f * (e + Math.abs(e));
      }
      int m = 0;
      for (int i = 0; i < n; i++) {
        if (q[i] != 0) {
          idx[m++] = i;
        }
      }
      count = m;
      scale = s;
      return;
    }
    quantizeSlowly(v, off, n);
  }

  /** The plain quantization, for the vectors {@link #quantize} leaves to it. */
  private void quantizeSlowly(float[] v, int off, int n) {
    float max = 0;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, Math.abs(v[off + i]));
    }
    float s = max > 0 ? max / 127f : 1f;
    float inv = 1f / s;
    int m = 0;
    for (int i = 0; i < n; i++) {
      int x = Math.max(-127, Math.min(127, Math.round(v[off + i] * inv)));
      q[i] = x;
      if (x != 0) {
        idx[m++] = i;
      }
    }
    count = m;
    scale = s;
  }
}
