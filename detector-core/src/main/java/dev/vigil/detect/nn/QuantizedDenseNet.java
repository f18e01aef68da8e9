package dev.vigil.detect.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * An int8 forward pass of a {@link DenseNet}: weights quantized symmetrically per output channel
 * ({@code w ≈ scale_o · q}, q in [-127, 127]), each layer's input quantized symmetrically per
 * vector at run time, products accumulated in int32, then rescaled, biased (in float) and
 * activated.
 *
 * <p>The int8 weights are what {@link #writeTo} writes; for the forward pass they are also held
 * widened to int32 and transposed, one array per input ({@code [nIn][nOut]}): JDK 17's JIT
 * vectorises int32 multiply-adds over such rows but not byte × byte ones. The products and sums are
 * the same int8 × int8 → int32 arithmetic; zero quantized inputs are skipped (see {@link Kernels}).
 * {@link #forward} allocates nothing; not thread-safe (use {@link #copy()} per thread).
 */
public final class QuantizedDenseNet implements VectorModel {
  private final DenseNet source;
  private final byte[][] q;
  private final float[][] scale;

  /** Per layer, {@link #q} input-major, in floats: {@code qt[li][i][o]}. */
  private final float[][][] qt;

  private final float[] a;
  private final float[] b;
  private final Int8Vector xq;
  private final float[] acc;
  private final double[] wide;

  /** Quantizes {@code net}'s weights. */
  public QuantizedDenseNet(DenseNet net) {
    this.source = net;
    List<DenseLayerWeights> layers = net.layers();
    q = new byte[layers.size()][];
    scale = new float[layers.size()][];
    int widest = net.inputSize();
    for (int li = 0; li < layers.size(); li++) {
      DenseLayerWeights l = layers.get(li);
      widest = Math.max(widest, l.nOut());
      q[li] = new byte[l.nIn() * l.nOut()];
      scale[li] = new float[l.nOut()];
      float[] w = l.weights();
      for (int o = 0; o < l.nOut(); o++) {
        float max = 0;
        for (int i = 0; i < l.nIn(); i++) {
          max = Math.max(max, Math.abs(w[o * l.nIn() + i]));
        }
        float s = max > 0 ? max / 127f : 1f;
        scale[li][o] = s;
        for (int i = 0; i < l.nIn(); i++) {
          q[li][o * l.nIn() + i] =
              (byte) Math.max(-127, Math.min(127, Math.round(w[o * l.nIn() + i] / s)));
        }
      }
    }
    qt = widenTransposed(net, q);
    a = new float[widest];
    b = new float[widest];
    xq = new Int8Vector(widest);
    acc = new float[widest];
    wide = new double[widest];
  }

  /** Returns each layer's int8 weights as floats, in {@code [nIn][nOut]} rows. */
  private static float[][][] widenTransposed(DenseNet net, byte[][] q) {
    List<DenseLayerWeights> layers = net.layers();
    float[][][] t = new float[layers.size()][][];
    for (int li = 0; li < layers.size(); li++) {
      int nIn = layers.get(li).nIn();
      int nOut = layers.get(li).nOut();
      t[li] = new float[nIn][nOut];
      for (int o = 0; o < nOut; o++) {
        for (int i = 0; i < nIn; i++) {
          t[li][i][o] = q[li][o * nIn + i];
        }
      }
    }
    return t;
  }

  @Override
  public int inputSize() {
    return source.inputSize();
  }

  @Override
  public int outputSize() {
    return source.outputSize();
  }

  private QuantizedDenseNet(DenseNet net, byte[][] q, float[][] scale, float[][][] qt) {
    this.source = net;
    this.q = q;
    this.scale = scale;
    this.qt = qt == null ? widenTransposed(net, q) : qt;
    int widest = net.inputSize();
    for (DenseLayerWeights l : net.layers()) {
      widest = Math.max(widest, l.nOut());
    }
    a = new float[widest];
    b = new float[widest];
    xq = new Int8Vector(widest);
    acc = new float[widest];
    wide = new double[widest];
  }

  /** Returns an independent instance sharing the same quantized weights. */
  @Override
  public QuantizedDenseNet copy() {
    return new QuantizedDenseNet(source, q, scale, qt);
  }

  /**
   * Writes the quantized weights and their scales (biases and activations belong to the float
   * network, written separately).
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(q.length);
    for (int li = 0; li < q.length; li++) {
      out.writeInt(q[li].length);
      out.write(q[li]);
      out.writeInt(scale[li].length);
      for (float s : scale[li]) {
        out.writeFloat(s);
      }
    }
  }

  /**
   * Reads quantized weights written by {@link #writeTo} for the float network {@code net} (which
   * supplies shapes, biases and activations), so the int8 weights are exactly those shipped.
   */
  public static QuantizedDenseNet readFrom(DataInput in, DenseNet net) throws IOException {
    List<DenseLayerWeights> layers = net.layers();
    int n = in.readInt();
    if (n != layers.size()) {
      throw new IOException("int8 network has " + n + " layers, the float one " + layers.size());
    }
    byte[][] q = new byte[n][];
    float[][] scale = new float[n][];
    for (int li = 0; li < n; li++) {
      DenseLayerWeights l = layers.get(li);
      int len = in.readInt();
      if (len != l.nIn() * l.nOut()) {
        throw new IOException(
            "int8 layer " + li + " has " + len + " weights, expected " + l.nIn() * l.nOut());
      }
      q[li] = new byte[len];
      in.readFully(q[li]);
      int ns = in.readInt();
      if (ns != l.nOut()) {
        throw new IOException("int8 layer " + li + " has " + ns + " scales, expected " + l.nOut());
      }
      scale[li] = new float[ns];
      for (int o = 0; o < ns; o++) {
        float s = in.readFloat();
        if (!(s > 0) || !Float.isFinite(s)) {
          throw new IOException("int8 layer " + li + " scale " + o + " is " + s);
        }
        scale[li][o] = s;
      }
    }
    return new QuantizedDenseNet(net, q, scale, null);
  }

  /**
   * Returns the quantized weights of layer {@code li} (row-major {@code [nOut][nIn]}), for bundles
   * and tests.
   */
  public byte[] weights(int li) {
    return q[li].clone();
  }

  /** Returns the per-output-channel scales of layer {@code li}. */
  public float[] scales(int li) {
    return scale[li].clone();
  }

  /** Computes the output for {@code x} into {@code out}. */
  @Override
  public void forward(float[] x, float[] out) {
    List<DenseLayerWeights> layers = source.layers();
    if (x.length != source.inputSize() || out.length != source.outputSize()) {
      throw new IllegalArgumentException("input or output size does not match the network");
    }
    float[] in = x;
    float[] cur = a;
    int last = layers.size() - 1;
    for (int li = 0; li <= last; li++) {
      DenseLayerWeights l = layers.get(li);
      int nOut = l.nOut();
      xq.quantize(in, 0, l.nIn());
      float sx = xq.scale;
      Kernels.int8Rows(qt[li], xq.q, xq.idx, xq.count, acc, nOut, wide);
      float[] s = scale[li];
      float[] bias = l.bias();
      float[] dst = li == last ? out : cur;
      for (int o = 0; o < nOut; o++) {
        dst[o] = acc[o] * s[o] * sx + bias[o];
      }
      l.activation().apply(dst, nOut);
      in = dst;
      cur = cur == a ? b : a;
    }
  }
}
