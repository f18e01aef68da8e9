package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.model.Precision;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.forest.ForestParams;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a {@code model} section for {@link ConfigLoader}: the packet path's ({@code model}) or the
 * telemetry path's ({@code telemetry.model}). Problems are recorded in the section's settings, each
 * with its key.
 */
final class ModelSection {
  private ModelSection() {}

  /**
   * Reads the packet path's {@code model} section and, when the packet path is on, requires a way
   * to get a model (a bundle, benign captures, or learning on the device).
   */
  static VigilConfig.Model parsePackets(
      ConfigLoader loader, StrictSettings modelS, boolean packetPath) {
    VigilConfig.Model model = parse(loader, modelS, true);
    if (packetPath
        && (model.bundle() == null || !Files.isRegularFile(model.bundle()))
        && model.trainPcaps().isEmpty()
        && model.learn() == null
        && !modelS.has("train-pcaps")) {
      loader.problem(
          "model: no way to get a model; set model.bundle to an existing bundle, model.train-pcaps"
              + " to benign captures, or model.learn to learn the baseline on the device"
              + (model.bundle() == null
                  ? ""
                  : " (bundle [" + model.bundle() + "] does not exist)"));
    }
    return model;
  }

  /** The keys of a model section: the packet path's, or the telemetry path's (no captures). */
  static Set<String> keys(boolean packets) {
    Set<String> keys =
        new java.util.HashSet<>(
            Set.of(
                "bundle",
                "precision",
                "learn",
                "continual",
                "seed",
                "target-fpr",
                "weights",
                "scaling",
                "autoencoder",
                "lstm",
                "forest"));
    if (packets) {
      keys.add("train-pcaps");
    }
    // continual: the packet path's retraining here (a section); the telemetry path's series levels
    // in TelemetrySection (true or false)
    return Set.copyOf(keys);
  }

  /**
   * Reads a model section. The packet path's defaults suit host windows (log-compressed counts,
   * 64-unit networks, 0.5 % target FPR); the telemetry path's suit series features (signed
   * z-scores, not compressed; 16-unit networks and no forest, as {@code vigil nab} uses, 1 % target
   * FPR: see {@link dev.vigil.train.SeriesTraining#defaults()} for why).
   */
  static VigilConfig.Model parse(ConfigLoader loader, StrictSettings model, boolean packets) {
    String k = model.path();
    Optional<Path> bundle = loader.optionalPath(model, "bundle", false);
    List<Path> train =
        packets && model.has("train-pcaps") ? loader.pathList(model, "train-pcaps") : List.of();
    StrictSettings learnS =
        model.section("learn", Set.of("duration", "min-vectors", "max-vectors"));
    VigilConfig.Learn learn = null;
    if (model.has("learn")) {
      Duration learnFor =
          learnS.duration(
              "duration", Duration.ofHours(24), Duration.ofSeconds(10), Duration.ofDays(90));
      int minVectors = learnS.integer("min-vectors", 200, 50, 10_000_000);
      int maxVectors = learnS.integer("max-vectors", 200_000, 100, 10_000_000);
      if (maxVectors < minVectors) {
        loader.problem(k + ".learn.max-vectors: must be at least min-vectors (" + minVectors + ")");
      }
      learn = new VigilConfig.Learn(learnFor, minVectors, maxVectors);
    }
    VigilConfig.Continual continual = null;
    if (packets && model.has("continual")) {
      StrictSettings continualS =
          model.section(
              "continual",
              Set.of("every", "min-vectors", "per-entity", "max-vectors", "grace", "grace-hosts"));
      continual =
          new VigilConfig.Continual(
              continualS.duration(
                  "every", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(90)),
              continualS.integer("min-vectors", 1000, 50, 10_000_000),
              continualS.integer("per-entity", 256, 32, 100_000),
              continualS.integer("max-vectors", 200_000, 100, 10_000_000),
              continualS.duration("grace", Duration.ofHours(1), Duration.ZERO, Duration.ofDays(30)),
              continualS.integer("grace-hosts", 64, 1, 4096));
      if (continual.maxVectors() < continual.minVectors()) {
        loader.problem(
            k
                + ".continual.max-vectors: must be at least min-vectors ("
                + continual.minVectors()
                + ")");
      }
    }
    String precisionText = model.string("precision", "int8");
    Precision precision = Precision.INT8;
    try {
      precision = Precision.valueOf(precisionText.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      loader.problem(k + ".precision: expected int8 or float, got '" + precisionText + "'");
    }
    long seed = model.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
    double targetFpr = model.number("target-fpr", packets ? 0.005 : 0.01, 1e-6, 0.2);
    StrictSettings weightsS = model.section("weights", Set.of("ae", "lstm", "iforest"));
    double[] weights = {
      weightsS.number("ae", Fusion.DEFAULT_WEIGHTS[0], 0, 1),
      weightsS.number("lstm", Fusion.DEFAULT_WEIGHTS[1], 0, 1),
      weightsS.number("iforest", Fusion.DEFAULT_WEIGHTS[2], 0, 1)
    };
    if (weights[0] + weights[1] + weights[2] <= 0) {
      loader.problem(k + ".weights: at least one weight must be positive");
      weights = Fusion.DEFAULT_WEIGHTS.clone();
    }
    String scalingText = model.string("scaling", "minmax");
    FeatureScaler.Kind scaling = FeatureScaler.Kind.MINMAX;
    try {
      scaling = FeatureScaler.Kind.valueOf(scalingText.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      loader.problem(k + ".scaling: expected minmax or robust, got '" + scalingText + "'");
    }
    StrictSettings aeS = model.section("autoencoder", Set.of("hidden", "bottleneck", "epochs"));
    AutoencoderTrainer.Config aeDefaults = AutoencoderTrainer.Config.defaults();
    AutoencoderTrainer.Config ae =
        new AutoencoderTrainer.Config(
            aeS.integer("hidden", packets ? aeDefaults.hidden() : 16, 1, 4096),
            aeS.integer("bottleneck", packets ? aeDefaults.bottleneck() : 4, 1, 4096),
            aeS.integer("epochs", packets ? aeDefaults.maxEpochs() : 30, 1, 10_000),
            aeDefaults.batchSize(),
            aeDefaults.learningRate(),
            aeDefaults.validationFraction(),
            aeDefaults.patience(),
            seed);
    StrictSettings lstmS =
        model.section("lstm", Set.of("enabled", "units", "layers", "sequence-length", "epochs"));
    LstmTrainer.Config lstmDefaults = LstmTrainer.Config.defaults();
    LstmTrainer.Config lstm =
        lstmS.bool("enabled", true)
            ? new LstmTrainer.Config(
                lstmS.integer("units", packets ? lstmDefaults.units() : 16, 1, 4096),
                lstmS.integer("layers", lstmDefaults.layers(), 1, 2),
                lstmS.integer("sequence-length", lstmDefaults.sequenceLength(), 2, 1024),
                lstmS.integer("epochs", packets ? lstmDefaults.maxEpochs() : 30, 1, 10_000),
                lstmDefaults.batchSize(),
                lstmDefaults.learningRate(),
                lstmDefaults.validationFraction(),
                lstmDefaults.patience(),
                seed)
            : null;
    StrictSettings forestS =
        model.section("forest", Set.of("enabled", "trees", "subsample", "extension-level"));
    ForestParams forest =
        // telemetry: off unless a forest section asks for it (see the method doc)
        forestS.bool("enabled", packets || model.has("forest"))
            ? new ForestParams(
                forestS.integer("trees", 100, 1, 10_000),
                forestS.integer("subsample", 256, 2, 1_000_000),
                seed,
                0.995,
                forestS.integer("extension-level", 1, 0, 64))
            : null;
    ModelTrainer.Config training =
        new ModelTrainer.Config(
            new FeatureScaler.Options(scaling, packets, 1.0),
            ae,
            lstm,
            forest,
            weights,
            targetFpr,
            0.2,
            0.05);
    return new VigilConfig.Model(bundle.orElse(null), precision, train, learn, continual, training);
  }
}
