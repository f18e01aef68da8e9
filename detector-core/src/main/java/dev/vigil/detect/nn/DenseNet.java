package dev.vigil.detect.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-Java float forward pass of a stack of dense layers: what the daemon scores with instead
 * of DL4J (about a microsecond per vector rather than a fraction of a millisecond).
 *
 * <p>The weights are also held transposed, one array per input ({@code [nIn][nOut]}), so that each
 * non-zero input adds its row to the outputs in a loop the JIT vectorises ({@link Kernels#addRows};
 * the sums are those of the row-by-row dot products, in the same order). After a ReLU about half
 * the inputs of the next layer are zero and cost nothing.
 *
 * <p>{@link #forward} allocates nothing: it uses buffers owned by the instance, so an instance is
 * not thread-safe; give each scoring thread its own {@link #copy()}.
 */
public final class DenseNet implements VectorModel {
  private final List<DenseLayerWeights> layers;

  /** Per layer, the weights input-major: {@code wt[li][i][o]} is the weight from input i to o. */
  private final float[][][] wt;

  private final float[] a;
  private final float[] b;
  private final int[] idx;

  /** Creates a network; consecutive layers must agree on their sizes. */
  public DenseNet(List<DenseLayerWeights> layers) {
    this.layers = List.copyOf(layers);
    if (this.layers.isEmpty()) {
      throw new IllegalArgumentException("at least one layer is needed");
    }
    int widest = this.layers.get(0).nIn();
    for (int i = 0; i < this.layers.size(); i++) {
      DenseLayerWeights l = this.layers.get(i);
      if (i > 0 && l.nIn() != this.layers.get(i - 1).nOut()) {
        throw new IllegalArgumentException(
            "layer "
                + i
                + " takes "
                + l.nIn()
                + " inputs but layer "
                + (i - 1)
                + " gives "
                + this.layers.get(i - 1).nOut());
      }
      widest = Math.max(widest, l.nOut());
    }
    this.a = new float[widest];
    this.b = new float[widest];
    this.idx = new int[widest];
    this.wt = new float[this.layers.size()][][];
    for (int li = 0; li < this.layers.size(); li++) {
      wt[li] = transpose(this.layers.get(li));
    }
  }

  /** Shares {@code src}'s immutable weights, with its own buffers. */
  private DenseNet(DenseNet src) {
    layers = src.layers;
    wt = src.wt;
    a = new float[src.a.length];
    b = new float[src.b.length];
    idx = new int[src.idx.length];
  }

  /** Returns layer {@code l}'s weights as {@code [nIn][nOut]} rows. */
  static float[][] transpose(DenseLayerWeights l) {
    float[] w = l.weights();
    float[][] t = new float[l.nIn()][l.nOut()];
    for (int o = 0; o < l.nOut(); o++) {
      for (int i = 0; i < l.nIn(); i++) {
        t[i][o] = w[o * l.nIn() + i];
      }
    }
    return t;
  }

  /** Returns an independent instance with the same weights (for another thread). */
  @Override
  public DenseNet copy() {
    return new DenseNet(this);
  }

  /** Returns the layers. */
  public List<DenseLayerWeights> layers() {
    return layers;
  }

  /** Returns the input width. */
  @Override
  public int inputSize() {
    return layers.get(0).nIn();
  }

  /** Returns the output width. */
  @Override
  public int outputSize() {
    return layers.get(layers.size() - 1).nOut();
  }

  /**
   * Computes the network's output for {@code x} into {@code out} (length {@link #outputSize()}).
   */
  @Override
  public void forward(float[] x, float[] out) {
    if (x.length != inputSize() || out.length != outputSize()) {
      throw new IllegalArgumentException(
          "expected input "
              + inputSize()
              + " and output "
              + outputSize()
              + ", got "
              + x.length
              + " and "
              + out.length);
    }
    float[] in = x;
    float[] cur = a;
    int last = layers.size() - 1;
    for (int li = 0; li <= last; li++) {
      DenseLayerWeights l = layers.get(li);
      int nOut = l.nOut();
      float[] dst = li == last ? out : cur;
      System.arraycopy(l.bias(), 0, dst, 0, nOut);
      int m = Kernels.nonZero(in, 0, l.nIn(), idx);
      Kernels.addRows(wt[li], in, 0, idx, m, dst, nOut);
      l.activation().apply(dst, nOut);
      in = dst;
      cur = cur == a ? b : a;
    }
  }

  /**
   * Returns the mean squared difference between {@code x} and its reconstruction (autoencoder use).
   */
  public float reconstructionError(float[] x, float[] scratch) {
    forward(x, scratch);
    float s = 0;
    for (int i = 0; i < x.length; i++) {
      float d = x[i] - scratch[i];
      s += d * d;
    }
    return s / x.length;
  }

  /** Writes the weights (for model bundles). */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(layers.size());
    for (DenseLayerWeights l : layers) {
      out.writeInt(l.nIn());
      out.writeInt(l.nOut());
      out.writeUTF(l.activation().name());
      for (float w : l.weights()) {
        out.writeFloat(w);
      }
      for (float b : l.bias()) {
        out.writeFloat(b);
      }
    }
  }

  /** Reads weights written by {@link #writeTo}, validating every size. */
  public static DenseNet readFrom(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 1 || n > 64) {
      throw new IOException("dense network has " + n + " layers, expected 1 to 64");
    }
    List<DenseLayerWeights> layers = new ArrayList<>(n);
    for (int li = 0; li < n; li++) {
      int nIn = in.readInt();
      int nOut = in.readInt();
      if (nIn < 1 || nOut < 1 || (long) nIn * nOut > 1 << 24) {
        throw new IOException("dense layer " + li + " has invalid shape " + nIn + "x" + nOut);
      }
      Activation act;
      String a = in.readUTF();
      try {
        act = Activation.valueOf(a);
      } catch (IllegalArgumentException e) {
        throw new IOException("dense layer " + li + " has unknown activation '" + a + "'", e);
      }
      float[] w = new float[nIn * nOut];
      for (int i = 0; i < w.length; i++) {
        w[i] = in.readFloat();
      }
      float[] b = new float[nOut];
      for (int i = 0; i < nOut; i++) {
        b[i] = in.readFloat();
      }
      layers.add(new DenseLayerWeights(nIn, nOut, w, b, act));
    }
    try {
      return new DenseNet(layers);
    } catch (IllegalArgumentException e) {
      throw new IOException("dense network is inconsistent: " + e.getMessage(), e);
    }
  }
}
