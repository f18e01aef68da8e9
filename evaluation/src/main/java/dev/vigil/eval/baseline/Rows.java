package dev.vigil.eval.baseline;

import java.util.List;
import java.util.Objects;

/** Argument checks shared by the baselines. */
final class Rows {
  private Rows() {}

  /**
   * Returns the common width of {@code rows}, failing if there are fewer than {@code min}, if one
   * is null or empty, or if they differ in width.
   */
  static int width(List<float[]> rows, int min, String what) {
    Objects.requireNonNull(rows, what);
    if (rows.size() < min) {
      throw new IllegalArgumentException(
          "at least " + min + " " + what + " rows are needed, got " + rows.size());
    }
    int d = -1;
    for (int i = 0; i < rows.size(); i++) {
      float[] r = rows.get(i);
      if (r == null || r.length == 0) {
        throw new IllegalArgumentException(what + " row " + i + " is null or empty");
      }
      if (d < 0) {
        d = r.length;
      } else if (r.length != d) {
        throw new IllegalArgumentException(
            what + " row " + i + " has " + r.length + " features, row 0 has " + d);
      }
    }
    return d;
  }

  /**
   * Checks labelled training data: as many labels as rows, and both classes present. Returns the
   * number of attack rows.
   */
  static int attacks(List<float[]> x, boolean[] attack) {
    Objects.requireNonNull(attack, "attack");
    if (x.size() != attack.length) {
      throw new IllegalArgumentException(
          x.size() + " rows but " + attack.length + " labels: lengths must match");
    }
    int pos = 0;
    for (boolean a : attack) {
      if (a) {
        pos++;
      }
    }
    if (pos == 0 || pos == attack.length) {
      throw new IllegalArgumentException(
          "a supervised baseline needs both classes, got "
              + pos
              + " attack and "
              + (attack.length - pos)
              + " normal rows");
    }
    return pos;
  }

  /** Fails if {@code x} is not {@code d} wide. */
  static void checkWidth(float[] x, int d) {
    if (x.length != d) {
      throw new IllegalArgumentException(
          "vector has " + x.length + " features, the detector was fitted on " + d);
    }
  }
}
