package dev.vigil.detect.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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
 */
public final class LstmNet implements SequenceModel {
  /** Magic number of the binary format ("VLST"). */
  private static final int MAGIC = 0x564c5354;

  private static final int VERSION = 1;

  private final List<LstmLayerWeights> layers;
  private final DenseLayerWeights output;
  private final int[] stateOffset;
  private final int stateSize;
  private final float[] pre;

  /**
   * Creates a network; each layer's {@code nIn} must be the previous layer's {@code units}, the
   * output layer must take the last layer's units and give as many outputs as the first layer's
   * inputs (a prediction of the next input vector).
   */
  public LstmNet(List<LstmLayerWeights> layers, DenseLayerWeights output) {
    this.layers = List.copyOf(layers);
    this.output = java.util.Objects.requireNonNull(output, "output");
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
  }

  /** Returns an independent instance with the same weights (for another thread). */
  @Override
  public LstmNet copy() {
    return new LstmNet(layers, output);
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
    for (int li = 0; li < layers.size(); li++) {
      LstmLayerWeights l = layers.get(li);
      int n = l.units();
      int nIn = l.nIn();
      int h = offset + stateOffset[li];
      float[] wx = l.inputWeights();
      float[] wh = l.recurrentWeights();
      float[] b = l.bias();
      for (int r = 0; r < 4 * n; r++) {
        pre[r] = b[r] + dot(wx, r * nIn, in, inOff, nIn) + dot(wh, r * n, state, h, n);
      }
      cell(pre, state, h, n);
      in = state;
      inOff = h;
    }
    int nIn = output.nIn();
    float[] w = output.weights();
    float[] bias = output.bias();
    for (int o = 0; o < output.nOut(); o++) {
      prediction[o] = bias[o] + dot(w, o * nIn, in, inOff, nIn);
    }
    output.activation().apply(prediction, output.nOut());
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
   * Applies the gates in {@code pre[0, 4n)} (DL4J order: block input, forget, output, input gate)
   * to the cell state at {@code state[h + n, h + 2n)} and writes the new hidden output to {@code
   * state[h, h + n)}.
   */
  static void cell(float[] pre, float[] state, int h, int n) {
    int c = h + n;
    for (int j = 0; j < n; j++) {
      float blockInput = tanh(pre[j]);
      float forget = sigmoid(pre[n + j]);
      float outputGate = sigmoid(pre[2 * n + j]);
      float inputGate = sigmoid(pre[3 * n + j]);
      float cell = forget * state[c + j] + inputGate * blockInput;
      state[c + j] = cell;
      state[h + j] = outputGate * tanh(cell);
    }
  }

  static float tanh(float v) {
    return (float) Math.tanh(v);
  }

  static float sigmoid(float v) {
    return (float) (1.0 / (1.0 + Math.exp(-v)));
  }

  /** Dot product of {@code a[ao, ao + n)} and {@code b[bo, bo + n)}, four partial sums. */
  static float dot(float[] a, int ao, float[] b, int bo, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[ao + i] * b[bo + i];
      s1 += a[ao + i + 1] * b[bo + i + 1];
      s2 += a[ao + i + 2] * b[bo + i + 2];
      s3 += a[ao + i + 3] * b[bo + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[ao + i] * b[bo + i];
    }
    return (s0 + s1) + (s2 + s3);
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
