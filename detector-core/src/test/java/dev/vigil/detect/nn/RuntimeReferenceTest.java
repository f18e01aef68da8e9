package dev.vigil.detect.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The runtimes against plain reference implementations, written the straightforward way (row-major
 * dot products, int32 sums of int8 products, {@code Math.round} quantization): the float dense net
 * and both int8 nets give the very same floats (the kernels change the memory layout and skip zero
 * inputs, not the arithmetic), the LSTMs differ only by their tanh and sigmoid.
 */
class RuntimeReferenceTest {
  private static final Random RND = new Random(17);

  private static float[] gaussian(int n, double sd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (RND.nextGaussian() * sd);
    }
    return a;
  }

  /** A vector like the scaled features: some zeros, values mostly in [0, 1], some beyond. */
  private static float[] input(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = RND.nextInt(4) == 0 ? 0 : (float) (RND.nextDouble() * (RND.nextInt(8) == 0 ? 3 : 1));
    }
    return x;
  }

  private static DenseNet dense(int... widths) {
    List<DenseLayerWeights> layers = new ArrayList<>();
    for (int i = 0; i + 1 < widths.length; i++) {
      boolean last = i + 2 == widths.length;
      layers.add(
          new DenseLayerWeights(
              widths[i],
              widths[i + 1],
              gaussian(widths[i] * widths[i + 1], 1 / Math.sqrt(widths[i])),
              gaussian(widths[i + 1], 0.1),
              last ? Activation.IDENTITY : Activation.RELU));
    }
    return new DenseNet(layers);
  }

  private static LstmNet lstm(int nIn, int... units) {
    List<LstmLayerWeights> layers = new ArrayList<>();
    int in = nIn;
    for (int n : units) {
      layers.add(
          new LstmLayerWeights(
              in,
              n,
              gaussian(in * 4 * n, 1 / Math.sqrt(in)),
              gaussian(n * 4 * n, 1 / Math.sqrt(n)),
              gaussian(4 * n, 0.5)));
      in = n;
    }
    return new LstmNet(
        layers,
        new DenseLayerWeights(
            in,
            nIn,
            gaussian(in * nIn, 1 / Math.sqrt(in)),
            gaussian(nIn, 0.1),
            Activation.IDENTITY));
  }

  private static boolean same(float a, float b) {
    return a == b || (Float.isNaN(a) && Float.isNaN(b));
  }

  private static void assertSame(float[] got, float[] expected) {
    for (int i = 0; i < expected.length; i++) {
      assertThat(same(got[i], expected[i]))
          .as("element %d: %s, expected %s", i, got[i], expected[i])
          .isTrue();
    }
  }

  // ---- references --------------------------------------------------------------------------

  private static float[] denseReference(DenseNet net, float[] x) {
    float[] in = x;
    for (DenseLayerWeights l : net.layers()) {
      float[] out = new float[l.nOut()];
      for (int o = 0; o < l.nOut(); o++) {
        float s = l.bias()[o];
        for (int i = 0; i < l.nIn(); i++) {
          s += l.weights()[o * l.nIn() + i] * in[i];
        }
        out[o] = s;
      }
      l.activation().apply(out, out.length);
      in = out;
    }
    return in;
  }

  /** Symmetric per-vector int8 quantization, as the runtimes always defined it. */
  private static float quantize(float[] v, int off, int n, int[] q) {
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

  private static float[] int8DenseReference(DenseNet net, QuantizedDenseNet qn, float[] x) {
    float[] in = x;
    List<DenseLayerWeights> layers = net.layers();
    for (int li = 0; li < layers.size(); li++) {
      DenseLayerWeights l = layers.get(li);
      int[] xq = new int[l.nIn()];
      float sx = quantize(in, 0, l.nIn(), xq);
      byte[] w = qn.weights(li);
      float[] s = qn.scales(li);
      float[] out = new float[l.nOut()];
      for (int o = 0; o < l.nOut(); o++) {
        int acc = 0;
        for (int i = 0; i < l.nIn(); i++) {
          acc += w[o * l.nIn() + i] * xq[i];
        }
        out[o] = acc * s[o] * sx + l.bias()[o];
      }
      l.activation().apply(out, out.length);
      in = out;
    }
    return in;
  }

  /** The gate functions the reference LSTMs use. */
  interface Gates {
    float tanh(float x);

    float sigmoid(float x);
  }

  private static final Gates RUNTIME =
      new Gates() {
        @Override
        public float tanh(float x) {
          return Kernels.tanh(x);
        }

        @Override
        public float sigmoid(float x) {
          return Kernels.sigmoid(x);
        }
      };

  private static final Gates EXACT =
      new Gates() {
        @Override
        public float tanh(float x) {
          return (float) Math.tanh(x);
        }

        @Override
        public float sigmoid(float x) {
          return (float) (1 / (1 + Math.exp(-(double) x)));
        }
      };

  private static void cellReference(float[] pre, float[] state, int h, int n, Gates g) {
    for (int j = 0; j < n; j++) {
      float blockInput = g.tanh(pre[j]);
      float forget = g.sigmoid(pre[n + j]);
      float outputGate = g.sigmoid(pre[2 * n + j]);
      float inputGate = g.sigmoid(pre[3 * n + j]);
      float cell = forget * state[h + n + j] + inputGate * blockInput;
      state[h + n + j] = cell;
      state[h + j] = outputGate * g.tanh(cell);
    }
  }

  private static float[] lstmReference(LstmNet net, float[] state, float[] x, Gates g) {
    float[] in = x;
    int inOff = 0;
    int h = 0;
    for (LstmLayerWeights l : net.layers()) {
      int n = l.units();
      float[] pre = new float[4 * n];
      for (int r = 0; r < 4 * n; r++) {
        float s = l.bias()[r];
        for (int i = 0; i < l.nIn(); i++) {
          s += l.inputWeights()[i * 4 * n + r] * in[inOff + i];
        }
        for (int j = 0; j < n; j++) {
          s += l.recurrentWeights()[j * 4 * n + r] * state[h + j];
        }
        pre[r] = s;
      }
      cellReference(pre, state, h, n, g);
      in = state;
      inOff = h;
      h += 2 * n;
    }
    DenseLayerWeights o = net.output();
    float[] p = new float[o.nOut()];
    for (int r = 0; r < o.nOut(); r++) {
      float s = o.bias()[r];
      for (int j = 0; j < o.nIn(); j++) {
        s += o.weights()[r * o.nIn() + j] * in[inOff + j];
      }
      p[r] = s;
    }
    return p;
  }

  private static float[] int8LstmReference(QuantizedLstmNet q, float[] state, float[] x) {
    float[] in = x;
    int inOff = 0;
    int nIn = q.inputSize();
    int h = 0;
    for (int li = 0; li < q.layerCount(); li++) {
      int n = q.units(li);
      int rows = 4 * n;
      int[] xq = new int[nIn];
      float xs = quantize(in, inOff, nIn, xq);
      int[] hq = new int[n];
      float hs = quantize(state, h, n, hq);
      byte[] wx = q.inputWeights(li);
      byte[] wh = q.recurrentWeights(li);
      float[] sx = q.inputScales(li);
      float[] sh = q.recurrentScales(li);
      float[] b = q.bias(li);
      float[] pre = new float[rows];
      for (int r = 0; r < rows; r++) {
        int ax = 0;
        for (int i = 0; i < nIn; i++) {
          ax += wx[i * rows + r] * xq[i];
        }
        int ah = 0;
        for (int j = 0; j < n; j++) {
          ah += wh[j * rows + r] * hq[j];
        }
        pre[r] = ax * sx[r] * xs + ah * sh[r] * hs + b[r];
      }
      cellReference(pre, state, h, n, RUNTIME);
      in = state;
      inOff = h;
      nIn = n;
      h += 2 * n;
    }
    int d = q.inputSize();
    int[] hq = new int[nIn];
    float s = quantize(in, inOff, nIn, hq);
    byte[] wo = q.outputWeights();
    float[] so = q.outputScales();
    float[] bo = q.outputBias();
    float[] p = new float[d];
    for (int r = 0; r < d; r++) {
      int acc = 0;
      for (int j = 0; j < nIn; j++) {
        acc += wo[j * d + r] * hq[j];
      }
      p[r] = acc * so[r] * s + bo[r];
    }
    return p;
  }

  // ---- tests -------------------------------------------------------------------------------

  @Test
  void denseRuntimesGiveTheReferenceFloatsExactly() {
    int[][] shapes = {{15, 64, 16, 64, 15}, {3, 1}, {126, 100, 8, 100, 126}, {7, 50, 3, 50, 7}};
    for (int[] shape : shapes) {
      DenseNet net = dense(shape);
      QuantizedDenseNet q = new QuantizedDenseNet(net);
      float[] out = new float[net.outputSize()];
      for (int t = 0; t < 50; t++) {
        float[] x = input(net.inputSize());
        net.forward(x, out);
        assertSame(out, denseReference(net, x));
        q.forward(x, out);
        assertSame(out, int8DenseReference(net, q, x));
      }
    }
  }

  @Test
  void lstmRuntimesGiveTheReferenceFloatsExactlyUpToTheGateFunctions() {
    int[][] shapes = {{15, 64}, {15, 2}, {126, 8}, {15, 16, 8}, {5, 3, 40}};
    for (int[] shape : shapes) {
      LstmNet net = lstm(shape[0], java.util.Arrays.copyOfRange(shape, 1, shape.length));
      QuantizedLstmNet q = new QuantizedLstmNet(net);
      int d = net.inputSize();
      float[] state = new float[net.stateSize()];
      float[] refState = new float[net.stateSize()];
      float[] exactState = new float[net.stateSize()];
      float[] qState = new float[net.stateSize()];
      float[] qRefState = new float[net.stateSize()];
      float[] p = new float[d];
      double maxExactDiff = 0;
      for (int t = 0; t < 40; t++) {
        float[] x = input(d);
        net.step(state, 0, x, p);
        assertSame(p, lstmReference(net, refState, x, RUNTIME));
        assertSame(state, refState);
        float[] exact = lstmReference(net, exactState, x, EXACT);
        for (int i = 0; i < d; i++) {
          maxExactDiff = Math.max(maxExactDiff, Math.abs(p[i] - exact[i]));
        }
        q.step(qState, 0, x, p);
        assertSame(p, int8LstmReference(q, qRefState, x));
        assertSame(qState, qRefState);
      }
      assertThat(maxExactDiff).as("shape %s", java.util.Arrays.toString(shape)).isLessThan(1e-5);
    }
  }
}
