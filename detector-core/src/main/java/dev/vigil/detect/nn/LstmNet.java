package dev.vigil.detect.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A plain-Java float one-step forward pass of a stacked LSTM (DL4J's {@code LSTM} layers, no
 * peepholes) followed by a dense prediction layer: fed an entity's vector, it predicts the entity's
 * next vector.
 *
 * <p><b>State layout.</b> An entity's state is {@link #stateSize()} {@code = Σ 2·units_l} floats:
 * for each layer {@code l} in order, its hidden output {@code h_l} ({@code units_l} floats) then
 * its cell state {@code c_l} ({@code units_l} floats). A fresh entity is all zeros, as in DL4J.
 *
 * <p>{@link #step} allocates nothing: it uses a scratch buffer owned by the instance, so an
 * instance is not thread-safe; give each scoring thread its own {@link #copy()}.
 *
 * <p>The matrix-vector products add one weight row per non-zero input value to the pre-activations
 * ({@link Kernels#addRows}); each row is held in its own array so that the JIT can vectorise that
 * loop (over one flat array it cannot rule out aliasing and stays scalar, about three times
 * slower). The gates use {@link Kernels}' vectorised tanh and sigmoid.
 */
public final class LstmNet implements SequenceModel {
  /** Magic number of the binary format ("VLST"). */
  private static final int MAGIC = 0x564c5354;

  private static final int VERSION = 1;

  private final List<LstmLayerWeights> layers;
  private final DenseLayerWeights output;

  /** Per layer, {@code inputWeights} split into its {@code nIn} rows of {@code 4n}. */
  private final float[][][] wx;

  /** Per layer, {@code recurrentWeights} split into its {@code n} rows of {@code 4n}. */
  private final float[][][] wh;

  /** The output weights transposed: row {@code j} holds the weights from {@code h[j]}. */
  private final float[][] wo;

  private final int[] stateOffset;
  private final int stateSize;
  private final float[] pre;
  private final float[] cellTanh;
  private final int[] idx;

  /** Per layer, the coefficients of {@link Kernels#gates}. */
  private final float[][][] gates;

  /**
   * Creates a network; each layer's {@code nIn} must be the previous layer's {@code units}, the
   * output layer must take the last layer's units and give as many outputs as the first layer's
   * inputs (a prediction of the next input vector).
   */
  public LstmNet(List<LstmLayerWeights> layers, DenseLayerWeights output) {
    this.layers = List.copyOf(layers);
    this.output = Objects.requireNonNull(output, "output");
    if (this.layers.isEmpty()) {
      throw new IllegalArgumentException("at least one LSTM layer is needed");
    }
    stateOffset = new int[this.layers.size()];
    int offset = 0;
    int widest = 0;
    for (int i = 0; i < this.layers.size(); i++) {
      LstmLayerWeights l = this.layers.get(i);
      if (i > 0 && l.nIn() != this.layers.get(i - 1).units()) {
        throw new IllegalArgumentException(
            "LSTM layer "
                + i
                + " takes "
                + l.nIn()
                + " inputs but layer "
                + (i - 1)
                + " has "
                + this.layers.get(i - 1).units()
                + " units");
      }
      stateOffset[i] = offset;
      offset += 2 * l.units();
      widest = Math.max(widest, l.units());
    }
    stateSize = offset;
    int last = this.layers.get(this.layers.size() - 1).units();
    if (output.nIn() != last) {
      throw new IllegalArgumentException(
          "output layer takes " + output.nIn() + " inputs but the last LSTM layer has " + last);
    }
    if (output.nOut() != inputSize()) {
      throw new IllegalArgumentException(
          "output layer gives "
              + output.nOut()
              + " values but a prediction of the next input needs "
              + inputSize());
    }
    pre = new float[4 * widest];
    cellTanh = new float[widest];
    idx = new int[Math.max(inputSize(), widest)];
    wx = new float[this.layers.size()][][];
    wh = new float[this.layers.size()][][];
    gates = new float[this.layers.size()][][];
    for (int i = 0; i < this.layers.size(); i++) {
      LstmLayerWeights l = this.layers.get(i);
      gates[i] = Kernels.gateCoefficients(l.units());
      wx[i] = rows(l.inputWeights(), l.nIn(), 4 * l.units());
      wh[i] = rows(l.recurrentWeights(), l.units(), 4 * l.units());
    }
    wo = new float[output.nIn()][output.nOut()];
    for (int o = 0; o < output.nOut(); o++) {
      for (int j = 0; j < output.nIn(); j++) {
        wo[j][o] = output.weights()[o * output.nIn() + j];
      }
    }
  }

  /** Shares {@code src}'s immutable weights, with its own scratch buffer. */
  private LstmNet(LstmNet src) {
    layers = src.layers;
    output = src.output;
    wx = src.wx;
    wh = src.wh;
    wo = src.wo;
    gates = src.gates;
    stateOffset = src.stateOffset;
    stateSize = src.stateSize;
    pre = new float[src.pre.length];
    cellTanh = new float[src.cellTanh.length];
    idx = new int[src.idx.length];
  }

  private static float[][] rows(float[] flat, int rows, int width) {
    float[][] m = new float[rows][];
    for (int i = 0; i < rows; i++) {
      m[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
    }
    return m;
  }

  /** Returns an independent instance sharing the weights (for another thread). */
  @Override
  public LstmNet copy() {
    return new LstmNet(this);
  }

  /** Returns the LSTM layers, input side first. */
  public List<LstmLayerWeights> layers() {
    return layers;
  }

  /** Returns the dense prediction layer. */
  public DenseLayerWeights output() {
    return output;
  }

  @Override
  public int inputSize() {
    return layers.get(0).nIn();
  }

  @Override
  public int stateSize() {
    return stateSize;
  }

  /**
   * Returns where layer {@code layer}'s hidden output {@code h} starts within an entity's state
   * (its cell state {@code c} follows, {@code units} floats later).
   */
  public int stateOffset(int layer) {
    return stateOffset[layer];
  }

  @Override
  public void step(float[] state, int offset, float[] x, float[] prediction) {
    checkStep(this, state, offset, x, prediction);
    float[] in = x;
    int inOff = 0;
    int nIn = inputSize();
    for (int li = 0; li < wx.length; li++) {
      int n = layers.get(li).units();
      int rows = 4 * n;
      int h = offset + stateOffset[li];
      System.arraycopy(layers.get(li).bias(), 0, pre, 0, rows);
      int m = Kernels.nonZero(in, inOff, nIn, idx);
      Kernels.addRows(wx[li], in, inOff, idx, m, pre, rows);
      m = Kernels.nonZero(state, h, n, idx);
      Kernels.addRows(wh[li], state, h, idx, m, pre, rows);
      cell(pre, state, h, n, gates[li], cellTanh);
      in = state;
      inOff = h;
      nIn = n;
    }
    int nOut = output.nOut();
    System.arraycopy(output.bias(), 0, prediction, 0, nOut);
    int m = Kernels.nonZero(in, inOff, nIn, idx);
    Kernels.addRows(wo, in, inOff, idx, m, prediction, nOut);
    output.activation().apply(prediction, nOut);
  }

  /** Validates the arguments of {@link SequenceModel#step} without allocating on success. */
  static void checkStep(SequenceModel m, float[] state, int offset, float[] x, float[] prediction) {
    if (x.length != m.inputSize() || prediction.length != m.inputSize()) {
      throw new IllegalArgumentException(
          "x and prediction must have "
              + m.inputSize()
              + " entries, had "
              + x.length
              + " and "
              + prediction.length);
    }
    if (offset < 0 || offset > state.length - m.stateSize()) {
      throw new IllegalArgumentException(
          "state needs "
              + m.stateSize()
              + " floats from offset "
              + offset
              + " but has length "
              + state.length);
    }
  }

  /**
   * Applies the gates in {@code pre[0, 4n)} (DL4J order: block input, forget, output, input gate;
   * activated in place with {@link Kernels#gates}, {@code gates} from {@link
   * Kernels#gateCoefficients}) to the cell state at {@code state[h + n, h + 2n)} and writes the new
   * hidden output to {@code state[h, h + n)}; {@code scratch} holds at least {@code n} floats.
   */
  static void cell(float[] pre, float[] state, int h, int n, float[][] gates, float[] scratch) {
    Kernels.gates(pre, 4 * n, gates);
    int c = h + n;
    int forget = n;
    int input = 3 * n;
    for (int j = 0; j < n; j++) {
      float cell = pre[forget + j] * state[c + j] + pre[input + j] * pre[j];
      state[c + j] = cell;
      scratch[j] = cell;
    }
    Kernels.tanh(scratch, 0, n);
    int output = 2 * n;
    for (int j = 0; j < n; j++) {
      state[h + j] = pre[output + j] * scratch[j];
    }
  }

  /**
   * Writes the network: magic {@code "VLST"}, version 1, input size, layer count, then per layer
   * its units, input weights, recurrent weights and biases (floats, in the layouts of {@link
   * LstmLayerWeights}), then the output layer's activation name, weights and biases.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(inputSize());
    out.writeInt(layers.size());
    for (LstmLayerWeights l : layers) {
      out.writeInt(l.units());
      NetIo.write(out, l.inputWeights());
      NetIo.write(out, l.recurrentWeights());
      NetIo.write(out, l.bias());
    }
    NetIo.write(out, output.activation());
    NetIo.write(out, output.weights());
    NetIo.write(out, output.bias());
  }

  /**
   * Reads a network written by {@link #writeTo}.
   *
   * @throws IOException if the data is truncated, not this format, declares sizes out of range
   *     (more than {@value NetIo#MAX_LAYERS} layers, arrays over 2^24 elements) or holds non-finite
   *     weights
   */
  public static LstmNet readFrom(DataInput in) throws IOException {
    try {
      NetIo.header(in, MAGIC, VERSION, "float LSTM model");
      int inputSize = NetIo.size(in, "LSTM input size", NetIo.MAX_ELEMENTS);
      int count = NetIo.size(in, "LSTM layer count", NetIo.MAX_LAYERS);
      List<LstmLayerWeights> layers = new ArrayList<>();
      int nIn = inputSize;
      for (int li = 0; li < count; li++) {
        String what = "LSTM layer " + li;
        int units = NetIo.size(in, what + " units", NetIo.MAX_ELEMENTS);
        int nx = NetIo.elements(4L * units * nIn, what + " input weights");
        int nh = NetIo.elements(4L * units * units, what + " recurrent weights");
        float[] wx = NetIo.floats(in, nx, what + " input weights");
        float[] wh = NetIo.floats(in, nh, what + " recurrent weights");
        float[] b = NetIo.floats(in, 4 * units, what + " bias");
        layers.add(new LstmLayerWeights(nIn, units, wx, wh, b));
        nIn = units;
      }
      Activation act = NetIo.activation(in, "output layer");
      int nw = NetIo.elements((long) nIn * inputSize, "output weights");
      float[] w = NetIo.floats(in, nw, "output weights");
      float[] b = NetIo.floats(in, inputSize, "output bias");
      return new LstmNet(layers, new DenseLayerWeights(nIn, inputSize, w, b, act));
    } catch (EOFException e) {
      throw new IOException("float LSTM model is truncated", e);
    }
  }
}
