package dev.vigil.train.forest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.detect.forest.FlatForest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import smile.anomaly.IsolationForest;
import smile.anomaly.IsolationTree;
import smile.math.MathEx;
import smile.stat.distribution.GaussianDistribution;

/** The flat copy against Smile's own scores, its serialised form, and its cost. */
class FlatForestTest {
  private static final int QUERIES = 5_000;

  /** Uniform rows in [0, 1)^d. */
  static double[][] uniform(int n, int d, long seed) {
    Random r = new Random(seed);
    double[][] x = new double[n][d];
    for (double[] row : x) {
      for (int j = 0; j < d; j++) {
        row[j] = r.nextDouble();
      }
    }
    return x;
  }

  /**
   * Rows shaped like window features: four clusters with their own centres and spreads, a third of
   * the features small counts (many exact ties), a few constant features, the rest continuous and
   * skewed.
   */
  static double[][] clustered(int n, int d, long seed) {
    Random shape = new Random(1000 + d);
    double[][] centre = new double[4][d];
    double[][] spread = new double[4][d];
    for (int k = 0; k < 4; k++) {
      for (int j = 0; j < d; j++) {
        centre[k][j] = 10 * shape.nextDouble();
        spread[k][j] = 0.05 + shape.nextDouble();
      }
    }
    Random r = new Random(seed);
    double[][] x = new double[n][d];
    for (double[] row : x) {
      int k = r.nextInt(10) < 6 ? 0 : 1 + r.nextInt(3);
      for (int j = 0; j < d; j++) {
        double v = centre[k][j] + spread[k][j] * r.nextGaussian();
        if (j % 7 == 3) {
          v = 42; // constant in training
        } else if (j % 3 == 0) {
          v = Math.max(0, Math.round(v)); // a small count
        } else if (j % 5 == 1) {
          v = Math.exp(v / 4); // skewed
        }
        row[j] = v;
      }
    }
    return x;
  }

  /**
   * Smile trees grown one after another from seeded subsamples, as ForestModel grows them
   * (including its reset of the spare value cached in Smile's shared Gaussian generator).
   */
  static IsolationForest smileForest(
      double[][] x, int trees, int sample, int extension, long seed) {
    Random rows = new Random(seed);
    MathEx.setSeed(seed);
    try {
      Field z1 = GaussianDistribution.class.getDeclaredField("z1");
      z1.setAccessible(true);
      z1.setDouble(GaussianDistribution.getInstance(), Double.NaN);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    int maxDepth = Math.max(1, (int) Math.ceil(Math.log(sample) / Math.log(2)));
    IsolationTree[] built = new IsolationTree[trees];
    int[] index = new int[x.length];
    for (int t = 0; t < trees; t++) {
      for (int i = 0; i < index.length; i++) {
        index[i] = i;
      }
      List<double[]> sub = new ArrayList<>(sample);
      for (int i = 0; i < sample; i++) {
        int j = i + rows.nextInt(index.length - i);
        int tmp = index[i];
        index[i] = index[j];
        index[j] = tmp;
        sub.add(x[index[i]]);
      }
      built[t] = new IsolationTree(sub, maxDepth, extension);
    }
    return new IsolationForest(sample, extension, built);
  }

  /**
   * 5 000 query rows: training rows, fresh rows, rows far outside the training range, rows sitting
   * exactly on split hyperplanes (a split's own intercept point, where Smile's {@code x . w} equals
   * the offset bit for bit) and one ulp either side, and extreme finite values.
   */
  static double[][] queries(double[][] train, double[][] fresh, IsolationForest forest, long seed)
      throws Exception {
    int d = train[0].length;
    Random r = new Random(seed);
    List<double[]> q = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      q.add(train[r.nextInt(train.length)]);
    }
    for (int i = 0; i < 1000; i++) {
      q.add(fresh[i % fresh.length]);
    }
    for (int i = 0; i < 1000; i++) {
      double[] row = fresh[r.nextInt(fresh.length)].clone();
      double scale = Math.pow(10, 1 + r.nextInt(12));
      for (int j = 0; j < d; j++) {
        if (r.nextInt(4) == 0 || i % 10 == 0) {
          row[j] = (r.nextBoolean() ? scale : -scale) * (1 + row[j]);
        }
      }
      q.add(row);
    }
    List<double[]> onSplits = intercepts(forest);
    for (int i = 0; q.size() < 4000; i++) {
      double[] base = onSplits.get(i % onSplits.size());
      double[] row = base.clone();
      if (i % 3 == 1) {
        int j = r.nextInt(d);
        row[j] = Math.nextUp(row[j]);
      } else if (i % 3 == 2) {
        int j = r.nextInt(d);
        row[j] = Math.nextDown(row[j]);
      }
      q.add(row);
    }
    double[] extremes = {
      0.0,
      -0.0,
      1.0,
      -1.0,
      Double.MIN_VALUE,
      -Double.MIN_VALUE,
      Double.MIN_NORMAL,
      1e-300,
      1e300,
      -1e300,
      Double.MAX_VALUE,
      -Double.MAX_VALUE
    };
    while (q.size() < QUERIES) {
      double[] row = fresh[r.nextInt(fresh.length)].clone();
      int changes = 1 + r.nextInt(d);
      for (int k = 0; k < changes; k++) {
        row[r.nextInt(d)] = extremes[r.nextInt(extremes.length)];
      }
      q.add(row);
    }
    return q.toArray(new double[0][]);
  }

  /** Every split's intercept point (Smile's package-private {@code Node.intercept}). */
  private static List<double[]> intercepts(IsolationForest forest) throws Exception {
    Field root = IsolationTree.class.getDeclaredField("root");
    root.setAccessible(true);
    Class<?> node = Class.forName("smile.anomaly.IsolationTree$Node");
    Field intercept = node.getDeclaredField("intercept");
    Field slope = node.getDeclaredField("slope");
    Field bias = node.getDeclaredField("bias");
    Field left = node.getDeclaredField("left");
    Field right = node.getDeclaredField("right");
    for (Field f : List.of(intercept, slope, bias, left, right)) {
      f.setAccessible(true);
    }
    List<double[]> out = new ArrayList<>();
    for (IsolationTree tree : forest.trees()) {
      List<Object> stack = new ArrayList<>(List.of(root.get(tree)));
      while (!stack.isEmpty()) {
        Object n = stack.remove(stack.size() - 1);
        if (left.get(n) != null) {
          double[] point = (double[]) intercept.get(n);
          // The point lies on its own hyperplane bit for bit: Smile's x . w equals the offset.
          assertThat(MathEx.dot(point, (double[]) slope.get(n))).isEqualTo(bias.getDouble(n));
          out.add(point);
          stack.add(left.get(n));
          stack.add(right.get(n));
        }
      }
    }
    return out;
  }

  static Stream<Arguments> forests() {
    List<Arguments> a = new ArrayList<>();
    for (String data : List.of("uniform", "clustered")) {
      for (int d : new int[] {15, 126}) {
        for (int extension : new int[] {0, 1, 3}) {
          for (int trees : new int[] {1, 10, 100}) {
            for (int sample : new int[] {64, 256}) {
              a.add(Arguments.of(data, d, extension, trees, sample));
            }
          }
        }
      }
    }
    return a.stream();
  }

  private static double[][] data(String kind, int n, int d, long seed) {
    return kind.equals("uniform") ? uniform(n, d, seed) : clustered(n, d, seed);
  }

  @ParameterizedTest(name = "{0} d={1} level={2} trees={3} sample={4}")
  @MethodSource("forests")
  void score_equalsSmileBitForBit(String kind, int d, int extension, int trees, int sample)
      throws Exception {
    double[][] train = data(kind, 2000, d, 1);
    double[][] fresh = data(kind, 1000, d, 2);
    IsolationForest smile = smileForest(train, trees, sample, extension, 7);
    FlatForest flat = SmileForests.flatten(smile);

    assertThat(flat.trees()).isEqualTo(trees);
    assertThat(flat.dimension()).isEqualTo(d);
    assertThat(flat.extensionLevel()).isEqualTo(extension);
    assertThat(flat.subsampleSize()).isEqualTo(sample);
    assertThat(flat.nodes()).isBetween(3 * trees, trees * (4 * sample - 1));

    double[][] q = queries(train, fresh, smile, 11);
    assertThat(q.length).isEqualTo(QUERIES);
    double maxDiff = 0;
    int differing = 0;
    for (double[] x : q) {
      double expected = smile.score(x);
      double actual = flat.score(x);
      maxDiff = Math.max(maxDiff, Math.abs(expected - actual));
      if (Double.doubleToRawLongBits(expected) != Double.doubleToRawLongBits(actual)) {
        differing++;
      }
    }
    assertThat(maxDiff).isLessThanOrEqualTo(1e-12);
    assertThat(differing).as("scores not bit-identical to Smile's").isZero();
  }

  /**
   * Beyond the brief, non-finite values too: Smile's dense dot product turns {@code 0 * Infinity}
   * into NaN, which sends a vector right at every split that does not use the feature.
   */
  @Test
  void score_equalsSmileOnNonFiniteValues() {
    double[][] train = clustered(2000, 15, 1);
    double[][] fresh = clustered(200, 15, 2);
    double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    for (int extension : new int[] {0, 1, 3, 14}) {
      IsolationForest smile = smileForest(train, 20, 256, extension, 3);
      FlatForest flat = SmileForests.flatten(smile);
      Random r = new Random(extension);
      for (double[] base : fresh) {
        double[] x = base.clone();
        int changes = 1 + r.nextInt(3);
        for (int k = 0; k < changes; k++) {
          x[r.nextInt(x.length)] = specials[r.nextInt(3)];
        }
        assertThat(flat.score(x)).as(Arrays.toString(x)).isEqualTo(smile.score(x));
      }
    }
  }

  @Test
  void pathLengthSum_isSmilesSumOfTreePaths() {
    double[][] train = uniform(500, 6, 1);
    IsolationForest smile = smileForest(train, 30, 128, 2, 5);
    FlatForest flat = SmileForests.flatten(smile);
    for (double[] x : uniform(200, 6, 2)) {
      double sum = 0;
      for (IsolationTree t : smile.trees()) {
        sum += t.path(x);
      }
      assertThat(flat.pathLengthSum(x)).isEqualTo(sum);
    }
  }

  @Test
  void score_rejectsWrongLength() {
    FlatForest flat = SmileForests.flatten(smileForest(uniform(100, 4, 1), 3, 32, 1, 1));
    assertThatThrownBy(() -> flat.score(new double[5]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vector has 5 features, forest expects 4");
  }

  @Test
  void of_copiesAFullyExtendedForestAndClampsTheLevel() {
    double[][] train = uniform(300, 5, 1);
    // Level 4 on 5 features is Smile's default (all features); level 9 is clamped the same way.
    for (int level : new int[] {4, 9}) {
      IsolationForest smile = smileForest(train, 10, 64, Math.min(level, 4), 2);
      FlatForest flat = SmileForests.flatten(new IsolationForest(64, level, smile.trees()));
      assertThat(flat.extensionLevel()).isEqualTo(level);
      for (double[] x : uniform(300, 5, 3)) {
        assertThat(flat.score(x)).isEqualTo(smile.score(x));
      }
    }
  }

  /**
   * Trees of very different heights walked in the same group of eight, single-leaf trees (Smile's
   * {@code maxDepth} 0) included, one of them first: shorter trees must stay on their leaves.
   */
  @Test
  void score_equalsSmileWithTreesOfMixedHeights() {
    double[][] train = clustered(1000, 15, 1);
    MathEx.setSeed(4);
    Random r = new Random(4);
    int[] maxDepth = {0, 8, 1, 3, 0, 12, 2, 8, 5, 0, 9, 1, 4, 7, 0, 11, 6, 2, 3};
    for (int extension : new int[] {0, 1, 3, 5}) {
      IsolationTree[] trees = new IsolationTree[maxDepth.length];
      for (int t = 0; t < trees.length; t++) {
        List<double[]> sub = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          sub.add(train[r.nextInt(train.length)]);
        }
        trees[t] = new IsolationTree(sub, maxDepth[t], extension);
      }
      IsolationForest smile = new IsolationForest(200, extension, trees);
      FlatForest flat = SmileForests.flatten(smile);
      for (double[] x : clustered(500, 15, 2)) {
        assertThat(flat.score(x)).isEqualTo(smile.score(x));
      }
    }
  }

  @Test
  void of_rejectsSplitsWiderThanTheDeclaredLevel() {
    IsolationForest level3 = smileForest(uniform(300, 8, 1), 5, 64, 3, 2);
    IsolationForest mislabelled = new IsolationForest(64, 1, level3.trees());
    assertThatThrownBy(() -> SmileForests.flatten(mislabelled))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than 2 non-zero coefficients")
        .hasMessageContaining("extension level 1");
  }

  @Test
  void subsampleSize_isRecoveredFromSmilesNormaliser() {
    for (int n = 2; n < 70_000; n++) {
      assertThat(FlatForest.subsampleSize(FlatForest.factor(n))).isEqualTo(n);
    }
    for (int n : new int[] {1 << 20, 123_456_789, Integer.MAX_VALUE - 1, Integer.MAX_VALUE}) {
      assertThat(FlatForest.subsampleSize(FlatForest.factor(n))).isEqualTo(n);
    }
    assertThatThrownBy(() -> FlatForest.subsampleSize(Math.nextUp(FlatForest.factor(1000))))
        .hasMessageContaining("not c(n)");
  }

  @Test
  void roundTrip_givesBitIdenticalScores() throws Exception {
    for (int extension : new int[] {0, 1, 3}) {
      double[][] train = clustered(2000, 126, 1);
      IsolationForest smile = smileForest(train, 25, 256, extension, 9);
      FlatForest flat = SmileForests.flatten(smile);
      FlatForest back = read(bytes(flat));
      assertThat(back.trees()).isEqualTo(flat.trees());
      assertThat(back.nodes()).isEqualTo(flat.nodes());
      assertThat(back.dimension()).isEqualTo(flat.dimension());
      assertThat(back.extensionLevel()).isEqualTo(flat.extensionLevel());
      assertThat(back.subsampleSize()).isEqualTo(flat.subsampleSize());
      assertThat(bytes(back)).isEqualTo(bytes(flat));
      for (double[] x : queries(train, clustered(500, 126, 2), smile, 4)) {
        assertThat(Double.doubleToRawLongBits(back.score(x)))
            .isEqualTo(Double.doubleToRawLongBits(flat.score(x)));
      }
    }
  }

  /** Offsets into the serialised form of a level-1 forest with {@code trees} trees. */
  private static final int HEADER = 7 * 4;

  private static int node(int trees, int n) {
    return HEADER + 4 * trees + n * (4 + 8 + 2 * (4 + 8));
  }

  @Test
  void readFrom_rejectsDamagedInput() throws Exception {
    FlatForest flat = SmileForests.flatten(smileForest(uniform(200, 6, 1), 3, 32, 1, 1));
    byte[] good = bytes(flat);
    assertThat(read(good).nodes()).isEqualTo(flat.nodes());

    assertRejected(good, 0, 0x12345678, "not a flat forest: magic 0x12345678");
    assertRejected(good, 4, 2, "format version 2");
    assertRejected(good, 8, 0, "dimension 0 is outside");
    assertRejected(good, 8, 1 << 20, "dimension 1048576 is outside");
    assertRejected(good, 12, -1, "extension level -1");
    assertRejected(good, 16, 1, "subsample size 1");
    assertRejected(good, 20, 0, "tree count 0");
    assertRejected(good, 24, -5, "node count -5");
    assertRejected(good, 24, Integer.MAX_VALUE, "node count");
    assertRejected(good, HEADER + 4, 0, "tree 0 has an empty or negative node range [0, 0)");
    // The root's children: beyond the tree, back onto the root (a cycle), past node 1.
    assertRejected(good, node(3, 0), flat.nodes(), "links to nodes");
    assertRejected(good, node(3, 0), 0, "links to nodes 0 and 1, outside (0, ");
    assertRejected(good, node(3, 0), -7, "links to nodes -7");
    assertRejected(good, node(3, 0), 2, "node 1 of tree 0 has no parent");
    // Node 1 claiming node 2, the root's right child, as its own.
    assertRejected(good, node(3, 1), 2, "node 2 has two parents");
    // The root's first feature index.
    assertRejected(good, node(3, 0) + 12, 6, "uses feature 6, dimension is 6");
    assertRejected(good, node(3, 0) + 12, -1, "uses feature -1");
    byte[] nan = good.clone();
    ByteBuffer.wrap(nan).putDouble(node(3, 0) + 4, Double.NaN);
    assertThatThrownBy(() -> read(nan))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("non-finite offset");
    byte[] inf = good.clone();
    ByteBuffer.wrap(inf).putDouble(node(3, 0) + 16, Double.POSITIVE_INFINITY);
    assertThatThrownBy(() -> read(inf))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("non-finite coefficient");

    byte[] truncated = Arrays.copyOf(good, good.length - 3);
    assertThatThrownBy(() -> read(truncated)).isInstanceOf(EOFException.class);
  }

  private static void assertRejected(byte[] good, int offset, int value, String message) {
    byte[] bad = good.clone();
    ByteBuffer.wrap(bad).putInt(offset, value);
    assertThatThrownBy(() -> read(bad))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(message);
  }

  private static byte[] bytes(FlatForest f) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      f.writeTo(out);
    }
    return b.toByteArray();
  }

  private static FlatForest read(byte[] b) throws IOException {
    return FlatForest.readFrom(new DataInputStream(new ByteArrayInputStream(b)));
  }

  @Test
  void score_allocatesNothing() {
    double[][] train = clustered(2000, 126, 1);
    double[][] probe = clustered(64, 126, 2);
    for (int extension : new int[] {0, 1, 3}) {
      FlatForest flat = SmileForests.flatten(smileForest(train, 100, 256, extension, 1));
      double sink = 0;
      for (int i = 0; i < 30_000; i++) {
        sink += flat.score(probe[i & 63]);
      }
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 10_000; i++) {
        sink += flat.score(probe[i & 63]);
      }
      long allocated = mx.getThreadAllocatedBytes(tid) - before;
      assertThat(allocated).as("bytes allocated by 10 000 scores").isLessThan(1024);
      assertThat(sink).isPositive();
    }
  }

  /**
   * Prints ns/score, Smile against the flat copy, 100 trees of 256 rows: the median of five runs
   * over 2 000 rows after warm-up. No timing assertion (shared CI machines); the checksums must
   * agree.
   */
  @Test
  void timing_printsNanosPerScore() {
    for (int d : new int[] {15, 126}) {
      for (int extension : new int[] {0, 1, 3}) {
        double[][] train = clustered(2000, d, 1);
        double[][] probe = clustered(2000, d, 2);
        IsolationForest smile = smileForest(train, 100, 256, extension, 1);
        FlatForest flat = SmileForests.flatten(smile);
        double[] smileNs = new double[5];
        double[] flatNs = new double[5];
        double smileSum = 0;
        double flatSum = 0;
        for (int warm = 0; warm < 3; warm++) {
          smileSum = time(smile, null, probe, smileNs, warm);
          flatSum = time(null, flat, probe, flatNs, warm);
        }
        for (int rep = 0; rep < 5; rep++) {
          smileSum = time(smile, null, probe, smileNs, rep);
          flatSum = time(null, flat, probe, flatNs, rep);
        }
        assertThat(flatSum).isEqualTo(smileSum);
        Arrays.sort(smileNs);
        Arrays.sort(flatNs);
        System.out.printf(
            "FlatForest timing: d=%d level=%d trees=100 sample=256 nodes=%d:"
                + " Smile %.0f ns/score, flat %.0f ns/score (%.1fx)%n",
            d, extension, flat.nodes(), smileNs[2], flatNs[2], smileNs[2] / flatNs[2]);
      }
    }
  }

  private static double time(
      IsolationForest smile, FlatForest flat, double[][] probe, double[] ns, int rep) {
    double sum = 0;
    long t0 = System.nanoTime();
    for (double[] x : probe) {
      sum += smile != null ? smile.score(x) : flat.score(x);
    }
    ns[rep] = (System.nanoTime() - t0) / (double) probe.length;
    return sum;
  }
}
