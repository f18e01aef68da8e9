package dev.vigil.detect.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;

/**
 * An int8 one-step forward pass of an {@link LstmNet}.
 *
 * <p>Each LSTM layer's input and recurrent weight matrices are quantized symmetrically per output
 * channel, that is per gate unit ({@code w ≈ scale_r · q}, q in [-127, 127], one scale per
 * pre-activation {@code r}, a column of the input-major {@link LstmLayerWeights} layout); at run
 * time the layer's input vector and the previous hidden output are each quantized symmetrically per
 * vector, the two matrix products are accumulated in int32 and rescaled to float, and the biases,
 * gates and cell state stay in float. The dense prediction layer is quantized like {@link
 * QuantizedDenseNet} (per output, its input quantized per vector). The state layout is {@link
 * LstmNet}'s.
 *
 * <p>The int8 weights and scales are what {@link #writeTo} writes and {@link #readFrom} reads back,
 * never re-quantized at load. In memory the int8 values are held widened to int32, one array per
 * input row: JDK 17's JIT vectorises int32 multiply-adds but not byte-to-int ones (about 3.5 times
 * slower); the products and sums are the same int8 × int8 → int32 arithmetic. Zero quantized inputs
 * are skipped (see {@link Kernels}).
 *
 * <p>{@link #step} allocates nothing; not thread-safe (use {@link #copy()} per thread).
 */
public final class QuantizedLstmNet implements SequenceModel {
  /** Magic number of the binary format ("VLQ8"). */
  private static final int MAGIC = 0x564c5138;

  private static final int VERSION = 1;

  private final int inputSize;
  private final int[] units;

  /** Per layer, the int8 input weights as {@code nIn} rows of {@code 4n}. */
  private final float[][][] qx;

  /** Per layer, one scale per pre-activation for {@link #qx}. */
  private final float[][] sx;

  /** Per layer, the int8 recurrent weights as {@code n} rows of {@code 4n}. */
  private final float[][][] qh;

  private final float[][] sh;
  private final float[][] bias;

  /** The int8 prediction weights transposed: row {@code j} holds the weights from {@code h[j]}. */
  private final float[][] qo;

  private final float[] so;
  private final float[] bo;
  private final Activation outAct;

  private final int[] stateOffset;
  private final int stateSize;
  private final float[] pre;
  private final float[] accX;
  private final float[] accH;
  private final Int8Vector vq;
  private final double[] wide;
  private final float[] cellTanh;
  private final float[][][] gates;

  /** Quantizes {@code net}'s weights. */
  public QuantizedLstmNet(LstmNet net) {
    int count = net.layers().size();
    inputSize = net.inputSize();
    units = new int[count];
    qx = new float[count][][];
    sx = new float[count][];
    qh = new float[count][][];
    sh = new float[count][];
    bias = new float[count][];
    for (int li = 0; li < count; li++) {
      LstmLayerWeights l = net.layers().get(li);
      int rows = 4 * l.units();
      units[li] = l.units();
      sx[li] = new float[rows];
      qx[li] = quantizeColumns(l.inputWeights(), l.nIn(), rows, sx[li]);
      sh[li] = new float[rows];
      qh[li] = quantizeColumns(l.recurrentWeights(), l.units(), rows, sh[li]);
      bias[li] = l.bias().clone();
    }
    DenseLayerWeights o = net.output();
    // [nOut][nIn] quantized per output row = [nIn][nOut] quantized per column
    float[] transposed = new float[o.nIn() * o.nOut()];
    for (int r = 0; r < o.nOut(); r++) {
      for (int j = 0; j < o.nIn(); j++) {
        transposed[j * o.nOut() + r] = o.weights()[r * o.nIn() + j];
      }
    }
    so = new float[o.nOut()];
    qo = quantizeColumns(transposed, o.nIn(), o.nOut(), so);
    bo = o.bias().clone();
    outAct = o.activation();
    int[] offsets = new int[count];
    stateSize = offsets(units, offsets);
    stateOffset = offsets;
    int widest = widest(units);
    pre = new float[4 * widest];
    accX = new float[Math.max(4 * widest, inputSize)]; // also the prediction layer's sums
    accH = new float[4 * widest];
    int widestIn = Math.max(inputSize, widest);
    vq = new Int8Vector(widestIn);
    wide = new double[accX.length];
    cellTanh = new float[widest];
    gates = new float[units.length][][];
    for (int li = 0; li < units.length; li++) {
      gates[li] = Kernels.gateCoefficients(units[li]);
    }
  }

  /** Takes weights as they are (no copy: callers hand over fresh arrays). */
  private QuantizedLstmNet(
      int inputSize,
      int[] units,
      float[][][] qx,
      float[][] sx,
      float[][][] qh,
      float[][] sh,
      float[][] bias,
      float[][] qo,
      float[] so,
      float[] bo,
      Activation outAct) {
    this.inputSize = inputSize;
    this.units = units;
    this.qx = qx;
    this.sx = sx;
    this.qh = qh;
    this.sh = sh;
    this.bias = bias;
    this.qo = qo;
    this.so = so;
    this.bo = bo;
    this.outAct = outAct;
    stateOffset = new int[units.length];
    stateSize = offsets(units, stateOffset);
    int widest = widest(units);
    pre = new float[4 * widest];
    accX = new float[Math.max(4 * widest, inputSize)]; // also the prediction layer's sums
    accH = new float[4 * widest];
    int widestIn = Math.max(inputSize, widest);
    vq = new Int8Vector(widestIn);
    wide = new double[accX.length];
    cellTanh = new float[widest];
    gates = new float[units.length][][];
    for (int li = 0; li < units.length; li++) {
      gates[li] = Kernels.gateCoefficients(units[li]);
    }
  }

  private static int offsets(int[] units, int[] offsets) {
    int s = 0;
    for (int li = 0; li < units.length; li++) {
      offsets[li] = s;
      s += 2 * units[li];
    }
    return s;
  }

  private static int widest(int[] units) {
    int w = 0;
    for (int u : units) {
      w = Math.max(w, u);
    }
    return w;
  }

  /**
   * Quantizes row-major {@code [rows][cols]} weights symmetrically per column (the weights into one
   * output), writing the scales and returning the int8 values as rows (in floats).
   */
  static float[][] quantizeColumns(float[] w, int rows, int cols, float[] scale) {
    float[][] q = new float[rows][cols];
    for (int c = 0; c < cols; c++) {
      float max = 0;
      for (int r = 0; r < rows; r++) {
        max = Math.max(max, Math.abs(w[r * cols + c]));
      }
      float s = max > 0 ? max / 127f : 1f;
      scale[c] = s;
      for (int r = 0; r < rows; r++) {
        q[r][c] = Math.max(-127, Math.min(127, Math.round(w[r * cols + c] / s)));
      }
    }
    return q;
  }

  /**
   * Sets {@code acc[0, width)} to the int32 product of {@code w} and {@code v[off, off + n)}
   * quantized symmetrically (see {@link Int8Vector}), and returns the vector's scale.
   */
  private float int8Product(float[][] w, float[] v, int off, int n, float[] acc, int width) {
    vq.quantize(v, off, n);
    Kernels.int8Rows(w, vq.q, vq.idx, vq.count, acc, width, wide);
    return vq.scale;
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
    return new QuantizedLstmNet(inputSize, units, qx, sx, qh, sh, bias, qo, so, bo, outAct);
  }

  /** Returns the number of LSTM layers. */
  public int layerCount() {
    return units.length;
  }

  /** Returns layer {@code li}'s units. */
  public int units(int li) {
    return units[li];
  }

  /**
   * Returns layer {@code li}'s int8 input weights, row-major {@code [nIn][4·units]} (the layout of
   * {@link LstmLayerWeights#inputWeights()}).
   */
  public byte[] inputWeights(int li) {
    return flatten(qx[li]);
  }

  /** Returns layer {@code li}'s scales of the input weights, one per pre-activation (column). */
  public float[] inputScales(int li) {
    return sx[li].clone();
  }

  /** Returns layer {@code li}'s int8 recurrent weights, row-major {@code [units][4·units]}. */
  public byte[] recurrentWeights(int li) {
    return flatten(qh[li]);
  }

  /** Returns layer {@code li}'s scales of the recurrent weights, one per pre-activation. */
  public float[] recurrentScales(int li) {
    return sh[li].clone();
  }

  /** Returns layer {@code li}'s float biases ({@code 4·units}). */
  public float[] bias(int li) {
    return bias[li].clone();
  }

  /**
   * Returns the prediction layer's int8 weights, row-major {@code [lastUnits][inputSize]}: row
   * {@code j} holds the weights from {@code h[j]}.
   */
  public byte[] outputWeights() {
    return flatten(qo);
  }

  /** Returns the prediction layer's per-output scales. */
  public float[] outputScales() {
    return so.clone();
  }

  /** Returns the prediction layer's float biases. */
  public float[] outputBias() {
    return bo.clone();
  }

  /** Returns the prediction layer's activation. */
  public Activation outputActivation() {
    return outAct;
  }

  private static byte[] flatten(float[][] rows) {
    int width = rows[0].length;
    byte[] b = new byte[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      for (int r = 0; r < width; r++) {
        b[i * width + r] = (byte) (int) rows[i][r];
      }
    }
    return b;
  }

  private static float[][] widen(byte[] b, int rows, int width) {
    float[][] m = new float[rows][width];
    for (int i = 0; i < rows; i++) {
      for (int r = 0; r < width; r++) {
        m[i][r] = b[i * width + r];
      }
    }
    return m;
  }

  @Override
  public void step(float[] state, int offset, float[] x, float[] prediction) {
    LstmNet.checkStep(this, state, offset, x, prediction);
    float[] in = x;
    int inOff = 0;
    int nIn = inputSize;
    for (int li = 0; li < units.length; li++) {
      int n = units[li];
      int rows = 4 * n;
      int h = offset + stateOffset[li];
      float xs = int8Product(qx[li], in, inOff, nIn, accX, rows);
      float hs = int8Product(qh[li], state, h, n, accH, rows);
      float[] sxl = sx[li];
      float[] shl = sh[li];
      float[] b = bias[li];
      for (int r = 0; r < rows; r++) {
        pre[r] = accX[r] * sxl[r] * xs + accH[r] * shl[r] * hs + b[r];
      }
      LstmNet.cell(pre, state, h, n, gates[li], cellTanh);
      in = state;
      inOff = h;
      nIn = n;
    }
    float s = int8Product(qo, in, inOff, nIn, accX, inputSize);
    for (int o = 0; o < inputSize; o++) {
      prediction[o] = accX[o] * so[o] * s + bo[o];
    }
    outAct.apply(prediction, inputSize);
  }

  /**
   * Writes the int8 network: magic {@code "VLQ8"}, version 1, input size, layer count, then per
   * layer its units, int8 input weights ({@code [nIn][4·units]}), their {@code 4·units} scales,
   * int8 recurrent weights ({@code [units][4·units]}), their scales and the float biases, then the
   * prediction layer's activation name, int8 weights ({@code [lastUnits][inputSize]}), per-output
   * scales and biases.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(inputSize);
    out.writeInt(units.length);
    for (int li = 0; li < units.length; li++) {
      out.writeInt(units[li]);
      out.write(flatten(qx[li]));
      NetIo.write(out, sx[li]);
      out.write(flatten(qh[li]));
      NetIo.write(out, sh[li]);
      NetIo.write(out, bias[li]);
    }
    NetIo.write(out, outAct);
    out.write(flatten(qo));
    NetIo.write(out, so);
    NetIo.write(out, bo);
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
      float[][][] qx = new float[count][][];
      float[][] sx = new float[count][];
      float[][][] qh = new float[count][][];
      float[][] sh = new float[count][];
      float[][] bias = new float[count][];
      int nIn = inputSize;
      for (int li = 0; li < count; li++) {
        String what = "LSTM layer " + li;
        int n = NetIo.size(in, what + " units", NetIo.MAX_ELEMENTS);
        int rows = NetIo.elements(4L * n, what + " gate rows");
        units[li] = n;
        int nx = NetIo.elements((long) nIn * rows, what + " input weights");
        qx[li] = widen(NetIo.int8(in, nx, what + " input weights"), nIn, rows);
        sx[li] = NetIo.scales(in, rows, what + " input scales");
        int nh = NetIo.elements((long) n * rows, what + " recurrent weights");
        qh[li] = widen(NetIo.int8(in, nh, what + " recurrent weights"), n, rows);
        sh[li] = NetIo.scales(in, rows, what + " recurrent scales");
        bias[li] = NetIo.floats(in, rows, what + " bias");
        nIn = n;
      }
      Activation act = NetIo.activation(in, "output layer");
      int no = NetIo.elements((long) nIn * inputSize, "output weights");
      float[][] qo = widen(NetIo.int8(in, no, "output weights"), nIn, inputSize);
      float[] so = NetIo.scales(in, inputSize, "output scales");
      float[] bo = NetIo.floats(in, inputSize, "output bias");
      return new QuantizedLstmNet(inputSize, units, qx, sx, qh, sh, bias, qo, so, bo, act);
    } catch (EOFException e) {
      throw new IOException("int8 LSTM model is truncated", e);
    }
  }
}
