package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.ModelBundle;
import dev.vigil.features.FeatureSchema;
import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.nn.AutoencoderTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one detection model of the daemon: loads the bundle, or trains on data read at start, or
 * learns the baseline on the device, and swaps a new model in while scoring goes on. The daemon has
 * one per detection path, each with its own schema and settings: the packet path's ({@code model}),
 * whose start-up data are benign captures, and the telemetry path's ({@code telemetry.model}),
 * which has none and learns on the device.
 *
 * <p>Threading: {@link #scorer()} and {@link #offer} are called by one scoring thread only.
 * Background training runs on its own low-priority thread and publishes the new model through a
 * volatile field; the scoring thread picks it up at its next vector and builds its scorer there, so
 * no scorer is ever used by two threads and scoring never waits for training.
 */
public final class ModelManager {
  private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);

  /**
   * Normal data read at start to train the first model when no bundle exists (benign captures, for
   * the packet path).
   */
  interface TrainingData {
    /** Reads every entity's time-ordered vectors. */
    List<ModelTrainer.Sequence> read() throws IOException;

    /** Says where the data came from, for the model's origin ({@code 3 capture(s)}). */
    String describe();
  }

  /**
   * A model in service.
   *
   * @param model the model
   * @param origin where it came from (bundle path, training captures, learned)
   * @param generation 1 for the first model of this run, then one more per swap
   */
  record Active(DetectionModel model, String origin, int generation) {}

  private final String name;
  private final VigilConfig.Model config;
  private final FeatureSchema schema;
  private final int maxEntities;
  private final TrainingData initialData;
  private volatile Active published;
  private Active inUse;
  private EnsembleScorer scorer;
  private final AtomicLong swaps = new AtomicLong();
  private final AtomicLong learnSkipped = new AtomicLong();
  private volatile String learnState = "off";
  private volatile String lastError;

  /** Size and modification time of the bundle file as last read or written here. */
  private volatile String bundleStamp;

  /** Set by a reload that swapped a bundle in: the scoring thread stops learning. */
  private volatile boolean learningStopped;

  // baseline learning, touched by the scoring thread only until handed to the trainer
  private Map<Long, Map<Long, List<float[]>>> collected = new LinkedHashMap<>();
  private int collectedCount;
  private long learnStartMicros = Long.MIN_VALUE;
  private volatile int collectedVisible;
  private volatile Thread trainer;

  /**
   * Creates the manager of one detection path's model.
   *
   * @param name the path, for logs ({@code packet}, {@code telemetry})
   * @param config where the model comes from and how it is trained
   * @param schema the layout of the vectors scored (a bundle for another schema is refused)
   * @param maxEntities most entities whose LSTM state a scorer keeps
   * @param initialData data to train the first model on when there is no bundle, or null
   */
  ModelManager(
      String name,
      VigilConfig.Model config,
      FeatureSchema schema,
      int maxEntities,
      TrainingData initialData) {
    this.name = name;
    this.config = config;
    this.schema = schema;
    this.maxEntities = Math.max(16, maxEntities);
    this.initialData = initialData;
    if (config.learn() != null) {
      learnState = "collecting";
    }
  }

  /** Creates the packet path's manager: first model from {@code model.train-pcaps} if any. */
  static ModelManager forPackets(VigilConfig config) {
    List<Path> pcaps = config.model().trainPcaps();
    TrainingData captures =
        pcaps.isEmpty()
            ? null
            : new TrainingData() {
              @Override
              public List<ModelTrainer.Sequence> read() throws IOException {
                return hostSequences(config.features(), pcaps, new long[1]);
              }

              @Override
              public String describe() {
                return pcaps.size() + " capture(s)";
              }
            };
    return new ModelManager(
        "packet",
        config.model(),
        config.features().set().schema(),
        config.features().maxHosts(),
        captures);
  }

  /**
   * Gets the first model: the bundle if it exists and is valid, else one trained on the benign
   * captures (saved as the bundle if one is configured). Returns null when neither applies (the
   * model will be learned) and throws when a configured source fails and nothing else is left.
   */
  Active initial(ModelTrainer.Listener listener) throws IOException {
    VigilConfig.Model m = config;
    Path bundle = m.bundle();
    boolean bundleDamaged = false;
    if (bundle != null && Files.isRegularFile(bundle)) {
      try {
        DetectionModel model = ModelBundle.read(bundle, schema);
        bundleStamp = stamp(bundle);
        LOG.info("{} model loaded from bundle [{}]", name, bundle);
        if (m.learn() != null) {
          collected = null; // the bundle is this device's baseline already: delete it to relearn
          learnState = "off: model loaded from the bundle (delete it to learn again)";
        }
        return publish(model, "bundle " + bundle);
      } catch (IOException e) {
        lastError = e.getMessage();
        if (initialData == null && m.learn() == null) {
          throw e;
        }
        bundleDamaged = true;
        LOG.error(
            "{}; falling back to {}, and leaving the bundle file untouched",
            e.getMessage(),
            initialData == null ? "learning" : "training");
      }
    }
    if (initialData == null) {
      return null;
    }
    List<ModelTrainer.Sequence> normal = initialData.read();
    DetectionModel model = ModelTrainer.train(schema, normal, null, m.training(), listener);
    if (bundle != null && !bundleDamaged) {
      ModelBundle.write(model, bundle);
      bundleStamp = stamp(bundle);
      LOG.info("{} model saved to bundle [{}]", name, bundle);
    }
    return publish(model, "trained on " + initialData.describe());
  }

  /**
   * On reload: when the bundle file changed since this manager last read or wrote it (an operator
   * copied in a model made by {@code vigil train}), reads it (every checksum verified, the schema
   * checked) and swaps it in as a learned model is; a bundle that does not verify is refused and
   * the model in service stays.
   *
   * @return what happened, for the log: null when the file did not change
   * @throws IOException when the changed bundle cannot be used (the message says why)
   */
  String reloadBundle() throws IOException {
    Path bundle = config.bundle();
    if (bundle == null || !Files.isRegularFile(bundle)) {
      return null;
    }
    String now = stamp(bundle);
    if (now.equals(bundleStamp)) {
      return null;
    }
    DetectionModel model = ModelBundle.read(bundle, schema);
    bundleStamp = now;
    if (config.learn() != null) {
      learningStopped = true; // a model was given: learning stops, as when a bundle is loaded
      learnState = "off: model loaded from the bundle (delete it to learn again)";
    }
    Active a = publish(model, "bundle " + bundle + " (reloaded)");
    return name
        + " model bundle ["
        + bundle
        + "] changed: generation "
        + a.generation()
        + " swapped in";
  }

  private static String stamp(Path file) {
    try {
      return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return "unreadable";
    }
  }

  /**
   * Extracts the per-host window vectors of captures, each host's in time order, as {@code vigil
   * run} and {@code vigil train} train on them; {@code packets[0]} receives the packets read.
   */
  public static List<ModelTrainer.Sequence> hostSequences(
      VigilConfig.Features features, List<Path> pcaps, long[] packets) throws IOException {
    Map<Long, Map<Long, List<float[]>>> byHost = new LinkedHashMap<>();
    for (Path p : pcaps) {
      packets[0] +=
          PacketFeaturePipeline.readCapture(
              p,
              features.set(),
              features.window().toNanos() / 1000,
              features.maxHosts(),
              (hi, lo, s, e, v) ->
                  byHost
                      .computeIfAbsent(hi, k -> new LinkedHashMap<>())
                      .computeIfAbsent(lo, k -> new ArrayList<>())
                      .add(v.clone()));
    }
    return sequences(byHost);
  }

  private static List<ModelTrainer.Sequence> sequences(Map<Long, Map<Long, List<float[]>>> m) {
    List<ModelTrainer.Sequence> out = new ArrayList<>();
    m.forEach(
        (hi, inner) -> inner.forEach((lo, v) -> out.add(new ModelTrainer.Sequence(hi, lo, v))));
    return out;
  }

  private Active publish(DetectionModel model, String origin) {
    Active prev = published;
    Active a = new Active(model, origin, prev == null ? 1 : prev.generation() + 1);
    published = a;
    if (prev != null) {
      swaps.incrementAndGet();
    }
    return a;
  }

  /**
   * Returns the scorer of the newest published model (scoring thread only), or null while there is
   * no model yet.
   */
  EnsembleScorer scorer() {
    Active p = published;
    if (p != inUse) {
      inUse = p;
      scorer = p == null ? null : p.model().scorer(config.precision(), maxEntities);
      if (p != null && p.generation() > 1) {
        LOG.info("{} model generation {} in service ({})", name, p.generation(), p.origin());
      }
    }
    return scorer;
  }

  /** Returns the model in service, or null. */
  Active active() {
    return published;
  }

  /**
   * Offers a scored (or, before any model, unscored) window to baseline learning (scoring thread
   * only). Windows the current model flags at high severity or above are not learned (counted as
   * skipped): a clear attack during learning must not become normal, while windows a generic
   * starting model merely finds unusual on this network are exactly what learning is for. When the
   * learning period has passed and enough vectors are in, training starts on a background thread.
   */
  void offer(long hi, long lo, long windowEndMicros, float[] v, boolean flagged) {
    VigilConfig.Learn learn = config.learn();
    if (learn == null || collected == null || learningStopped) {
      return;
    }
    if (learnStartMicros == Long.MIN_VALUE) {
      learnStartMicros = windowEndMicros;
      LOG.info("learning the {} baseline for {}", name, learn.duration());
    }
    if (flagged) {
      learnSkipped.incrementAndGet();
    } else if (collectedCount >= learn.maxVectors()) {
      learnSkipped.incrementAndGet();
    } else {
      collected
          .computeIfAbsent(hi, k -> new LinkedHashMap<>())
          .computeIfAbsent(lo, k -> new ArrayList<>())
          .add(v.clone());
      collectedCount++;
      collectedVisible = collectedCount;
    }
    long elapsed = windowEndMicros - learnStartMicros;
    if (elapsed >= learn.duration().toNanos() / 1000 && collectedCount >= learn.minVectors()) {
      startTraining();
    }
  }

  /** Returns whether vectors offered now are collected for learning. */
  boolean collecting() {
    return config.learn() != null && collected != null;
  }

  /** Returns the state of baseline learning, as {@code /health} shows it. */
  String learnState() {
    return learnState;
  }

  /** Ends learning early with what was collected (capture file finished). */
  void endOfInput() {
    VigilConfig.Learn learn = config.learn();
    if (learn != null && collected != null) {
      if (collectedCount >= learn.minVectors()) {
        LOG.info(
            "input ended during learning: training the {} model on the {} vectors collected",
            name,
            collectedCount);
        startTraining();
      } else {
        learnState =
            "stopped: input ended with " + collectedCount + " vectors, fewer than min-vectors";
        LOG.warn("{} baseline learning {}", name, learnState);
      }
    }
  }

  private void startTraining() {
    List<ModelTrainer.Sequence> data = sequences(collected);
    int n = collectedCount;
    collected = null; // one learning round per run; capture goes on with the current model
    learnState = "training on " + n + " vectors";
    Thread t =
        new Thread(
            () -> {
              LOG.info("background training of the {} model: {}", name, LowPriority.apply());
              long t0 = System.nanoTime();
              try {
                DetectionModel model =
                    ModelTrainer.train(schema, data, null, config.training(), logListener());
                Path bundle = config.bundle();
                if (bundle != null) {
                  ModelBundle.write(model, bundle);
                  bundleStamp = stamp(bundle);
                  LOG.info("learned {} model saved to bundle [{}]", name, bundle);
                }
                publish(model, "learned on this device from " + n + " vectors");
                learnState =
                    "done in " + (System.nanoTime() - t0) / 1_000_000 + " ms, " + n + " vectors";
              } catch (IOException | RuntimeException e) {
                lastError = e.getMessage();
                learnState = "failed: " + e.getMessage();
                LOG.error(
                    "{} baseline training failed, keeping the current model: {}",
                    name,
                    e.toString());
              }
            },
            "vigil-learn-" + name);
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    trainer = t;
    t.start();
  }

  /** Waits for background training to end (tests and shutdown). */
  void awaitTraining(long millis) throws InterruptedException {
    Thread t = trainer;
    if (t != null) {
      t.join(millis);
    }
  }

  /** Returns the number of model swaps so far. */
  long swaps() {
    return swaps.get();
  }

  /** Returns details for the health endpoint. */
  Map<String, Object> details() {
    Map<String, Object> d = new LinkedHashMap<>();
    Active a = published;
    if (a != null) {
      DetectionModel m = a.model();
      d.put("detector", "ensemble");
      d.put("components", components(m));
      d.put("precision", config.precision().name().toLowerCase(java.util.Locale.ROOT));
      d.put("schema", m.schema().id());
      d.put("origin", a.origin());
      d.put("generation", a.generation());
      d.put("threshold", m.fusion(config.precision()).threshold());
      d.put("target_fpr", m.fusion(config.precision()).targetFpr());
      d.put("weights", weights(m));
      d.put("trained", m.provenance().path("created").asText());
      d.put("training_vectors", m.provenance().path("trainVectors").asInt());
      d.put("training_ms", m.provenance().path("trainingMillis").asLong());
    } else {
      d.put("state", "no model yet");
    }
    if (config.learn() != null) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("state", learnState);
      l.put("duration", config.learn().duration().toString());
      l.put("collected", collectedVisible);
      l.put("skipped", learnSkipped.get());
      d.put("learning", l);
    }
    if (lastError != null) {
      d.put("last_error", lastError);
    }
    return d;
  }

  private static List<String> components(DetectionModel m) {
    List<String> c = new ArrayList<>(List.of("ae"));
    if (m.lstm() != null) {
      c.add("lstm");
    }
    if (m.forest() != null) {
      c.add("iforest");
    }
    return c;
  }

  private Map<String, Double> weights(DetectionModel m) {
    double[] w = m.fusion(config.precision()).weights();
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("ae", w[0]);
    out.put("lstm", w[1]);
    out.put("iforest", w[2]);
    return out;
  }

  /** A training listener that logs one line per epoch (no in-place bar in a service's log). */
  static ModelTrainer.Listener logListener() {
    return new ModelTrainer.Listener() {
      @Override
      public AutoencoderTrainer.Progress phase(String name) {
        return (epoch, max, loss, eta) ->
            LOG.debug(
                "{} epoch {}/{} validation loss {} ETA {} s", name, epoch, max, loss, eta / 1000);
      }

      @Override
      public void message(String text) {
        LOG.info("training: {}", text);
      }
    };
  }
}
