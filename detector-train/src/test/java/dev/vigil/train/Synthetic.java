package dev.vigil.train;

import dev.vigil.detect.model.SyntheticStreams;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSchema;
import dev.vigil.train.forest.ForestParams;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.util.List;
import java.util.Random;

/** detector-core's synthetic entity streams as training sequences, and a fast training setup. */
final class Synthetic {
  static final int D = SyntheticStreams.D;
  static final FeatureSchema SCHEMA = SyntheticStreams.SCHEMA;

  private Synthetic() {}

  static FeatureSchema schema(String id) {
    return SyntheticStreams.schema(id);
  }

  /** The vector of entity {@code e} at step {@code t}. */
  static float[] vector(int e, int t, Random r) {
    return SyntheticStreams.vector(e, t, r);
  }

  static List<ModelTrainer.Sequence> normal(int entities, int steps, long seed) {
    return SyntheticStreams.normal(entities, steps, seed).stream()
        .map(s -> new ModelTrainer.Sequence(s.hi(), s.lo(), s.vectors()))
        .toList();
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
