package dev.vigil.detect.forest;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A flattened, read-only copy of a trained Smile {@code IsolationForest} that scores a vector with
 * exactly Smile's arithmetic, without walking Smile's object graph and without allocating.
 *
 * <p>{@link #score(double[])} returns the same double as {@code forest.score(x)} for every input,
 * non-finite values included: each split multiplies and adds the same non-zero terms in the same
 * order as Smile's dense dot product (Smile's zero coefficients only add exact zeros, which cannot
 * change the comparison), the path lengths are summed in tree order and Smile's {@code 2^(-mean /
 * c(n))} closes.
 *
 * <p><b>Layout.</b> All nodes of all trees live in two arrays, {@code coef} (doubles) and {@code
 * link} (ints), with the same stride {@code S = s + 1}, where {@code s = min(extensionLevel + 1,
 * dimension)} is the number of non-zero hyperplane coefficients per split; a node is addressed by
 * its offset {@code n * S} into both. Tree {@code t} occupies the nodes {@code [treeStart(t),
 * treeStart(t + 1))} in breadth-first order, root first, so the two children of a split are
 * neighbours and the top levels of a tree share cache lines.
 *
 * <pre>
 *   split: coef = [offset, w_1 .. w_s]      link = [offset of left child, f_1 .. f_s]
 *   leaf:  coef = [NaN, path length, 0 ..]  link = [own offset - S, 0 ..]
 * </pre>
 *
 * A split sends {@code x} to its left child when {@code x[f_1] w_1 + .. + x[f_s] w_s < offset}
 * (Smile's {@code bias}: the hyperplane's dot product with its random intercept point), otherwise
 * to the right child, which follows the left one. The coefficients are in ascending feature order,
 * as Smile sums them; a split with fewer than {@code s} non-zero coefficients is padded with zero
 * ones. A leaf's NaN offset fails every comparison and its child link points back at itself, so the
 * walk stays put. So trees are walked eight at a time, in lock step, for as many steps as the
 * tallest of the eight is high, with no data-dependent branch: the eight chains of dependent loads
 * overlap instead of waiting on each other. A leaf's path length is its depth plus Smile's {@code
 * c(size)} adjustment for the rows it still held.
 *
 * <p>Immutable and thread-safe.
 */
public final class FlatForest {

  /** Largest vector length {@link #readFrom} accepts. */
  public static final int MAX_DIMENSION = 1 << 16;

  /** Largest tree count {@link #readFrom} accepts. */
  public static final int MAX_TREES = 1 << 16;

  /** Largest total node count {@link #readFrom} accepts. */
  public static final int MAX_NODES = 1 << 24;

  /** Largest number of stored coefficients, nodes times coefficients per split. */
  public static final long MAX_COEFFICIENTS = 1L << 26;

  private static final int MAGIC = 0x5646_4652; // "VFFR"
  private static final int FORMAT_VERSION = 1;

  /** Smile's {@code IsolationForest.EULER}: the Euler-Mascheroni constant to ten digits. */
  private static final double EULER = 0.5772156649;

  private final int dimension;
  private final int extensionLevel;
  private final int slots;
  private final int subsampleSize;
  private final double c;
  private final int nodes;

  /** First node of each tree, then the node count: tree t is [treeStart[t], treeStart[t + 1]). */
  private final int[] treeStart;

  /** Each tree's height: the number of splits on its longest root-to-leaf path. */
  private final int[] height;

  private final double[] coef;
  private final int[] link;

  /**
   * Checks the breadth-first node arrays (by node index) and packs them into the scoring layout.
   *
   * @param firstChild per node, the index of its left child (the right one follows), or -1 for a
   *     leaf
   * @param value per node, the split offset or the leaf's path length
   * @param feature per node, {@code slots} feature indices (ignored for a leaf)
   * @param weight per node, {@code slots} coefficients (ignored for a leaf)
   * @throws IllegalArgumentException if the arrays do not describe proper trees
   */
  private FlatForest(
      int dimension,
      int extensionLevel,
      int subsampleSize,
      int[] treeStart,
      int[] firstChild,
      double[] value,
      int[] feature,
      double[] weight) {
    this.dimension = dimension;
    this.extensionLevel = extensionLevel;
    this.slots = slots(extensionLevel, dimension);
    this.subsampleSize = subsampleSize;
    this.c = factor(subsampleSize);
    this.treeStart = treeStart;
    this.nodes = treeStart[treeStart.length - 1];
    this.height = check(firstChild, value, feature, weight);
    int s = slots;
    int stride = s + 1;
    coef = new double[nodes * stride];
    link = new int[nodes * stride];
    for (int n = 0; n < nodes; n++) {
      int o = n * stride;
      if (firstChild[n] < 0) {
        coef[o] = Double.NaN;
        coef[o + 1] = value[n];
        link[o] = o - stride;
        continue;
      }
      coef[o] = value[n];
      link[o] = firstChild[n] * stride;
      for (int k = 0; k < s; k++) {
        coef[o + 1 + k] = weight[n * s + k];
        link[o + 1 + k] = feature[n * s + k];
      }
    }
  }

  /**
   * Packs trees given as breadth-first node arrays, as {@code SmileForests} in detector-train
   * copies them out of a trained Smile forest (or a bundle reader would): trees one after another,
   * each tree's nodes in breadth-first order, a split's two children side by side.
   *
   * @param dimension vector length
   * @param extensionLevel most non-zero coefficients a split may have, minus one
   * @param subsampleSize rows each tree was grown on (sets the path-length normaliser)
   * @param treeStart per tree, the index of its root; one more entry holds the node count
   * @param firstChild per node, the index of its left child (the right one follows), or -1 for a
   *     leaf
   * @param value per node, the split offset or the leaf's path length
   * @param feature per node, {@link #slots} feature indices (ignored for a leaf)
   * @param weight per node, {@link #slots} coefficients (ignored for a leaf)
   * @throws IllegalArgumentException if the arrays do not describe proper trees
   */
  public static FlatForest fromNodes(
      int dimension,
      int extensionLevel,
      int subsampleSize,
      int[] treeStart,
      int[] firstChild,
      double[] value,
      int[] feature,
      double[] weight) {
    if (dimension < 1 || dimension > MAX_DIMENSION) {
      throw new IllegalArgumentException("dimension " + dimension + " out of 1.." + MAX_DIMENSION);
    }
    if (extensionLevel < 0) {
      throw new IllegalArgumentException("forest has negative extension level " + extensionLevel);
    }
    return new FlatForest(
        dimension, extensionLevel, subsampleSize, treeStart, firstChild, value, feature, weight);
  }

  /**
   * Returns the anomaly score of {@code x}, in (0, 1): exactly what Smile's {@code
   * IsolationForest.score(x)} returns. Allocates nothing.
   *
   * @throws IllegalArgumentException if {@code x.length != dimension()}
   */
  public double score(double[] x) {
    double mean = pathLengthSum(x) / height.length;
    return Math.pow(2.0, -mean / c);
  }

  /**
   * Returns the sum over all trees of the path length of {@code x} (leaf depth plus Smile's
   * adjustment for the rows left in the leaf), added in tree order as Smile adds them. Allocates
   * nothing.
   *
   * @throws IllegalArgumentException if {@code x.length != dimension()}
   */
  public double pathLengthSum(double[] x) {
    if (x.length != dimension) {
      throw new IllegalArgumentException(
          "vector has " + x.length + " features, forest expects " + dimension);
    }
    int nonFinite = 0;
    for (double v : x) {
      nonFinite += Double.isFinite(v) ? 0 : 1;
    }
    if (nonFinite > 0) {
      return sumNonFinite(x, nonFinite);
    }
    switch (slots) {
      case 1:
        return sum1(x);
      case 2:
        return sum2(x);
      default:
        return sumN(x);
    }
  }

  private double sum1(double[] x) {
    final double[] coef = this.coef;
    final int[] link = this.link;
    final int[] start = this.treeStart;
    final int[] height = this.height;
    double sum = 0;
    int t = 0;
    for (; t + 8 <= height.length; t += 8) {
      int a = start[t] * 2;
      int b = start[t + 1] * 2;
      int c = start[t + 2] * 2;
      int d = start[t + 3] * 2;
      int e = start[t + 4] * 2;
      int f = start[t + 5] * 2;
      int g = start[t + 6] * 2;
      int i = start[t + 7] * 2;
      for (int h = Math.max(maxHeight(height, t), maxHeight(height, t + 4)); h > 0; h--) {
        a = step1(a, x, coef, link);
        b = step1(b, x, coef, link);
        c = step1(c, x, coef, link);
        d = step1(d, x, coef, link);
        e = step1(e, x, coef, link);
        f = step1(f, x, coef, link);
        g = step1(g, x, coef, link);
        i = step1(i, x, coef, link);
      }
      sum += coef[a + 1];
      sum += coef[b + 1];
      sum += coef[c + 1];
      sum += coef[d + 1];
      sum += coef[e + 1];
      sum += coef[f + 1];
      sum += coef[g + 1];
      sum += coef[i + 1];
    }
    for (; t < height.length; t++) {
      int a = start[t] * 2;
      for (int h = height[t]; h > 0; h--) {
        a = step1(a, x, coef, link);
      }
      sum += coef[a + 1];
    }
    return sum;
  }

  private static int step1(int o, double[] x, double[] coef, int[] link) {
    return link[o] + (x[link[o + 1]] * coef[o + 1] < coef[o] ? 0 : 2);
  }

  private double sum2(double[] x) {
    final double[] coef = this.coef;
    final int[] link = this.link;
    final int[] start = this.treeStart;
    final int[] height = this.height;
    double sum = 0;
    int t = 0;
    for (; t + 8 <= height.length; t += 8) {
      int a = start[t] * 3;
      int b = start[t + 1] * 3;
      int c = start[t + 2] * 3;
      int d = start[t + 3] * 3;
      int e = start[t + 4] * 3;
      int f = start[t + 5] * 3;
      int g = start[t + 6] * 3;
      int i = start[t + 7] * 3;
      for (int h = Math.max(maxHeight(height, t), maxHeight(height, t + 4)); h > 0; h--) {
        a = step2(a, x, coef, link);
        b = step2(b, x, coef, link);
        c = step2(c, x, coef, link);
        d = step2(d, x, coef, link);
        e = step2(e, x, coef, link);
        f = step2(f, x, coef, link);
        g = step2(g, x, coef, link);
        i = step2(i, x, coef, link);
      }
      sum += coef[a + 1];
      sum += coef[b + 1];
      sum += coef[c + 1];
      sum += coef[d + 1];
      sum += coef[e + 1];
      sum += coef[f + 1];
      sum += coef[g + 1];
      sum += coef[i + 1];
    }
    for (; t < height.length; t++) {
      int a = start[t] * 3;
      for (int h = height[t]; h > 0; h--) {
        a = step2(a, x, coef, link);
      }
      sum += coef[a + 1];
    }
    return sum;
  }

  private static int step2(int o, double[] x, double[] coef, int[] link) {
    double dot = x[link[o + 1]] * coef[o + 1] + x[link[o + 2]] * coef[o + 2];
    return link[o] + (dot < coef[o] ? 0 : 3);
  }

  private double sumN(double[] x) {
    final double[] coef = this.coef;
    final int[] link = this.link;
    final int[] start = this.treeStart;
    final int[] height = this.height;
    final int stride = slots + 1;
    double sum = 0;
    int t = 0;
    for (; t + 8 <= height.length; t += 8) {
      int a = start[t] * stride;
      int b = start[t + 1] * stride;
      int c = start[t + 2] * stride;
      int d = start[t + 3] * stride;
      int e = start[t + 4] * stride;
      int f = start[t + 5] * stride;
      int g = start[t + 6] * stride;
      int i = start[t + 7] * stride;
      for (int h = Math.max(maxHeight(height, t), maxHeight(height, t + 4)); h > 0; h--) {
        a = stepN(a, x, coef, link, stride);
        b = stepN(b, x, coef, link, stride);
        c = stepN(c, x, coef, link, stride);
        d = stepN(d, x, coef, link, stride);
        e = stepN(e, x, coef, link, stride);
        f = stepN(f, x, coef, link, stride);
        g = stepN(g, x, coef, link, stride);
        i = stepN(i, x, coef, link, stride);
      }
      sum += coef[a + 1];
      sum += coef[b + 1];
      sum += coef[c + 1];
      sum += coef[d + 1];
      sum += coef[e + 1];
      sum += coef[f + 1];
      sum += coef[g + 1];
      sum += coef[i + 1];
    }
    for (; t < height.length; t++) {
      int a = start[t] * stride;
      for (int h = height[t]; h > 0; h--) {
        a = stepN(a, x, coef, link, stride);
      }
      sum += coef[a + 1];
    }
    return sum;
  }

  private static int stepN(int o, double[] x, double[] coef, int[] link, int stride) {
    if (stride == 5) { // extension level 3, written out
      double dot =
          x[link[o + 1]] * coef[o + 1]
              + x[link[o + 2]] * coef[o + 2]
              + x[link[o + 3]] * coef[o + 3]
              + x[link[o + 4]] * coef[o + 4];
      return link[o] + (dot < coef[o] ? 0 : 5);
    }
    double dot = x[link[o + 1]] * coef[o + 1];
    for (int k = 2; k < stride; k++) {
      dot += x[link[o + k]] * coef[o + k];
    }
    return link[o] + (dot < coef[o] ? 0 : stride);
  }

  private static int maxHeight(int[] height, int t) {
    return Math.max(Math.max(height[t], height[t + 1]), Math.max(height[t + 2], height[t + 3]));
  }

  /**
   * The path for vectors with a NaN or infinite value. Smile's dense dot product is NaN at every
   * split whose zero coefficients meet such a value ({@code 0 * Infinity}), and a NaN sends the
   * vector right ({@code NaN < offset} is false); elsewhere the non-zero terms decide as usual.
   */
  private double sumNonFinite(double[] x, int nonFinite) {
    final int stride = slots + 1;
    double sum = 0;
    for (int t = 0; t < height.length; t++) {
      int o = treeStart[t] * stride;
      while (!Double.isNaN(coef[o])) {
        int covered = 0;
        double dot = 0;
        for (int k = 1; k < stride; k++) {
          double w = coef[o + k];
          if (w != 0) {
            double v = x[link[o + k]];
            covered += Double.isFinite(v) ? 0 : 1;
            dot += v * w;
          }
        }
        boolean left = covered == nonFinite && dot < coef[o];
        o = link[o] + (left ? 0 : stride);
      }
      sum += coef[o + 1];
    }
    return sum;
  }

  /** Returns the number of trees. */
  public int trees() {
    return height.length;
  }

  /** Returns the total number of nodes, splits and leaves, over all trees. */
  public int nodes() {
    return nodes;
  }

  /** Returns the vector length the forest scores. */
  public int dimension() {
    return dimension;
  }

  /**
   * Returns the forest's extension level: each split uses at most {@code extensionLevel() + 1}
   * features (0 is the classic axis-parallel forest).
   */
  public int extensionLevel() {
    return extensionLevel;
  }

  /** Returns the rows each tree was grown on, {@code n} in the normaliser {@code c(n)}. */
  public int subsampleSize() {
    return subsampleSize;
  }

  /**
   * Writes the forest in Vigil's flat-forest format, version 1, big-endian as {@link DataOutput}
   * writes: the ints {@code magic 0x56464652, version, dimension, extensionLevel, subsampleSize,
   * trees, nodes}, each tree's first node index, then per node in breadth-first order its left
   * child's index (the right child follows it; -1 for a leaf), a double (the split offset or the
   * leaf's path length) and {@code min(extensionLevel + 1, dimension)} pairs of int feature index
   * and double coefficient (zeros for a leaf).
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(FORMAT_VERSION);
    out.writeInt(dimension);
    out.writeInt(extensionLevel);
    out.writeInt(subsampleSize);
    out.writeInt(trees());
    out.writeInt(nodes);
    for (int t = 0; t < trees(); t++) {
      out.writeInt(treeStart[t]);
    }
    int stride = slots + 1;
    for (int n = 0; n < nodes; n++) {
      int o = n * stride;
      boolean leaf = Double.isNaN(coef[o]);
      out.writeInt(leaf ? -1 : link[o] / stride);
      out.writeDouble(leaf ? coef[o + 1] : coef[o]);
      for (int k = 1; k < stride; k++) {
        out.writeInt(leaf ? 0 : link[o + k]);
        out.writeDouble(leaf ? 0 : coef[o + k]);
      }
    }
  }

  /**
   * Reads a forest written by {@link #writeTo} and checks it: sizes positive and within the {@code
   * MAX_*} bounds, every tree a proper binary tree inside its own node range (children after their
   * parent, every node but the root with exactly one parent), feature indices below the dimension,
   * all numbers finite.
   *
   * @throws IOException if the input ends early or holds anything else
   */
  public static FlatForest readFrom(DataInput in) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IOException(
          "not a flat forest: magic 0x"
              + Integer.toHexString(magic)
              + ", expected 0x"
              + Integer.toHexString(MAGIC));
    }
    int version = in.readInt();
    if (version != FORMAT_VERSION) {
      throw new IOException(
          "unsupported flat forest format version " + version + ", expected " + FORMAT_VERSION);
    }
    int dimension = in.readInt();
    int extension = in.readInt();
    int subsample = in.readInt();
    int trees = in.readInt();
    int nodes = in.readInt();
    checkRange("dimension", dimension, 1, MAX_DIMENSION);
    checkRange("extension level", extension, 0, MAX_DIMENSION);
    checkRange("subsample size", subsample, 2, Integer.MAX_VALUE);
    checkRange("tree count", trees, 1, MAX_TREES);
    checkRange("node count", nodes, trees, MAX_NODES);
    int s = slots(extension, dimension);
    if ((long) nodes * s > MAX_COEFFICIENTS) {
      throw new IOException(
          "flat forest has " + nodes + " nodes of " + s + " coefficients, too many to load");
    }
    int[] treeStart = new int[trees + 1];
    for (int t = 0; t < trees; t++) {
      treeStart[t] = in.readInt();
    }
    treeStart[trees] = nodes;
    int[] firstChild = new int[nodes];
    double[] value = new double[nodes];
    int[] feature = new int[nodes * s];
    double[] weight = new double[nodes * s];
    for (int n = 0; n < nodes; n++) {
      firstChild[n] = in.readInt();
      value[n] = in.readDouble();
      for (int k = 0; k < s; k++) {
        feature[n * s + k] = in.readInt();
        weight[n * s + k] = in.readDouble();
      }
    }
    try {
      return new FlatForest(
          dimension, extension, subsample, treeStart, firstChild, value, feature, weight);
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid flat forest: " + e.getMessage(), e);
    }
  }

  private static void checkRange(String what, int value, int min, int max) throws IOException {
    if (value < min || value > max) {
      throw new IOException(
          "flat forest " + what + " " + value + " is outside [" + min + ", " + max + "]");
    }
  }

  /** Checks the node arrays and returns each tree's height. */
  private int[] check(int[] firstChild, double[] value, int[] feature, double[] weight) {
    int trees = treeStart.length - 1;
    int s = slots;
    if (treeStart[0] != 0) {
      throw new IllegalArgumentException("tree 0 starts at node " + treeStart[0] + ", not 0");
    }
    int[] depth = new int[nodes];
    boolean[] hasParent = new boolean[nodes];
    int[] heights = new int[trees];
    for (int t = 0; t < trees; t++) {
      int start = treeStart[t];
      int end = treeStart[t + 1];
      if (end <= start) {
        throw new IllegalArgumentException(
            "tree " + t + " has an empty or negative node range [" + start + ", " + end + ")");
      }
      for (int n = start; n < end; n++) {
        if (n > start && !hasParent[n]) {
          throw new IllegalArgumentException("node " + n + " of tree " + t + " has no parent");
        }
        if (!Double.isFinite(value[n])) {
          throw new IllegalArgumentException(
              "node " + n + " has a non-finite offset or path length " + value[n]);
        }
        for (int k = 0; k < s; k++) {
          int f = feature[n * s + k];
          if (f < 0 || f >= dimension) {
            throw new IllegalArgumentException(
                "node " + n + " uses feature " + f + ", dimension is " + dimension);
          }
          if (!Double.isFinite(weight[n * s + k])) {
            throw new IllegalArgumentException("node " + n + " has a non-finite coefficient");
          }
        }
        int left = firstChild[n];
        if (left == -1) {
          heights[t] = Math.max(heights[t], depth[n]);
          continue;
        }
        if (left <= n || left + 1 >= end) {
          throw new IllegalArgumentException(
              "node "
                  + n
                  + " of tree "
                  + t
                  + " links to nodes "
                  + left
                  + " and "
                  + ((long) left + 1)
                  + ", outside ("
                  + n
                  + ", "
                  + end
                  + ")");
        }
        for (int child = left; child <= left + 1; child++) {
          if (hasParent[child]) {
            throw new IllegalArgumentException("node " + child + " has two parents");
          }
          hasParent[child] = true;
          depth[child] = depth[n] + 1;
        }
      }
    }
    return heights;
  }

  /** Returns the coefficients a split holds: {@code min(extensionLevel + 1, dimension)}. */
  public static int slots(int extensionLevel, int dimension) {
    return (int) Math.min((long) extensionLevel + 1, dimension);
  }

  /**
   * Smile's {@code IsolationForest.factor(n)}, the average path length of an unsuccessful search in
   * a binary search tree of {@code n} keys, with Smile's operation order and constant.
   */
  /** Returns the mean path length {@code c(n)} of an unsuccessful search among {@code n} rows. */
  public static double factor(int n) {
    return 2.0 * (Math.log(n - 1) + EULER - (n - 1.0) / n);
  }

  /**
   * Recovers the subsample size {@code n} from Smile's stored {@code c = factor(n)}: factor grows
   * with {@code n}, so a binary search finds the one {@code n} that gives {@code c} exactly.
   */
  public static int subsampleSize(double c) {
    if (!(c >= factor(2))) {
      throw new IllegalArgumentException("forest normaliser c = " + c + " is below c(2)");
    }
    int lo = 2;
    int hi = Integer.MAX_VALUE;
    while (lo < hi) {
      int mid = (int) (((long) lo + hi) >>> 1);
      if (factor(mid) < c) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (long n = Math.max(2, lo - 2L); n <= Math.min(Integer.MAX_VALUE, lo + 2L); n++) {
      if (factor((int) n) == c) {
        return (int) n;
      }
    }
    throw new IllegalArgumentException(
        "forest normaliser c = " + c + " is not c(n) for any subsample size n");
  }
}
