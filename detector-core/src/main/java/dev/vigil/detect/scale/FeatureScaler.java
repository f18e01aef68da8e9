package dev.vigil.detect.scale;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Scales feature vectors with statistics fitted on normal training data, for every detector of the
 * ensemble alike.
 *
 * <p>Each feature is first optionally compressed with {@code sign(x)·log1p(|x|)} (packet and byte
 * counts are heavy-tailed: one flood window would otherwise squash every normal value to 0), then
 * either min-max scaled to [0, 1] over the normal range ({@link Kind#MINMAX}) or centred on the
 * median and divided by the interquartile range ({@link Kind#ROBUST}, for data with outliers in
 * training), and finally clipped. Min-max values are clipped to {@code [-clip, 1 + clip]} rather
 * than to [0, 1]: a value far beyond the normal range should still count (a flood is the most
 * common attack), but a single absurd value must not dominate every other feature of a squared
 * error. Robust values are clipped to {@code [-clip, clip]}. A feature constant in training gets a
 * scale of 1.
 *
 * <p>Immutable and thread-safe; {@link #transform} allocates nothing.
 */
public final class FeatureScaler {
  /** How features are centred and scaled. */
  public enum Kind {
    /** {@code (x - min) / (max - min)} over normal data. */
    MINMAX,
    /** {@code (x - median) / IQR} over normal data. */
    ROBUST
  }

  /**
   * Scaling options.
   *
   * @param kind min-max or robust
   * @param log1p whether to compress with {@code sign(x)·log1p(|x|)} first
   * @param clip clipping margin (see the class comment), positive
   */
  public record Options(Kind kind, boolean log1p, double clip) {
    /** Validates. */
    public Options {
      Objects.requireNonNull(kind, "kind");
      if (!(clip > 0) || Double.isInfinite(clip)) {
        throw new IllegalArgumentException("clip must be positive and finite, was " + clip);
      }
    }

    /** Min-max with log1p, clipped to [-1, 2]. */
    public static Options defaults() {
      return new Options(Kind.MINMAX, true, 1.0);
    }
  }

  /**
   * The {@link #beyondRange} margin of early windows unless configured ({@code
   * features.early-windows.margin}): half the benign range past the benign maximum. Kept here, with
   * the judge it tunes, so that the daemon's settings reader and the evaluation read one value.
   */
  public static final double DEFAULT_BEYOND_MARGIN = 0.5;

  private final Options options;
  private final float[] offset;
  private final float[] inverseScale;
  private final float lo;
  private final float hi;

  private FeatureScaler(Options options, float[] offset, float[] inverseScale) {
    this.options = options;
    this.offset = offset;
    this.inverseScale = inverseScale;
    this.lo = (float) -options.clip();
    this.hi = (float) (options.kind() == Kind.MINMAX ? 1 + options.clip() : options.clip());
  }

  /** Fits the scaler on {@code rows} (at least one, all the same width, finite values). */
  public static FeatureScaler fit(List<float[]> rows, Options options) {
    Objects.requireNonNull(options, "options");
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("at least one row is needed to fit a scaler");
    }
    int d = rows.get(0).length;
    float[][] cols = new float[d][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      float[] r = rows.get(i);
      if (r.length != d) {
        throw new IllegalArgumentException(
            "row " + i + " has " + r.length + " features, expected " + d);
      }
      for (int j = 0; j < d; j++) {
        float v = r[j];
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("row " + i + " feature " + j + " is " + v);
        }
        cols[j][i] = options.log1p() ? compress(v) : v;
      }
    }
    float[] offset = new float[d];
    float[] inv = new float[d];
    for (int j = 0; j < d; j++) {
      float[] c = cols[j];
      Arrays.sort(c);
      double centre;
      double range;
      if (options.kind() == Kind.MINMAX) {
        centre = c[0];
        range = c[c.length - 1] - c[0];
      } else {
        centre = quantile(c, 0.5);
        range = quantile(c, 0.75) - quantile(c, 0.25);
        if (!(range > 0)) { // more than half the values equal: fall back to the full range
          range = (c[c.length - 1] - c[0]) / 2.0;
        }
      }
      offset[j] = (float) centre;
      inv[j] = range > 0 ? (float) (1.0 / range) : 1f;
    }
    return new FeatureScaler(options, offset, inv);
  }

  private static double quantile(float[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int a = (int) Math.floor(pos);
    int b = Math.min(a + 1, sorted.length - 1);
    return sorted[a] + (pos - a) * (sorted[b] - sorted[a]);
  }

  /**
   * Returns {@code sign(v)·log1p(|v|)} in float, as {@code (float) Math.log1p} would (fit and
   * transform both use this).
   *
   * <p>Computed through {@link Math#log}, a JIT intrinsic, rather than {@code Math.log1p}, which is
   * not (about twice as slow): with {@code u = 1 + |v|} rounded in double, {@code log(u)·|v|/(u −
   * 1)} is {@code log1p(|v|)} within a few double ulps (the quotient cancels the rounding of {@code
   * u}), far below the float rounding of the result. Zero, infinities and NaN are returned as they
   * are, as {@code log1p} maps them.
   */
  static float compress(float v) {
    double a = Math.abs((double) v);
    if (a == 0 || !(a < Double.POSITIVE_INFINITY)) {
      return v;
    }
    double u = 1.0 + a;
    double l = u == 1.0 ? a : Math.log(u) * (a / (u - 1.0));
    return (float) (v < 0 ? -l : l);
  }

  /** Returns the number of features. */
  public int size() {
    return offset.length;
  }

  /** Returns the options the scaler was fitted with. */
  public Options options() {
    return options;
  }

  /**
   * Scales {@code x} into {@code out} (both of {@link #size()}); a non-finite value scales to the
   * upper clip bound (it is as far from normal as a value can be) and NaN to it too.
   */
  public void transform(float[] x, float[] out) {
    boolean log = options.log1p();
    for (int j = 0; j < offset.length; j++) {
      float v = x[j];
      if (log) {
        v = compress(v);
      }
      float s = (v - offset[j]) * inverseScale[j];
      out[j] = s >= lo ? (s <= hi ? s : hi) : (s < lo ? lo : hi); // NaN compares false: goes to hi
    }
  }

  /**
   * Returns whether any of the {@code features} of {@code x} lies beyond the benign range by more
   * than {@code margin}: scaled (as {@link #transform} scales, before clipping) above {@code 1 +
   * margin}, so {@code margin} is a fraction of the feature's benign range (after {@code log1p}
   * when the scaler compresses). The judge of early windows ({@code EarlyJudge}): the scaler is the
   * model's record of the benign maximum of every feature, fitted on the same data as the model.
   *
   * <p>Only a {@link Kind#MINMAX} scaler knows the benign maximum; a {@link Kind#ROBUST} one keeps
   * the median and quartiles only, so it answers false (no early windows). A value below the range
   * never counts: only growing counts are judged, and a partial window's count is at its lowest.
   * Allocates nothing.
   *
   * @param x a vector of {@link #size()} features (entries not in {@code features} are not read)
   * @param features indices into {@code x}
   * @param margin non-negative
   */
  public boolean beyondRange(float[] x, int[] features, double margin) {
    if (options.kind() != Kind.MINMAX) {
      return false;
    }
    boolean log = options.log1p();
    double limit = 1 + margin;
    for (int j : features) {
      float v = x[j];
      if (log) {
        v = compress(v);
      }
      if ((v - offset[j]) * inverseScale[j] > limit) {
        return true;
      }
    }
    return false;
  }

  /** Writes the scaler (for model bundles). */
  public void writeTo(DataOutput out) throws IOException {
    out.writeUTF(options.kind().name());
    out.writeBoolean(options.log1p());
    out.writeDouble(options.clip());
    out.writeInt(offset.length);
    for (int j = 0; j < offset.length; j++) {
      out.writeFloat(offset[j]);
      out.writeFloat(inverseScale[j]);
    }
  }

  /** Reads a scaler written by {@link #writeTo}. */
  public static FeatureScaler readFrom(DataInput in) throws IOException {
    Kind kind;
    String k = in.readUTF();
    try {
      kind = Kind.valueOf(k);
    } catch (IllegalArgumentException e) {
      throw new IOException("scaler kind '" + k + "' is unknown", e);
    }
    boolean log = in.readBoolean();
    double clip = in.readDouble();
    int d = in.readInt();
    if (d < 1 || d > 1 << 20) {
      throw new IOException("scaler width " + d + " is out of range");
    }
    float[] offset = new float[d];
    float[] inv = new float[d];
    for (int j = 0; j < d; j++) {
      offset[j] = in.readFloat();
      inv[j] = in.readFloat();
      if (!Float.isFinite(offset[j]) || !Float.isFinite(inv[j])) {
        throw new IOException("scaler feature " + j + " has a non-finite statistic");
      }
    }
    try {
      return new FeatureScaler(new Options(kind, log, clip), offset, inv);
    } catch (IllegalArgumentException e) {
      throw new IOException("scaler options are invalid: " + e.getMessage(), e);
    }
  }
}
