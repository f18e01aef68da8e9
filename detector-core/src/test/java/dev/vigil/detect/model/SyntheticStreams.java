package dev.vigil.detect.model;

import dev.vigil.features.FeatureSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Synthetic entity streams for the ensemble's tests: each entity's 10 features are counts driven by
 * two periodic latent signals with its own phase, plus noise, so that both the shape of a vector
 * (autoencoder, forest) and its order in time (LSTM) carry information. Shared with
 * detector-train's tests (through this module's test jar), which train on them; the committed
 * fixture bundles were trained on them too.
 */
public final class SyntheticStreams {
  /** Features per vector. */
  public static final int D = 10;

  /** The schema of the committed fixture bundles. */
  public static final FeatureSchema SCHEMA = schema("test.synthetic.v1");

  /**
   * One entity's time-ordered vectors.
   *
   * @param hi high half of the entity key
   * @param lo low half of the entity key
   * @param vectors raw vectors, oldest first
   */
  public record Stream(long hi, long lo, List<float[]> vectors) {}

  private SyntheticStreams() {}

  /** Returns a schema of {@link #D} count features named f0, f1, ... */
  public static FeatureSchema schema(String id) {
    List<String> names = new ArrayList<>();
    for (int j = 0; j < D; j++) {
      names.add("f" + j);
    }
    return new FeatureSchema(id, names, Collections.nCopies(D, "count"));
  }

  /** Returns the vector of entity {@code e} at step {@code t}. */
  public static float[] vector(int e, int t, Random r) {
    double a = Math.sin(2 * Math.PI * (t + 3 * e) / 12.0);
    double b = Math.cos(2 * Math.PI * (t + 5 * e) / 7.0);
    float[] x = new float[D];
    for (int j = 0; j < D; j++) {
      double v =
          50 + 30 * ((j % 3 == 0) ? a : (j % 3 == 1) ? b : (a + b) / 2) + 2 * r.nextGaussian();
      x[j] = (float) Math.max(0, v * (1 + j));
    }
    return x;
  }

  /** Returns {@code entities} normal streams of {@code steps} vectors each, entity keys 0..n-1. */
  public static List<Stream> normal(int entities, int steps, long seed) {
    Random r = new Random(seed);
    List<Stream> out = new ArrayList<>();
    for (int e = 0; e < entities; e++) {
      List<float[]> v = new ArrayList<>();
      for (int t = 0; t < steps; t++) {
        v.add(vector(e, t, r));
      }
      out.add(new Stream(0, e, v));
    }
    return out;
  }
}
