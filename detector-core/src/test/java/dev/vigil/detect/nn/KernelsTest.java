package dev.vigil.detect.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KernelsTest {
  @Test
  void tanhAndSigmoidAreAccurateEverywhere() {
    double tanhAbs = 0;
    double tanhRel = 0;
    double sigAbs = 0;
    double sigRelAboveTenth = 0;
    float[] v = new float[4096];
    float[] s = new float[4096];
    int k = 0;
    // every 97th float from 1e-30 to 40, both signs, in batches through the array loops
    for (int b = Float.floatToIntBits(1e-30f); b <= Float.floatToIntBits(40f); b += 97) {
      float x = Float.intBitsToFloat(b);
      v[k] = (k & 1) == 0 ? x : -x;
      k++;
      if (k == v.length || b + 97 > Float.floatToIntBits(40f)) {
        System.arraycopy(v, 0, s, 0, k);
        float[] in = v.clone();
        Kernels.tanh(v, 0, k);
        Kernels.sigmoid(s, 0, k);
        for (int i = 0; i < k; i++) {
          double t = Math.tanh(in[i]);
          double e = Math.abs(v[i] - t);
          tanhAbs = Math.max(tanhAbs, e);
          tanhRel = Math.max(tanhRel, e / Math.abs(t));
          assertThat(Math.abs(v[i])).isLessThanOrEqualTo(1f);
          double sg = 1 / (1 + Math.exp(-(double) in[i]));
          double es = Math.abs(s[i] - sg);
          sigAbs = Math.max(sigAbs, es);
          if (sg > 0.1) {
            sigRelAboveTenth = Math.max(sigRelAboveTenth, es / sg);
          }
          assertThat(s[i]).isBetween(0f, 1f);
        }
        k = 0;
      }
    }
    assertThat(tanhAbs).isLessThan(2e-7);
    assertThat(tanhRel).isLessThan(4e-7);
    assertThat(sigAbs).isLessThan(1.5e-7);
    assertThat(sigRelAboveTenth).isLessThan(1e-6);
    assertThat(Kernels.tanh(0f)).isZero();
    assertThat(Kernels.sigmoid(0f)).isEqualTo(0.5f);
    assertThat(Kernels.tanh(1e4f)).isCloseTo(1f, within(1.2e-7f));
    assertThat(Kernels.tanh(-1e4f)).isCloseTo(-1f, within(1.2e-7f));
    assertThat(Kernels.sigmoid(1e4f)).isCloseTo(1f, within(1.2e-7f));
    assertThat(Kernels.sigmoid(-1e4f)).isCloseTo(0f, within(1.2e-7f));
    assertThat(Kernels.tanh(Float.NaN)).isNaN();
    assertThat(Kernels.sigmoid(Float.NaN)).isNaN();
  }

  @Test
  void gatesAreTanhForTheBlockInputAndSigmoidForTheGates() {
    Random rnd = new Random(3);
    for (int n : new int[] {1, 5, 64}) {
      float[] v = new float[4 * n];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) rnd.nextGaussian() * (1 << rnd.nextInt(6));
      }
      float[] expected = v.clone();
      Kernels.tanh(expected, 0, n);
      Kernels.sigmoid(expected, n, 4 * n);
      Kernels.gates(v, 4 * n, Kernels.gateCoefficients(n));
      assertThat(v).containsExactly(expected);
    }
  }

  /** The int8 quantization as it was written before {@link Int8Vector}. */
  private static float reference(float[] v, int off, int n, int[] q) {
    float max = 0;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, Math.abs(v[off + i]));
    }
    float s = max > 0 ? max / 127f : 1f;
    float inv = 1f / s;
    for (int i = 0; i < n; i++) {
      q[i] = Math.max(-127, Math.min(127, Math.round(v[off + i] * inv)));
    }
    return s;
  }

  @Test
  void quantizeRoundsExactlyLikeMathRound() {
    Random rnd = new Random(11);
    int n = 64;
    float[] v = new float[n + 3];
    Int8Vector out = new Int8Vector(n);
    int[] expected = new int[n];
    for (int t = 0; t < 20_000; t++) {
      float scale = (float) Math.pow(10, rnd.nextInt(12) - 6);
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) rnd.nextGaussian() * scale;
      }
      switch (t % 5) {
        case 0 -> { // values on exact ties and next to them: max 127 makes the scale 1
          v[3] = 127;
          for (int i = 4; i < v.length; i++) {
            float tie = rnd.nextInt(254) - 126.5f;
            v[i] =
                rnd.nextBoolean() ? tie : rnd.nextBoolean() ? Math.nextUp(tie) : Math.nextDown(tie);
          }
        }
        case 1 -> { // the largest float below a half, and halves
          java.util.Arrays.fill(v, 0f);
          v[3] = 127;
          float[] near = {0.49999997f, -0.49999997f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f};
          System.arraycopy(near, 0, v, 4, near.length);
        }
        case 2 -> java.util.Arrays.fill(v, 0f);
        case 3 -> v[3 + rnd.nextInt(n)] = (rnd.nextBoolean() ? 1 : -1) * Float.MIN_VALUE * 7;
        default -> {}
      }
      out.quantize(v, 3, n);
      float s = out.scale;
      assertThat(s).isEqualTo(reference(v, 3, n, expected));
      assertNonZero(out, expected, n);
      for (int i = 0; i < n; i++) {
        assertThat(out.q[i]).as("value %s at scale %s", v[3 + i], s).isEqualTo((float) expected[i]);
      }
    }
    // the scales that take the plain loop: all subnormal, a NaN, an infinity
    float[][] odd = {
      {Float.MIN_VALUE, -3 * Float.MIN_VALUE, 0},
      {Float.NaN, 1000, -2.5f},
      {1, 0.5f, Float.NaN, 2},
      {Float.POSITIVE_INFINITY, 1, -1},
      {1e38f, -3.4e38f, 1}
    };
    for (float[] o : odd) {
      Int8Vector q = new Int8Vector(o.length);
      int[] e = new int[o.length];
      q.quantize(o, 0, o.length);
      assertThat(q.scale).isEqualTo(reference(o, 0, o.length, e));
      assertNonZero(q, e, o.length);
      for (int i = 0; i < o.length; i++) {
        assertThat(q.q[i]).isEqualTo((float) e[i]);
      }
    }
  }

  private static void assertNonZero(Int8Vector v, int[] expected, int n) {
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (expected[i] != 0) {
        assertThat(v.idx[m++]).isEqualTo(i);
      }
    }
    assertThat(v.count).isEqualTo(m);
  }

  @Test
  void addRowsSumsInInputOrderLikeADotProduct() {
    Random rnd = new Random(5);
    for (int width : new int[] {1, 15, 16, 47, 48, 64, 256}) {
      for (int nIn : new int[] {1, 3, 4, 7, 15, 64}) {
        float[][] w = new float[nIn][width];
        float[] x = new float[nIn + 2];
        float[] b = new float[width];
        for (int i = 0; i < nIn; i++) {
          for (int r = 0; r < width; r++) {
            w[i][r] = (float) rnd.nextGaussian();
          }
          x[i + 2] = rnd.nextInt(4) == 0 ? 0 : (float) rnd.nextGaussian() * 100;
        }
        for (int r = 0; r < width; r++) {
          b[r] = (float) rnd.nextGaussian();
        }
        float[] acc = b.clone();
        int[] idx = new int[nIn];
        int m = Kernels.nonZero(x, 2, nIn, idx);
        Kernels.addRows(w, x, 2, idx, m, acc, width);
        for (int r = 0; r < width; r++) {
          float s = b[r];
          for (int i = 0; i < nIn; i++) {
            s += w[i][r] * x[i + 2];
          }
          assertThat(acc[r]).isEqualTo(s);
        }
      }
    }
  }

  @Test
  void int8RowsIsTheExactInt32SumAlsoBeyondTheFloatExactBound() {
    Random rnd = new Random(9);
    for (int nIn : new int[] {5, 1040, 1041, 3000}) {
      int width = 17;
      float[][] w = new float[nIn][width];
      float[] q = new float[nIn];
      int[] idx = new int[nIn];
      for (int i = 0; i < nIn; i++) {
        for (int r = 0; r < width; r++) {
          w[i][r] = rnd.nextBoolean() ? 127 : -127 + rnd.nextInt(3);
        }
        q[i] = rnd.nextInt(10) == 0 ? 0 : 127; // sums far beyond 2^24
      }
      int m = Kernels.nonZero(q, 0, nIn, idx);
      float[] acc = new float[width];
      double[] wide = new double[width];
      Kernels.int8Rows(w, q, idx, m, acc, width, wide);
      for (int r = 0; r < width; r++) {
        int s = 0;
        for (int i = 0; i < nIn; i++) {
          s += (int) w[i][r] * (int) q[i];
        }
        assertThat(acc[r]).as("nIn %d output %d", nIn, r).isEqualTo((float) s);
      }
    }
  }
}
