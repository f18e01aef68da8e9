package dev.vigil.daemon.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
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
   * @param known the entities the model was trained on (host addresses or series ids, as {@code hi
   *     -> lo}), from its provenance's {@code entityKeys}; null when it does not list them (a
   *     bundle from before they were recorded): every entity counts as known then
   */
  record Active(DetectionModel model, String origin, int generation, Map<Long, Set<Long>> known) {
    /** Whether the model was trained on entity {@code hi}/{@code lo} (or does not say). */
    boolean knows(long hi, long lo) {
      if (known == null) {
        return true;
      }
      Set<Long> l = known.get(hi);
      return l != null && l.contains(lo);
    }

    /**
     * Reads the entities a model lists (keys as {@link ModelTrainer#entityKey} writes them), or
     * null.
     */
    static Map<Long, Set<Long>> knownOf(DetectionModel model) {
      JsonNode keys = model.provenance().path("entityKeys");
      if (!model.provenance().path("entityKeysComplete").asBoolean(false) || !keys.isArray()) {
        return null;
      }
      Map<Long, Set<Long>> out = new HashMap<>();
      for (JsonNode k : keys) {
        String t = k.asText();
        int colon = t.indexOf(':');
        if (colon < 0) {
          return null; // not a list this version wrote: trust nothing in it
        }
        try {
          long hi = Long.parseUnsignedLong(t.substring(0, colon), 16);
          long lo = Long.parseUnsignedLong(t.substring(colon + 1), 16);
          out.computeIfAbsent(hi, x -> new HashSet<>()).add(lo);
        } catch (NumberFormatException e) {
          return null;
        }
      }
      return out;
    }
  }

  /** Whether a host is in its grace ({@link #grace}). */
  enum Grace {
    /** No grace: known to the model, not a LAN device's own address, refused or over. */
    NONE,
    /** A new host's grace starts with this window. */
    STARTED,
    /** In its grace. */
    IN
  }

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

  /** Set by {@link #close}: nothing is trained, written or published any more. */
  private volatile boolean closed;

  // continual learning, touched by the scoring thread only until a round is handed to the trainer:
  // each entity's sample of the round's vectors that did not alert
  private Map<Long, Map<Long, RoundSample>> recent = new LinkedHashMap<>();
  private final SplittableRandom sampling = new SplittableRandom(0x5eed);
  private int recentCount;
  private int recentEntities;
  private long roundStartMicros = Long.MIN_VALUE;
  private int roundGeneration;
  private final AtomicLong continualKept = new AtomicLong();
  private final AtomicLong continualRefused = new AtomicLong();
  private final AtomicLong continualDistrusted = new AtomicLong();
  private final AtomicLong continualRounds = new AtomicLong();
  private volatile String continualState = "off";
  // what the last model was trained on, bounded (continual.per-entity of each entity, max-vectors
  // in all): each round trains on it as well as on its own sample
  private List<ModelTrainer.Sequence> lastTrained = List.of();
  // new hosts' grace (continual.grace), scoring thread only: when the next round ends early
  private final NewHostGrace grace;
  private long graceHalfwayMicros = Long.MAX_VALUE;

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
    VigilConfig.Continual c = config.continual();
    if (c != null) {
      continualState = "waiting for a model in service";
    }
    this.grace =
        c == null || c.grace().isZero() ? null : new NewHostGrace(c.grace(), c.graceHosts());
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
    remember(normal);
    DetectionModel model = ModelTrainer.train(schema, normal, null, m.training(), listener);
    stopIfClosed();
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
    Active a =
        new Active(model, origin, prev == null ? 1 : prev.generation() + 1, Active.knownOf(model));
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
   * Offers a scored (or, before any model, unscored) window to baseline learning and, once a model
   * is in service, to continual learning (scoring thread only).
   *
   * <p>Baseline learning: windows the current model flags at high severity or above ({@code
   * severe}) are not learned (counted as skipped): a clear attack during learning must not become
   * normal, while windows a generic starting model merely finds unusual on this network are exactly
   * what learning is for. When the learning period has passed and enough vectors are in, training
   * starts on a background thread.
   *
   * <p>Continual learning ({@code model.continual}), after baseline learning or with a model from a
   * bundle or captures: a window that alerted ({@code alerted}, at any severity) is never kept; the
   * others are sampled ({@link RoundSample}, at most {@code per-entity} of each entity), and once a
   * round has lasted {@code every} of capture time with at least {@code min-vectors} sampled, the
   * model is retrained on the sample and on what the model in service was trained on (newest first,
   * up to {@code max-vectors}) in the background and swapped in. A round's vectors were all judged
   * by one model: a model swapped in starts a new round.
   *
   * @param scored whether the window was scored by a model in service
   * @param alerted whether it alerted (scored windows only)
   * @param severe whether it was flagged at high severity or above (scored windows only)
   */
  void offer(
      long hi,
      long lo,
      long windowEndMicros,
      float[] v,
      boolean scored,
      boolean alerted,
      boolean severe) {
    if (config.learn() != null && collected != null && !learningStopped) {
      learn(hi, lo, windowEndMicros, v, severe);
    } else if (scored) {
      keepRecent(hi, lo, windowEndMicros, v, alerted);
    }
  }

  private void learn(long hi, long lo, long windowEndMicros, float[] v, boolean flagged) {
    VigilConfig.Learn learn = config.learn();
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

  /** Continual learning: keeps a window that did not alert; starts a round's retrain when due. */
  private void keepRecent(long hi, long lo, long windowEndMicros, float[] v, boolean alerted) {
    VigilConfig.Continual c = config.continual();
    if (c == null) {
      return;
    }
    int generation = inUse == null ? 0 : inUse.generation();
    if (roundStartMicros == Long.MIN_VALUE || generation != roundGeneration) {
      // a round's vectors were all judged by one model: a new model starts a new round
      recent = new LinkedHashMap<>();
      recentCount = 0;
      recentEntities = 0;
      roundStartMicros = windowEndMicros;
      roundGeneration = generation;
      continualState = "collecting for the model of generation " + generation;
    }
    if (alerted) {
      continualRefused.incrementAndGet(); // what alerted is never learned
    } else {
      Map<Long, RoundSample> inner = recent.get(hi);
      RoundSample r = inner == null ? null : inner.get(lo);
      if ((r == null && recentEntities >= maxEntities) || recentCount >= c.maxVectors()) {
        continualRefused.incrementAndGet(); // bounded: no room for another entity or vector
      } else {
        if (r == null) {
          r = new RoundSample(Math.max(1, c.perEntity() / RoundSample.RUN));
          recent.computeIfAbsent(hi, k -> new LinkedHashMap<>()).put(lo, r);
          recentEntities++;
        }
        recentCount += r.add(v.clone(), sampling);
        continualKept.incrementAndGet();
      }
    }
    Thread t = trainer;
    boolean trainerBusy = t != null && t.isAlive();
    boolean due = windowEndMicros - roundStartMicros >= c.every().toNanos() / 1000;
    boolean early = !due && windowEndMicros >= graceHalfwayMicros;
    if (!trainerBusy && (due || early) && recentCount >= c.minVectors()) {
      List<ModelTrainer.Sequence> round = new ArrayList<>();
      recent.forEach(
          (h, inner) ->
              inner.forEach(
                  (l, r) ->
                      r.runs().forEach(run -> round.add(new ModelTrainer.Sequence(h, l, run)))));
      int recentN = recentCount;
      int n = recentN;
      // so that a round does not forget what came before it (a short early round, a day without
      // some rhythm), it also trains on what the model in service was trained on, newest first,
      // up to max-vectors in all: older rounds fade out as new ones come in
      for (ModelTrainer.Sequence s : lastTrained) {
        if (n + s.vectors().size() > c.maxVectors()) {
          break;
        }
        round.add(s);
        n += s.vectors().size();
      }
      recent = new LinkedHashMap<>();
      recentCount = 0;
      recentEntities = 0;
      roundStartMicros = windowEndMicros; // the next round collects while this one trains
      graceHalfwayMicros = grace == null ? Long.MAX_VALUE : grace.nextHalfway(windowEndMicros);
      remember(round);
      long number = continualRounds.incrementAndGet();
      String why = early ? ", early: a new host halfway through its grace" : "";
      continualState = "round " + number + ": retraining on " + n + " vectors" + why;
      train(
          round,
          n,
          "retrained",
          "retrained on this device from "
              + recentN
              + " recent vectors and "
              + (n - recentN)
              + " it was trained on (round "
              + number
              + why
              + ")",
          inUse, // a host is new once, not after every round it was quiet in
          state -> continualState = "round " + number + ": " + state);
    }
  }

  /**
   * Keeps what a model is about to be trained on for the next round ({@link #keepRecent}): with
   * continual learning only, the last {@code per-entity} vectors of each entity, {@code
   * max-vectors} in all.
   */
  private void remember(List<ModelTrainer.Sequence> data) {
    VigilConfig.Continual c = config.continual();
    if (c == null) {
      return;
    }
    List<ModelTrainer.Sequence> kept = new ArrayList<>();
    int n = 0;
    for (ModelTrainer.Sequence s : data) {
      List<float[]> v = s.vectors();
      List<float[]> tail = v.subList(Math.max(0, v.size() - c.perEntity()), v.size());
      if (n + tail.size() > c.maxVectors()) {
        break;
      }
      kept.add(new ModelTrainer.Sequence(s.hi(), s.lo(), tail));
      n += tail.size();
    }
    lastTrained = kept;
  }

  /**
   * Distrusts host {@code hi}/{@code lo} at {@code nowMicros} (scoring thread only): it tripped a
   * streaming detector (scan, flood, beacon, auth failures) or scored critical in its grace. Its
   * windows sampled in the current round are dropped, and its grace, if any, ends (a host not yet
   * in grace gets none; nor do the other addresses of its MAC). Later windows are kept only if they
   * do not alert.
   */
  void distrust(long hi, long lo, long nowMicros) {
    if (grace != null) {
      grace.revoke(hi, lo, nowMicros);
      graceHalfwayMicros = grace.nextHalfway(roundStartMicros); // no early round for it
    }
    Map<Long, RoundSample> inner = recent.get(hi);
    RoundSample r = inner == null ? null : inner.remove(lo);
    if (r != null) {
      int dropped = r.runs().stream().mapToInt(List::size).sum();
      recentCount -= dropped;
      recentEntities--;
      continualDistrusted.addAndGet(dropped);
      if (inner.isEmpty()) {
        recent.remove(hi);
      }
    }
  }

  /**
   * Tells whether the window of host {@code hi}/{@code lo} ending at {@code windowEndMicros} falls
   * in the host's grace ({@code model.continual.grace}), starting a grace for a host the model in
   * service was not trained on when {@code lanMac} gives the MAC whose own address it is (-1: none)
   * (scoring thread only, after {@link #scorer()}). A host in grace is not alerted on by the model
   * short of a critical score, and its windows are learned (the caller offers them as not alerted);
   * halfway through a host's grace the continual round ends early, so that the model knows the host
   * before its grace ends. Never during baseline learning, without a model, or without {@code
   * grace}; a model that does not list what it was trained on knows every host.
   */
  Grace grace(long hi, long lo, long windowEndMicros, LongSupplier lanMac) {
    NewHostGrace g = grace;
    Active a = inUse;
    if (g == null || a == null || collecting()) {
      return Grace.NONE;
    }
    if (a.knows(hi, lo)) {
      g.forget(hi, lo);
      return Grace.NONE;
    }
    switch (g.check(hi, lo, windowEndMicros, lanMac)) {
      case STARTED:
        graceHalfwayMicros = Math.min(graceHalfwayMicros, windowEndMicros + g.graceMicros() / 2);
        return Grace.STARTED;
      case IN:
        return Grace.IN;
      default:
        return Grace.NONE;
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
    remember(data);
    learnState = "training on " + n + " vectors";
    train(
        data,
        n,
        "learned",
        "learned on this device from " + n + " vectors",
        null,
        state -> learnState = state);
  }

  /**
   * Trains a model on {@code data} on a background thread at low priority, saves it to the bundle
   * if one is configured and publishes it; {@code state} hears how it ended.
   *
   * @param kind {@code learned} or {@code retrained}, for the log
   * @param origin the new model's origin, as {@code /health} shows it
   * @param base the model whose known entities the new one inherits ({@link #addKnown}), or null
   */
  private void train(
      List<ModelTrainer.Sequence> data,
      int n,
      String kind,
      String origin,
      Active base,
      java.util.function.Consumer<String> state) {
    Thread t =
        new Thread(
            () -> {
              LOG.info("background training of the {} model: {}", name, LowPriority.apply());
              long t0 = System.nanoTime();
              try {
                DetectionModel model =
                    ModelTrainer.train(schema, data, null, config.training(), logListener());
                stopIfClosed();
                addKnown(model, base);
                Path bundle = config.bundle();
                if (bundle != null) {
                  ModelBundle.write(model, bundle);
                  bundleStamp = stamp(bundle);
                  // "learned packet model saved to bundle [...]": operators' and check-unit's line
                  LOG.info("{} {} model saved to bundle [{}] ({})", kind, name, bundle, origin);
                }
                publish(model, origin);
                state.accept(
                    "done in " + (System.nanoTime() - t0) / 1_000_000 + " ms, " + n + " vectors");
              } catch (TrainingStopped e) {
                state.accept("stopped: the daemon is stopping");
                LOG.info("{} model training stopped before its end: the daemon is stopping", name);
              } catch (IOException | RuntimeException e) {
                lastError = e.getMessage();
                state.accept("failed: " + e.getMessage());
                LOG.error(
                    "{} model training failed, keeping the current model: {}", name, e.toString());
              }
            },
            "vigil-learn-" + name);
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    trainer = t;
    t.start();
  }

  /**
   * Stops this manager for the daemon's shutdown: training in progress (first model or background)
   * ends at its next epoch, and nothing is written to the bundle or published after this returns;
   * waits for the background trainer at most {@code millis} ms.
   */
  void close(long millis) throws InterruptedException {
    closed = true;
    Thread t = trainer;
    if (t != null) {
      t.interrupt();
      t.join(millis);
      if (t.isAlive()) {
        LOG.warn("{} model training did not stop within {} ms", name, millis);
      }
    }
  }

  private void stopIfClosed() {
    if (closed || Thread.currentThread().isInterrupted()) {
      throw new TrainingStopped();
    }
  }

  /** Training ended because the daemon is stopping (the thread was interrupted, or closed). */
  static final class TrainingStopped extends RuntimeException {
    TrainingStopped() {
      super("training stopped: the daemon is stopping", null, false, false);
    }
  }

  /**
   * Adds the entities {@code base} knows to {@code model}'s {@code entityKeys} (none when either
   * does not list them; none listed at all past {@link ModelTrainer#MAX_ENTITY_KEYS}).
   */
  static void addKnown(DetectionModel model, Active base) {
    ObjectNode p = model.provenance();
    if (base == null || base.known() == null || !p.path("entityKeysComplete").asBoolean(false)) {
      return;
    }
    Set<String> keys = new LinkedHashSet<>();
    p.path("entityKeys").forEach(k -> keys.add(k.asText()));
    base.known().forEach((hi, los) -> los.forEach(lo -> keys.add(ModelTrainer.entityKey(hi, lo))));
    if (keys.size() > ModelTrainer.MAX_ENTITY_KEYS) {
      p.put("entityKeysComplete", false);
      p.remove("entityKeys");
      return;
    }
    ArrayNode a = p.putArray("entityKeys");
    keys.forEach(a::add);
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
    VigilConfig.Continual c = config.continual();
    if (c != null) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("state", continualState);
      l.put("every", c.every().toString());
      l.put("rounds", continualRounds.get());
      l.put("kept", continualKept.get());
      l.put("refused", continualRefused.get());
      l.put("dropped", continualDistrusted.get());
      if (grace != null) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("duration", c.grace().toString());
        g.put("hosts", grace.held());
        g.put("max_hosts", c.graceHosts());
        g.put("started", grace.started());
        g.put("refused", grace.refused());
        l.put("grace", g);
      }
      d.put("continual", l);
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

  /**
   * A training listener that logs one line per epoch (no in-place bar in a service's log) and ends
   * training with {@link TrainingStopped} at the next epoch once its thread is interrupted (the
   * daemon stops).
   */
  static ModelTrainer.Listener logListener() {
    return new ModelTrainer.Listener() {
      @Override
      public AutoencoderTrainer.Progress phase(String name) {
        return (epoch, max, loss, eta) -> {
          if (Thread.currentThread().isInterrupted()) {
            throw new TrainingStopped();
          }
          LOG.debug(
              "{} epoch {}/{} validation loss {} ETA {} s", name, epoch, max, loss, eta / 1000);
        };
      }

      @Override
      public void message(String text) {
        LOG.info("training: {}", text);
      }
    };
  }

  /**
   * One entity's sample of a continual round: runs of {@value #RUN} consecutive vectors (the LSTM
   * learns from consecutive windows), at most {@code maxRuns} of them, each completed run of the
   * round equally likely to be kept (reservoir sampling, Vitter's algorithm R), so a round of a day
   * is learned from the whole day, not its last hour, and one entity holds at most {@code maxRuns}
   * × {@value #RUN} vectors (plus the run in progress).
   */
  static final class RoundSample {
    static final int RUN =
        32; // after the 20 % held out to calibrate, longer than the LSTM's 16 steps

    private final int maxRuns;
    private final List<List<float[]>> runs = new ArrayList<>();
    private List<float[]> current = new ArrayList<>(RUN);
    private long completed;

    RoundSample(int maxRuns) {
      this.maxRuns = maxRuns;
    }

    /** Adds the next vector; returns the change in vectors held (1, or 1 - RUN when a run fell). */
    int add(float[] v, SplittableRandom random) {
      current.add(v);
      if (current.size() < RUN) {
        return 1;
      }
      completed++;
      List<float[]> done = current;
      current = new ArrayList<>(RUN);
      if (runs.size() < maxRuns) {
        runs.add(done);
        return 1;
      }
      long j = random.nextLong(completed);
      if (j < maxRuns) {
        runs.set((int) j, done); // the run it replaces falls out
      }
      return 1 - RUN;
    }

    /** Returns the kept runs and the run in progress, each oldest vector first. */
    List<List<float[]>> runs() {
      List<List<float[]>> out = new ArrayList<>(runs);
      if (!current.isEmpty()) {
        out.add(List.copyOf(current));
      }
      return out;
    }
  }
}
