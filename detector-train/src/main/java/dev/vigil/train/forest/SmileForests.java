package dev.vigil.train.forest;

import dev.vigil.detect.forest.FlatForest;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import smile.anomaly.IsolationForest;
import smile.anomaly.IsolationTree;

/**
 * Copies a trained Smile {@link IsolationForest} into detector-core's {@link FlatForest}, the form
 * the scoring runtime reads without Smile on its class path. Smile keeps its trees in private
 * fields, read here by reflection: checked against one Smile version, {@link #SMILE_VERSION}.
 * Stateless and thread-safe.
 */
public final class SmileForests {
  /** The Smile version whose private fields {@link #flatten} reads. */
  public static final String SMILE_VERSION = "3.1.1";

  private SmileForests() {}

  /**
   * Copies every tree of {@code forest}. Reads Smile's private fields by reflection; fails with an
   * {@link IllegalStateException} naming the Smile version if they are not there.
   *
   * @throws IllegalArgumentException if the forest has no split at all (its vector length is then
   *     unknown), if a split has more non-zero coefficients than the forest's extension level
   *     allows, or if the trees disagree on the vector length
   */
  public static FlatForest flatten(IsolationForest forest) {
    Objects.requireNonNull(forest, "forest");
    SmileFields f = SmileFields.get();
    IsolationTree[] trees = forest.trees();
    int extension = forest.getExtensionLevel();
    if (extension < 0) {
      throw new IllegalArgumentException("forest has negative extension level " + extension);
    }
    int subsample = FlatForest.subsampleSize(f.forestC(forest));

    List<Object> bfs = new ArrayList<>();
    int[] treeStart = new int[trees.length + 1];
    int dimension = -1;
    for (int t = 0; t < trees.length; t++) {
      treeStart[t] = bfs.size();
      bfs.add(f.root(trees[t]));
      for (int i = treeStart[t]; i < bfs.size(); i++) {
        Object node = bfs.get(i);
        Object left = f.left(node);
        Object right = f.right(node);
        if ((left == null) != (right == null)) {
          throw new IllegalArgumentException("tree " + t + " has a split with a single child");
        }
        if (left != null) {
          int d = f.slope(node).length;
          if (dimension >= 0 && d != dimension) {
            throw new IllegalArgumentException(
                "trees disagree on the vector length: " + dimension + " and " + d);
          }
          dimension = d;
          bfs.add(left);
          bfs.add(right);
        }
      }
      if (bfs.size() > FlatForest.MAX_NODES) {
        throw new IllegalArgumentException(
            "forest has more than " + FlatForest.MAX_NODES + " nodes");
      }
    }
    int nodes = bfs.size();
    treeStart[trees.length] = nodes;
    if (dimension < 1) {
      throw new IllegalArgumentException(
          "forest has no split node, so its vector length is unknown");
    }
    int s = FlatForest.slots(extension, dimension);
    if ((long) nodes * s > FlatForest.MAX_COEFFICIENTS) {
      throw new IllegalArgumentException(
          "forest has " + nodes + " nodes of " + s + " coefficients, too many to flatten");
    }

    int[] firstChild = new int[nodes];
    double[] value = new double[nodes];
    int[] feature = new int[nodes * s];
    double[] weight = new double[nodes * s];
    int t = 0;
    int next = 1; // the next child pair, in the order the breadth-first walk met them
    for (int n = 0; n < nodes; n++) {
      while (n == treeStart[t + 1]) {
        t++;
      }
      if (n == treeStart[t]) {
        next = n + 1;
      }
      Object node = bfs.get(n);
      if (f.left(node) == null) {
        firstChild[n] = -1;
        value[n] = f.depth(node);
        continue;
      }
      firstChild[n] = next;
      next += 2;
      value[n] = f.bias(node);
      double[] w = f.slope(node);
      int k = 0;
      for (int j = 0; j < w.length; j++) {
        if (w[j] != 0) {
          if (k == s) {
            throw new IllegalArgumentException(
                "tree "
                    + t
                    + " has a split with more than "
                    + s
                    + " non-zero coefficients, more than extension level "
                    + extension
                    + " allows");
          }
          feature[n * s + k] = j;
          weight[n * s + k] = w[j];
          k++;
        }
      }
      // Padding, if any, keeps coefficient 0 on feature 0: an exact zero term, as in Smile.
    }
    return FlatForest.fromNodes(
        dimension, extension, subsample, treeStart, firstChild, value, feature, weight);
  }

  /** Smile's private fields, looked up once. */
  private record SmileFields(
      Field forestC,
      Field treeRoot,
      Field nodeDepth,
      Field nodeSlope,
      Field nodeBias,
      Field nodeLeft,
      Field nodeRight) {
    private static volatile SmileFields instance;

    static SmileFields get() {
      SmileFields f = instance;
      if (f == null) {
        f =
            new SmileFields(
                field(IsolationForest.class, "c"),
                field(IsolationTree.class, "root"),
                field(nodeClass(), "depth"),
                field(nodeClass(), "slope"),
                field(nodeClass(), "bias"),
                field(nodeClass(), "left"),
                field(nodeClass(), "right"));
        instance = f;
      }
      return f;
    }

    double forestC(IsolationForest forest) {
      return getDouble(forestC, forest);
    }

    Object root(IsolationTree tree) {
      return get(treeRoot, tree);
    }

    double depth(Object node) {
      return getDouble(nodeDepth, node);
    }

    double[] slope(Object node) {
      return (double[]) get(nodeSlope, node);
    }

    double bias(Object node) {
      return getDouble(nodeBias, node);
    }

    Object left(Object node) {
      return get(nodeLeft, node);
    }

    Object right(Object node) {
      return get(nodeRight, node);
    }

    private static Object get(Field f, Object o) {
      try {
        return f.get(o);
      } catch (IllegalAccessException e) {
        throw incompatible(f.getDeclaringClass().getName() + "." + f.getName(), e);
      }
    }

    private static double getDouble(Field f, Object o) {
      try {
        return f.getDouble(o);
      } catch (IllegalAccessException e) {
        throw incompatible(f.getDeclaringClass().getName() + "." + f.getName(), e);
      }
    }

    private static Class<?> nodeClass() {
      try {
        return Class.forName("smile.anomaly.IsolationTree$Node");
      } catch (ClassNotFoundException e) {
        throw incompatible("class smile.anomaly.IsolationTree$Node", e);
      }
    }

    private static Field field(Class<?> owner, String name) {
      try {
        Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw incompatible(owner.getName() + "." + name, e);
      }
    }

    private static IllegalStateException incompatible(String what, Exception cause) {
      String found = IsolationForest.class.getPackage().getImplementationVersion();
      return new IllegalStateException(
          "cannot read "
              + what
              + " from Smile "
              + (found == null ? "(unknown version)" : found)
              + "; SmileForests copies the trees of Smile "
              + SMILE_VERSION
              + " and must be checked against any other version",
          cause);
    }
  }
}
