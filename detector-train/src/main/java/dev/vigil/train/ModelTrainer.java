package dev.vigil.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.detect.forest.FlatForest;
import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.fusion.Normaliser;
import dev.vigil.detect.model.BundleFile;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.Precision;
import dev.vigil.detect.nn.DenseNet;
import dev.vigil.detect.nn.LstmNet;
import dev.vigil.detect.nn.QuantizedDenseNet;
import dev.vigil.detect.nn.QuantizedLstmNet;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSchema;
import dev.vigil.train.forest.ForestModel;
import dev.vigil.train.forest.ForestParams;
import dev.vigil.train.forest.SmileForests;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import smile.anomaly.IsolationForest;

/**
 * Trains a {@link DetectionModel} from normal traffic: the scaler, the autoencoder and the LSTM in
 * DL4J, the Isolation Forest in Smile, then calibrates the fused score on held-out normal data.
 *
 * <p>Each entity's time-ordered vectors are split in time: the first {@code 1 -
 * calibrationFraction} train the models, the rest (scored after the LSTM has run through the
 * training part, as it would live) calibrate the normalisers, the threshold and the severity cuts.
 * Calibration on later data than training makes the threshold honest about drift. The float and the
 * int8 runtimes are calibrated separately. With a labelled validation set the fusion weights are
 * fitted on it (see {@link FusionCalibrator#fitWeights}); otherwise {@link Config#weights} apply.
 * The same data, configuration and seed give the same model.
 */
public final class ModelTrainer {
  /**
   * Training settings.
   *
   * @param scaling feature scaling
   * @param autoencoder autoencoder settings
   * @param lstm LSTM settings, or null for a model without LSTM
   * @param forest Isolation Forest settings, or null for a model without forest
   * @param weights α, β, γ used unless fitted on a validation set
   * @param targetFpr false-positive rate on normal data the threshold is set for
   * @param calibrationFraction share of each entity's latest vectors held out for calibration
   * @param weightStep grid step when fitting weights
   */
  public record Config(
      FeatureScaler.Options scaling,
      AutoencoderTrainer.Config autoencoder,
      LstmTrainer.Config lstm,
      ForestParams forest,
      double[] weights,
      double targetFpr,
      double calibrationFraction,
      double weightStep) {
    /** Validates. */
    public Config {
      Objects.requireNonNull(scaling, "scaling");
      Objects.requireNonNull(autoencoder, "autoencoder");
      weights = Fusion.normaliseWeights(weights);
      if (!(targetFpr > 0 && targetFpr < 0.5)) {
        throw new IllegalArgumentException("targetFpr must be in (0, 0.5), was " + targetFpr);
      }
      if (!(calibrationFraction >= 0.05 && calibrationFraction <= 0.5)) {
        throw new IllegalArgumentException(
            "calibrationFraction must be in [0.05, 0.5], was " + calibrationFraction);
      }
      if (!(weightStep > 0 && weightStep <= 0.5)) {
        throw new IllegalArgumentException("weightStep must be in (0, 0.5], was " + weightStep);
      }
    }

    /** Defaults: every component with its defaults, weights 0.4/0.3/0.3, 0.5 % target FPR. */
    public static Config defaults() {
      return new Config(
          FeatureScaler.Options.defaults(),
          AutoencoderTrainer.Config.defaults(),
          LstmTrainer.Config.defaults(),
          ForestParams.defaults(),
          Fusion.DEFAULT_WEIGHTS,
          0.005,
          0.2,
          0.05);
    }

    /** Returns a copy with another seed for every component. */
    public Config withSeed(long seed) {
      AutoencoderTrainer.Config a = autoencoder;
      AutoencoderTrainer.Config a2 =
          new AutoencoderTrainer.Config(
              a.hidden(),
              a.bottleneck(),
              a.maxEpochs(),
              a.batchSize(),
              a.learningRate(),
              a.validationFraction(),
              a.patience(),
              seed);
      LstmTrainer.Config l2 = lstm == null ? null : lstm.withSeed(seed);
      ForestParams f2 =
          forest == null
              ? null
              : new ForestParams(
                  forest.trees(),
                  forest.subsampleSize(),
                  seed,
                  forest.thresholdQuantile(),
                  forest.extensionLevel());
      return new Config(scaling, a2, l2, f2, weights, targetFpr, calibrationFraction, weightStep);
    }
  }

  /**
   * One entity's time-ordered raw vectors.
   *
   * @param hi first half of the entity key
   * @param lo second half of the entity key
   * @param vectors raw vectors in time order
   */
  public record Sequence(long hi, long lo, List<float[]> vectors) {
    /** Copies the list. */
    public Sequence {
      vectors = List.copyOf(vectors);
    }
  }

  /**
   * One entity's time-ordered raw vectors with labels, for fitting weights.
   *
   * @param sequence the vectors
   * @param attack one label per vector
   */
  public record Labelled(Sequence sequence, boolean[] attack) {
    /** Validates. */
    public Labelled {
      if (attack.length != sequence.vectors().size()) {
        throw new IllegalArgumentException("one label per vector is needed");
      }
    }
  }

  /** Receives progress: a bar per network and one-line messages. */
  public interface Listener {
    /** Returns the epoch callback of a training phase ({@code autoencoder}, {@code lstm}). */
    AutoencoderTrainer.Progress phase(String name);

    /** Reports a step. */
    void message(String text);

    /** A listener that reports nothing. */
    static Listener silent() {
      return new Listener() {
        @Override
        public AutoencoderTrainer.Progress phase(String name) {
          return null;
        }

        @Override
        public void message(String text) {}
      };
    }
  }

  /** Vectors an entity is stepped through the LSTM before its prediction error counts. */
  static final int DEFAULT_WARMUP = 3;

  private ModelTrainer() {}

  /**
   * Trains and calibrates a model.
   *
   * @param schema the layout of every vector
   * @param normal normal traffic per entity
   * @param validation labelled vectors to fit the fusion weights on, or null to keep the configured
   *     weights
   * @param c settings
   * @param listener progress
   */
  public static DetectionModel train(
      FeatureSchema schema,
      List<Sequence> normal,
      List<Labelled> validation,
      Config c,
      Listener listener) {
    return trainDetailed(schema, normal, validation, c, listener).model();
  }

  /** Most entity keys a model's provenance lists ({@link #putEntityKeys}). */
  public static final int MAX_ENTITY_KEYS = 65_536;

  /**
   * Lists the entities trained on in {@code prov.entityKeys}, each as {@code hi:lo} in hex (an
   * address or a series id, as the detection path keys its entities), so that a daemon can tell a
   * host first seen after training; beyond {@value #MAX_ENTITY_KEYS} none are listed and {@code
   * entityKeysComplete} is false.
   */
  private static void putEntityKeys(ObjectNode prov, List<Sequence> normal) {
    boolean complete = normal.size() <= MAX_ENTITY_KEYS;
    prov.put("entityKeysComplete", complete);
    if (complete) {
      var keys = prov.putArray("entityKeys");
      for (Sequence s : normal) {
        keys.add(entityKey(s.hi(), s.lo()));
      }
    }
  }

  /** The key of entity {@code hi}/{@code lo} in {@code entityKeys}. */
  public static String entityKey(long hi, long lo) {
    return Long.toHexString(hi) + ":" + Long.toHexString(lo);
  }

  /**
   * A trained model together with the training-time objects it was exported from: the DL4J networks
   * and Smile's forest (for equivalence checks and the DL4J column of {@code vigil bench scoring}).
   *
   * @param model the model
   * @param autoencoderNetwork the DL4J autoencoder
   * @param lstmNetwork the DL4J LSTM, or null
   * @param smileForest Smile's forest, or null
   */
  public record Trained(
      DetectionModel model,
      MultiLayerNetwork autoencoderNetwork,
      MultiLayerNetwork lstmNetwork,
      IsolationForest smileForest) {}

  /** As {@link #train}, keeping the DL4J networks and Smile's forest. */
  public static Trained trainDetailed(
      FeatureSchema schema,
      List<Sequence> normal,
      List<Labelled> validation,
      Config c,
      Listener listener) {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(c, "config");
    Listener l = listener == null ? Listener.silent() : listener;
    long t0 = System.nanoTime();
    int d = schema.size();
    List<Sequence> trainPart = new ArrayList<>();
    List<List<float[]>> rawTrainRows = new ArrayList<>();
    int calibrationCount = 0;
    int trainCount = 0;
    int[] cut = new int[normal.size()];
    for (int e = 0; e < normal.size(); e++) {
      Sequence s = normal.get(e);
      for (float[] v : s.vectors()) {
        if (v.length != d) {
          throw new IllegalArgumentException(
              "a vector has " + v.length + " features, schema " + schema.id() + " has " + d);
        }
      }
      int n = s.vectors().size();
      cut[e] = n < 5 ? n : n - (int) Math.ceil(n * c.calibrationFraction());
      trainCount += cut[e];
      calibrationCount += n - cut[e];
      trainPart.add(new Sequence(s.hi(), s.lo(), s.vectors().subList(0, cut[e])));
      rawTrainRows.add(s.vectors().subList(0, cut[e]));
    }
    if (trainCount < 20) {
      throw new IllegalArgumentException(
          "at least 20 normal training vectors are needed, got " + trainCount);
    }
    if (calibrationCount < 20) {
      throw new IllegalArgumentException(
          "at least 20 held-out normal vectors are needed to calibrate, got "
              + calibrationCount
              + " (entities with fewer than 5 vectors are used for training only)");
    }
    List<float[]> rawTrain = new ArrayList<>(trainCount);
    rawTrainRows.forEach(rawTrain::addAll);
    l.message(
        "training on "
            + trainCount
            + " vectors of "
            + normal.size()
            + " entities, calibrating on "
            + calibrationCount);
    FeatureScaler scaler = FeatureScaler.fit(rawTrain, c.scaling());
    List<List<float[]>> scaledSeqs = new ArrayList<>();
    List<float[]> scaledTrain = new ArrayList<>(trainCount);
    for (List<float[]> seq : rawTrainRows) {
      List<float[]> out = new ArrayList<>(seq.size());
      for (float[] v : seq) {
        float[] s = new float[d];
        scaler.transform(v, s);
        out.add(s);
        scaledTrain.add(s);
      }
      scaledSeqs.add(out);
    }

    ObjectNode prov = BundleFile.json().createObjectNode();
    prov.put("trainer", "vigil " + version());
    prov.put("created", Instant.now().toString());
    prov.put("schema", schema.id());
    prov.put("trainVectors", trainCount);
    prov.put("calibrationVectors", calibrationCount);
    prov.put("entities", normal.size());
    putEntityKeys(prov, normal);
    ObjectNode sc = prov.putObject("scaling");
    sc.put("kind", c.scaling().kind().name().toLowerCase(java.util.Locale.ROOT));
    sc.put("log1p", c.scaling().log1p());
    sc.put("clip", c.scaling().clip());

    AutoencoderTrainer.Result ae =
        AutoencoderTrainer.train(scaledTrain, c.autoencoder(), l.phase("autoencoder"));
    DenseNet aeF = ae.runtime();
    QuantizedDenseNet aeQ = new QuantizedDenseNet(aeF);
    ObjectNode aeP = prov.putObject("autoencoder");
    aeP.put("hidden", c.autoencoder().hidden());
    aeP.put("bottleneck", c.autoencoder().bottleneck());
    aeP.put("seed", c.autoencoder().seed());
    aeP.put("epochs", ae.epochs());
    aeP.put("bestEpoch", ae.bestEpoch());
    aeP.put("millisPerEpoch", ae.millisPerEpoch());
    aeP.put("validationLoss", ae.validationLoss().get(ae.bestEpoch() - 1));
    l.message(
        String.format(
            java.util.Locale.ROOT,
            "autoencoder: %d epochs (best %d), %.0f ms/epoch",
            ae.epochs(),
            ae.bestEpoch(),
            ae.millisPerEpoch()));

    LstmNet lstmF = null;
    QuantizedLstmNet lstmQ = null;
    MultiLayerNetwork lstmNet = null;
    IsolationForest smile = null;
    if (c.lstm() != null) {
      LstmTrainer.Result lr = LstmTrainer.train(scaledSeqs, c.lstm(), l.phase("lstm"));
      lstmF = lr.runtime();
      lstmNet = lr.network();
      lstmQ = new QuantizedLstmNet(lstmF);
      ObjectNode lp = prov.putObject("lstm");
      lp.put("units", c.lstm().units());
      lp.put("layers", c.lstm().layers());
      lp.put("sequenceLength", c.lstm().sequenceLength());
      lp.put("seed", c.lstm().seed());
      lp.put("epochs", lr.epochs());
      lp.put("bestEpoch", lr.bestEpoch());
      lp.put("millisPerEpoch", lr.millisPerEpoch());
      lp.put("validationLoss", lr.validationLoss().get(lr.bestEpoch() - 1));
      l.message(
          String.format(
              java.util.Locale.ROOT,
              "lstm: %d epochs (best %d), %.0f ms/epoch",
              lr.epochs(),
              lr.bestEpoch(),
              lr.millisPerEpoch()));
    }

    FlatForest forest = null;
    if (c.forest() != null) {
      long f0 = System.nanoTime();
      double[][] x = new double[scaledTrain.size()][d];
      for (int i = 0; i < x.length; i++) {
        float[] s = scaledTrain.get(i);
        for (int j = 0; j < d; j++) {
          x[i][j] = s[j];
        }
      }
      smile = ForestModel.fitIsolationForest(x, c.forest());
      forest = SmileForests.flatten(smile);
      ObjectNode fp = prov.putObject("forest");
      fp.put("trees", c.forest().trees());
      fp.put("subsample", c.forest().subsampleSize());
      fp.put("extensionLevel", c.forest().extensionLevel());
      fp.put("seed", c.forest().seed());
      fp.put("millis", (System.nanoTime() - f0) / 1_000_000);
      l.message("isolation forest: " + c.forest().trees() + " trees");
    }

    int warmup =
        c.lstm() == null ? 1 : Math.max(1, Math.min(DEFAULT_WARMUP, c.lstm().sequenceLength() / 2));
    Fusion placeholder = placeholder();
    DetectionModel raw =
        new DetectionModel(
            schema, scaler, aeF, aeQ, lstmF, lstmQ, forest, placeholder, placeholder, warmup, prov);
    Fusion[] fused = new Fusion[2];
    ObjectNode fusionP = prov.putObject("fusion");
    for (Precision p : Precision.values()) {
      double[][] normalRaw = calibrationScores(raw, p, normal, cut);
      Fusion f = FusionCalibrator.calibrate(normalRaw, c.weights(), c.targetFpr());
      if (validation != null && !validation.isEmpty()) {
        double[][] valRaw = validationScores(raw, p, validation);
        boolean[] labels = labels(validation);
        double[] w = FusionCalibrator.fitWeights(f, valRaw, labels, c.weightStep());
        f = FusionCalibrator.calibrate(normalRaw, w, c.targetFpr());
        ObjectNode m = fusionP.putObject("validation" + (p == Precision.INT8 ? "Int8" : ""));
        m.put("vectors", labels.length);
        m.put("rocAuc", Roc.auc(FusionCalibrator.fused(f, valRaw), labels));
      }
      fused[p.ordinal()] = f;
    }
    fusionP.put("weightsFitted", validation != null && !validation.isEmpty());
    fusionP.put("targetFpr", c.targetFpr());
    prov.put("trainingMillis", (System.nanoTime() - t0) / 1_000_000);
    l.message(
        String.format(
            java.util.Locale.ROOT,
            "fusion: weights %s, threshold %.3f",
            java.util.Arrays.toString(fused[0].weights()),
            fused[0].threshold()));
    return new Trained(
        new DetectionModel(
            schema, scaler, aeF, aeQ, lstmF, lstmQ, forest, fused[0], fused[1], warmup, prov),
        ae.network(),
        lstmNet,
        smile);
  }

  /** A fusion that passes raw scores through, to collect raw component scores for calibration. */
  private static Fusion placeholder() {
    List<Normaliser> id = Collections.nCopies(Component.values().length, new Normaliser(0, 1));
    double inf = Double.POSITIVE_INFINITY;
    return new Fusion(
        id,
        Fusion.DEFAULT_WEIGHTS,
        0.01,
        0,
        new double[] {0, 0, 0, 0},
        new double[] {inf, inf, inf});
  }

  private static double[][] calibrationScores(
      DetectionModel raw, Precision p, List<Sequence> normal, int[] cut) {
    List<double[]> rows = new ArrayList<>();
    EnsembleScorer s = raw.scorer(p, Math.max(16, normal.size()));
    for (int e = 0; e < normal.size(); e++) {
      Sequence seq = normal.get(e);
      for (int i = 0; i < seq.vectors().size(); i++) {
        s.score(seq.hi(), seq.lo(), i, seq.vectors().get(i));
        if (i >= cut[e]) {
          rows.add(
              new double[] {
                s.lastReconstructionError(), s.lastPredictionError(), s.lastIsolationScore()
              });
        }
      }
    }
    return rows.toArray(new double[0][]);
  }

  private static double[][] validationScores(
      DetectionModel raw, Precision p, List<Labelled> validation) {
    List<double[]> rows = new ArrayList<>();
    EnsembleScorer s = raw.scorer(p, Math.max(16, validation.size()));
    for (Labelled lab : validation) {
      Sequence seq = lab.sequence();
      for (int i = 0; i < seq.vectors().size(); i++) {
        s.score(seq.hi(), seq.lo(), i, seq.vectors().get(i));
        rows.add(
            new double[] {
              s.lastReconstructionError(), s.lastPredictionError(), s.lastIsolationScore()
            });
      }
    }
    return rows.toArray(new double[0][]);
  }

  private static boolean[] labels(List<Labelled> validation) {
    int n = validation.stream().mapToInt(v -> v.attack().length).sum();
    boolean[] out = new boolean[n];
    int k = 0;
    for (Labelled v : validation) {
      System.arraycopy(v.attack(), 0, out, k, v.attack().length);
      k += v.attack().length;
    }
    return out;
  }

  /** Returns this release's version (from the jar manifest), or {@code dev}. */
  public static String version() {
    String v = ModelTrainer.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
