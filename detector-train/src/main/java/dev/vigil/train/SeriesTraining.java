package dev.vigil.train;

import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.model.Precision;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.util.Locale;

/**
 * The series model of the telemetry path: what the daemon trains for MQTT telemetry unless its
 * configuration says otherwise, what {@code vigil nab} trains per series and what {@code vigil
 * bench mqtt} scores with. One place, so the three cannot drift apart.
 */
public final class SeriesTraining {
  /** Runtime precision of the series model. */
  public static final Precision PRECISION = Precision.INT8;

  private SeriesTraining() {}

  /**
   * Defaults for series, the telemetry path's: autoencoder 16-4 and LSTM 16 units over 16 steps
   * (the hybrid AE-LSTM, {@code A = α·RE + β·PE}), no Isolation Forest, 30 epochs at most, target
   * FPR 1 % on the last 20 % of probation.
   *
   * <p>Why this size: a series vector has 16 features, and on all of NAB 32-8/32 networks with a
   * 100-tree forest scored 64.6 (standard profile) against 64.3 for 16-4/16 without forest, while
   * scoring cost 3.2 µs a vector against 0.9 µs. The forest alone was half of that cost.
   */
  public static ModelTrainer.Config defaults() {
    return new ModelTrainer.Config(
        new FeatureScaler.Options(FeatureScaler.Kind.MINMAX, false, 1.0),
        new AutoencoderTrainer.Config(16, 4, 30, 32, 1e-3, 0.1, 5, 42),
        new LstmTrainer.Config(16, 1, 16, 30, 32, 1e-3, 0.1, 5, 42),
        null,
        Fusion.DEFAULT_WEIGHTS,
        0.01,
        0.2,
        0.05);
  }

  /** Describes a model setting in words, e.g. "int8 autoencoder 16-4, LSTM 16 units …". */
  public static String describe(ModelTrainer.Config t, Precision precision) {
    return String.format(
        Locale.ROOT,
        "%s autoencoder %d-%d, %s, %s",
        precision.name().toLowerCase(Locale.ROOT),
        t.autoencoder().hidden(),
        t.autoencoder().bottleneck(),
        t.lstm() == null ? "no LSTM" : "LSTM " + t.lstm().units() + " units (one step a vector)",
        t.forest() == null
            ? "no Isolation Forest"
            : "Isolation Forest " + t.forest().trees() + " trees");
  }
}
