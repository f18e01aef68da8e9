package dev.vigil.detect.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;

/**
 * An int8 one-step forward pass of an {@link LstmNet}.
 *
 * <p>Each LSTM layer's input and recurrent weight matrices are quantized symmetrically per output
 * channel, that is per gate-unit row ({@code w ≈ scale_r · q}, q in [-127, 127]); at run time the
 * layer's input vector and the previous hidden output are each quantized symmetrically per vector,
 * the two matrix products are accumulated in int32 and rescaled to float, and the biases, gates and
 * cell state stay in float. The dense prediction layer is quantized like {@link QuantizedDenseNet}.
 * The state layout is {@link LstmNet}'s.
 *
 * <p>{@link #step} allocates nothing; not thread-safe (use {@link #copy()} per thread). The weights
 * and scales are what {@link #writeTo} writes and {@link #readFrom} reads back, never re-quantized
 * at load.
 */
public final class QuantizedLstmNet implements SequenceModel {
  /** Magic number of the binary format ("VLQ8"). */
  private static final int MAGIC = 0x564c5138;

  private static final int VERSION = 1;

  /** The immutable weights, shared by copies. */
  private record Weights(
      int inputSize,
      int[] units,
      byte[][] qx,
      float[][] sx,
      byte[][] qh,
      float[][] sh,
      float[][] bias,
      byte[] qOut,
      float[] sOut,
      float[] bOut,
      Activation outAct) {}

  private final Weights weights;
  private final int inputSize;
  private final int[] units;
  private final int[] stateOffset;
  private final int stateSize;
  private final float[] pre;
  private final byte[] inq;
  private final byte[] hq;

  /** Quantizes {@code net}'s weights. */
  public QuantizedLstmNet(LstmNet net) {
    this(quantize(net));
  }

  private QuantizedLstmNet(Weights w) {
    this.weights = w;
    this.inputSize = w.inputSize();
    this.units = w.units();
    stateOffset = new int[units.length];
    int s = 0;
    int widest = 0;
    for (int li = 0; li < units.length; li++) {
      stateOffset[li] = s;
      s += 2 * units[li];
      widest = Math.max(widest, units[li]);
    }
    stateSize = s;
    pre = new float[4 * widest];
    inq = new byte[Math.max(inputSize, widest)];
    hq = new byte[widest];
  }

  private static Weights quantize(LstmNet net) {
    int n = net.layers().size();
    int[] units = new int[n];
    byte[][] qx = new byte[n][];
    float[][] sx = new float[n][];
    byte[][] qh = new byte[n][];
    float[][] sh = new float[n][];
    float[][] bias = new float[n][];
    for (int li = 0; li < n; li++) {
      LstmLayerWeights l = net.layers().get(li);
      units[li] = l.units();
      int rows = 4 * l.units();
      qx[li] = new byte[rows * l.nIn()];
      sx[li] = new float[rows];
      quantizeRows(l.inputWeights(), rows, l.nIn(), qx[li], sx[li]);
      qh[li] = new byte[rows * l.units()];
      sh[li] = new float[rows];
      quantizeRows(l.recurrentWeights(), rows, l.units(), qh[li], sh[li]);
      bias[li] = l.bias().clone();
    }
    DenseLayerWeights o = net.output();
    byte[] qOut = new byte[o.nOut() * o.nIn()];
    float[] sOut = new float[o.nOut()];
    quantizeRows(o.weights(), o.nOut(), o.nIn(), qOut, sOut);
    return new Weights(
        net.inputSize(), units, qx, sx, qh, sh, bias, qOut, sOut, o.bias().clone(), o.activation());
  }

  /** Quantizes row-major {@code [rows][cols]} weights symmetrically per row. */
  static void quantizeRows(float[] w, int rows, int cols, byte[] q, float[] scale) {
    for (int r = 0; r < rows; r++) {
      float max = 0;
      for (int i = 0; i < cols; i++) {
        max = Math.max(max, Math.abs(w[r * cols + i]));
      }
      float s = max > 0 ? max / 127f : 1f;
      scale[r] = s;
      for (int i = 0; i < cols; i++) {
        q[r * cols + i] = (byte) Math.max(-127, Math.min(127, Math.round(w[r * cols + i] / s)));
      }
    }
  }

  /**
   * Quantizes {@code v[off, off + n)} symmetrically into {@code q[0, n)} and returns the scale (1
   * for an all-zero vector).
   */
  static float quantizeVector(float[] v, int off, int n, byte[] q) {
    float max = 0;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, Math.abs(v[off + i]));
    }
    float s = max > 0 ? max / 127f : 1f;
    float inv = 1f / s;
    for (int i = 0; i < n; i++) {
      q[i] = (byte) Math.max(-127, Math.min(127, Math.round(v[off + i] * inv)));
    }
    return s;
  }

  static int dot(byte[] w, int wo, byte[] x, int n) {
    int acc = 0;
    for (int i = 0; i < n; i++) {
      acc += w[wo + i] * x[i];
    }
    return acc;
  }

  @Override
  public int inputSize() {
    return inputSize;
  }

  @Override
  public int stateSize() {
    return stateSize;
  }

  /** Returns an independent instance sharing the weights (for another thread). */
  @Override
  public QuantizedLstmNet copy() {
    return new QuantizedLstmNet(weights);
  }

  /** Returns the number of LSTM layers. */
  public int layerCount() {
    return units.length;
  }

  /** Returns layer {@code li}'s units. */
  public int units(int li) {
    return units[li];
  }

  /** Returns layer {@code li}'s int8 input weights, row-major {@code [4·units][nIn]}. */
  public byte[] inputWeights(int li) {
    return weights.qx()[li].clone();
  }

  /** Returns layer {@code li}'s per-row scales of the input weights. */
  public float[] inputScales(int li) {
    return weights.sx()[li].clone();
  }

  /** Returns layer {@code li}'s int8 recurrent weights, row-major {@code [4·units][units]}. */
  public byte[] recurrentWeights(int li) {
    return weights.qh()[li].clone();
  }

  /** Returns layer {@code li}'s per-row scales of the recurrent weights. */
  public float[] recurrentScales(int li) {
    return weights.sh()[li].clone();
  }

  /** Returns layer {@code li}'s float biases ({@code 4·units}). */
  public float[] bias(int li) {
    return weights.bias()[li].clone();
  }

  /** Returns the prediction layer's int8 weights, row-major {@code [inputSize][lastUnits]}. */
  public byte[] outputWeights() {
    return weights.qOut().clone();
  }

  /** Returns the prediction layer's per-output scales. */
  public float[] outputScales() {
    return weights.sOut().clone();
  }

  /** Returns the prediction layer's float biases. */
  public float[] outputBias() {
    return weights.bOut().clone();
  }

  /** Returns the prediction layer's activation. */
  public Activation outputActivation() {
    return weights.outAct();
  }

  @Override
  public void step(float[] state, int offset, float[] x, float[] prediction) {
    LstmNet.checkStep(this, state, offset, x, prediction);
    float[] in = x;
    int inOff = 0;
    int nIn = inputSize;
    for (int li = 0; li < units.length; li++) {
      int n = units[li];
      int h = offset + stateOffset[li];
      float xs = quantizeVector(in, inOff, nIn, inq);
      float hs = quantizeVector(state, h, n, hq);
      byte[] wx = weights.qx()[li];
      byte[] wh = weights.qh()[li];
      float[] sxl = weights.sx()[li];
      float[] shl = weights.sh()[li];
      float[] b = weights.bias()[li];
      for (int r = 0; r < 4 * n; r++) {
        int ax = dot(wx, r * nIn, inq, nIn);
        int ah = dot(wh, r * n, hq, n);
        pre[r] = ax * sxl[r] * xs + ah * shl[r] * hs + b[r];
      }
      LstmNet.cell(pre, state, h, n);
      in = state;
      inOff = h;
      nIn = n;
    }
    float s = quantizeVector(in, inOff, nIn, inq);
    byte[] qo = weights.qOut();
    float[] so = weights.sOut();
    float[] bo = weights.bOut();
    for (int o = 0; o < inputSize; o++) {
      prediction[o] = dot(qo, o * nIn, inq, nIn) * so[o] * s + bo[o];
    }
    weights.outAct().apply(prediction, inputSize);
  }

  /**
   * Writes the int8 network: magic {@code "VLQ8"}, version 1, input size, layer count, then per
   * layer its units, int8 input weights, their scales, int8 recurrent weights, their scales and the
   * float biases, then the prediction layer's activation name, int8 weights, scales and biases.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(inputSize);
    out.writeInt(units.length);
    for (int li = 0; li < units.length; li++) {
      out.writeInt(units[li]);
      out.write(weights.qx()[li]);
      NetIo.write(out, weights.sx()[li]);
      out.write(weights.qh()[li]);
      NetIo.write(out, weights.sh()[li]);
      NetIo.write(out, weights.bias()[li]);
    }
    NetIo.write(out, weights.outAct());
    out.write(weights.qOut());
    NetIo.write(out, weights.sOut());
    NetIo.write(out, weights.bOut());
  }

  /**
   * Reads an int8 network written by {@link #writeTo}, using its weights and scales as they are.
   *
   * @throws IOException if the data is truncated, not this format, declares sizes out of range
   *     (more than {@value NetIo#MAX_LAYERS} layers, arrays over 2^24 elements), holds a weight of
   *     -128, a non-positive or non-finite scale or a non-finite bias
   */
  public static QuantizedLstmNet readFrom(DataInput in) throws IOException {
    try {
      NetIo.header(in, MAGIC, VERSION, "int8 LSTM model");
      int inputSize = NetIo.size(in, "LSTM input size", NetIo.MAX_ELEMENTS);
      int count = NetIo.size(in, "LSTM layer count", NetIo.MAX_LAYERS);
      int[] units = new int[count];
      byte[][] qx = new byte[count][];
      float[][] sx = new float[count][];
      byte[][] qh = new byte[count][];
      float[][] sh = new float[count][];
      float[][] bias = new float[count][];
      int nIn = inputSize;
      for (int li = 0; li < count; li++) {
        String what = "LSTM layer " + li;
        int n = NetIo.size(in, what + " units", NetIo.MAX_ELEMENTS);
        int rows = NetIo.elements(4L * n, what + " gate rows");
        units[li] = n;
        qx[li] =
            NetIo.int8(
                in,
                NetIo.elements((long) rows * nIn, what + " input weights"),
                what + " input weights");
        sx[li] = NetIo.scales(in, rows, what + " input scales");
        qh[li] =
            NetIo.int8(
                in,
                NetIo.elements((long) rows * n, what + " recurrent weights"),
                what + " recurrent weights");
        sh[li] = NetIo.scales(in, rows, what + " recurrent scales");
        bias[li] = NetIo.floats(in, rows, what + " bias");
        nIn = n;
      }
      Activation act = NetIo.activation(in, "output layer");
      byte[] qOut =
          NetIo.int8(
              in, NetIo.elements((long) inputSize * nIn, "output weights"), "output weights");
      float[] sOut = NetIo.scales(in, inputSize, "output scales");
      float[] bOut = NetIo.floats(in, inputSize, "output bias");
      return new QuantizedLstmNet(
          new Weights(inputSize, units, qx, sx, qh, sh, bias, qOut, sOut, bOut, act));
    } catch (EOFException e) {
      throw new IOException("int8 LSTM model is truncated", e);
    }
  }
}
