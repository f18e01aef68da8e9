package dev.vigil.detect.model;

import dev.vigil.detect.ForestParams;
import dev.vigil.detect.nn.AutoencoderTrainer;
import dev.vigil.detect.nn.LstmTrainer;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Synthetic entity streams for the ensemble's tests: each entity's 10 features are counts driven by
 * two periodic latent signals with its own phase, plus noise, so that both the shape of a vector
 * (autoencoder, forest) and its order in time (LSTM) carry information.
 */
final class Synthetic {
  static final int D = 10;
  static final FeatureSchema SCHEMA = schema("test.synthetic.v1");

  private Synthetic() {}

  static FeatureSchema schema(String id) {
    List<String> names = new ArrayList<>();
    for (int j = 0; j < D; j++) {
      names.add("f" + j);
    }
    return new FeatureSchema(id, names, Collections.nCopies(D, "count"));
  }

  /** The vector of entity {@code e} at step {@code t}. */
  static float[] vector(int e, int t, Random r) {
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

  static List<ModelTrainer.Sequence> normal(int entities, int steps, long seed) {
    Random r = new Random(seed);
    List<ModelTrainer.Sequence> out = new ArrayList<>();
    for (int e = 0; e < entities; e++) {
      List<float[]> v = new ArrayList<>();
      for (int t = 0; t < steps; t++) {
        v.add(vector(e, t, r));
      }
      out.add(new ModelTrainer.Sequence(0, e, v));
    }
    return out;
  }

  /** A fast configuration: small networks, few epochs. */
  static ModelTrainer.Config fastConfig(long seed) {
    return new ModelTrainer.Config(
        FeatureScaler.Options.defaults(),
        new AutoencoderTrainer.Config(16, 4, 15, 32, 3e-3, 0.1, 4, seed),
        new LstmTrainer.Config(16, 1, 8, 15, 32, 3e-3, 0.1, 4, seed),
        new ForestParams(50, 128, seed, 0.995, 1),
        new double[] {0.4, 0.3, 0.3},
        0.01,
        0.2,
        0.1);
  }
}
