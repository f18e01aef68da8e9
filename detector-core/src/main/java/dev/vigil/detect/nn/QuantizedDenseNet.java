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
 * <p>Four times less weight memory than float and integer arithmetic in the inner loop. {@link
 * #forward} allocates nothing; not thread-safe (use {@link #copy()} per thread).
 */
public final class QuantizedDenseNet implements VectorModel {
  private final DenseNet source;
  private final byte[][] q;
  private final float[][] scale;
  private final float[] a;
  private final float[] b;
  private final byte[] xq;

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
    a = new float[widest];
    b = new float[widest];
    xq = new byte[widest];
  }

  @Override
  public int inputSize() {
    return source.inputSize();
  }

  @Override
  public int outputSize() {
    return source.outputSize();
  }

  private QuantizedDenseNet(DenseNet net, byte[][] q, float[][] scale) {
    this.source = net;
    this.q = q;
    this.scale = scale;
    int widest = net.inputSize();
    for (DenseLayerWeights l : net.layers()) {
      widest = Math.max(widest, l.nOut());
    }
    a = new float[widest];
    b = new float[widest];
    xq = new byte[widest];
  }

  /** Returns an independent instance sharing the same quantized weights. */
  @Override
  public QuantizedDenseNet copy() {
    return new QuantizedDenseNet(source, q, scale);
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
    return new QuantizedDenseNet(net, q, scale);
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
    for (int li = 0; li < layers.size(); li++) {
      DenseLayerWeights l = layers.get(li);
      int nIn = l.nIn();
      float max = 0;
      for (int i = 0; i < nIn; i++) {
        max = Math.max(max, Math.abs(in[i]));
      }
      float sx = max > 0 ? max / 127f : 1f;
      float inv = 1f / sx;
      for (int i = 0; i < nIn; i++) {
        xq[i] = (byte) Math.max(-127, Math.min(127, Math.round(in[i] * inv)));
      }
      byte[] w = q[li];
      float[] s = scale[li];
      float[] bias = l.bias();
      float[] dst = li == layers.size() - 1 ? out : cur;
      for (int o = 0; o < l.nOut(); o++) {
        int acc = 0;
        int row = o * nIn;
        for (int i = 0; i < nIn; i++) {
          acc += w[row + i] * xq[i];
        }
        dst[o] = acc * s[o] * sx + bias[o];
      }
      l.activation().apply(dst, l.nOut());
      in = dst;
      cur = cur == a ? b : a;
    }
  }
}
