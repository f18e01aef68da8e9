package dev.vigil.bench;

import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.Precision;
import dev.vigil.detect.series.SeriesSurprise;
import dev.vigil.eval.report.Machine;
import dev.vigil.features.series.SeriesFeatures;
import dev.vigil.features.telemetry.DecoderOptions;
import dev.vigil.features.telemetry.MqttOptions;
import dev.vigil.features.telemetry.MqttPublisher;
import dev.vigil.features.telemetry.MqttTelemetrySource;
import dev.vigil.features.telemetry.PayloadDecoder;
import dev.vigil.features.telemetry.Reading;
import dev.vigil.features.telemetry.ReadingSink;
import dev.vigil.features.telemetry.TopicTemplate;
import dev.vigil.testsupport.Mosquitto;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.SeriesTraining;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Measures how many MQTT telemetry messages per second Vigil ingests <em>and scores</em> against
 * what a bare Eclipse Paho subscriber receives, in the same run, through a real Mosquitto broker on
 * loopback started for the purpose.
 *
 * <p>Three subscribers take turns, in an order that alternates from round to round:
 *
 * <ul>
 *   <li><b>bare</b>: a Paho MQTT 3.1.1 {@code MqttAsyncClient} whose callback only counts;
 *   <li><b>ingest</b>: {@link MqttTelemetrySource} decoding each JSON payload into readings and
 *       handing them through its ring to a sink that only counts;
 *   <li><b>scored</b>: the same, with the sink feeding {@link SeriesFeatures} (one vector per
 *       series and 1 s step; every message closes its series' previous step) and every vector
 *       scored as the daemon scores it: the telemetry path's default {@link EnsembleScorer}
 *       (autoencoder, one LSTM step, fusion; see {@link #MODEL}) trained beforehand on the same
 *       kind of series, then the series' {@link SeriesSurprise}.
 * </ul>
 *
 * <p>Each measurement isolates the receiving side, as {@code MqttIngestBench} (feature-extract's
 * test sources) does: the subscriber connects with a persistent session, subscribes and goes away;
 * N messages are published (by {@link MqttPublisher}), which the broker queues for it ({@code
 * queue_qos0_messages true} for QoS 0); then the subscriber reconnects and drains the queue. The
 * rate is messages over the time from the first message received to the last one counted (scored,
 * for the scored subscriber). Every subscriber gets the same payloads: {@code
 * {"ts":<ms>,"temp":21.53,"hum":40.12}} on {@code bench/dev<i>/telemetry}, 10 devices, each step 1
 * s later than the device's previous one. One warm-up round (half the messages) per subscriber
 * comes first; the figures are medians over the measured rounds.
 */
public final class MqttBench {
  /** Name of the benchmarks-file section this benchmark writes. */
  public static final String SECTION = "bench-mqtt";

  /** The goal: ingest and score at least this share of the bare subscriber's rate. */
  public static final double GOAL = 0.90;

  private static final String TOPIC = "bench/{device}/telemetry";
  private static final long STEP_MILLIS = 1000;
  private static final long EPOCH = 1_700_000_000_000L;
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);
  private static final long STALL_NANOS = 3_000_000_000L;
  private static final int TRAIN_STEPS = 600;

  /** The subscribers compared. */
  public enum Kind {
    /** A bare Paho subscriber that only counts. */
    BARE,
    /** MqttTelemetrySource decoding into readings, counted. */
    INGEST,
    /** MqttTelemetrySource, SeriesFeatures and the int8 ensemble scorer. */
    SCORED
  }

  /**
   * What to measure.
   *
   * @param messages messages per measured round, at least 1000
   * @param rounds measured rounds per subscriber and QoS, at least 1
   * @param qos the QoS levels, each 0 to 2
   * @param devices devices publishing, 1 to 1000
   * @param readingsPerStep the configurations measured: messages of a device per 1 s step, each 1
   *     to 100 (1: every message closes a step and is scored, the worst case; 10: a device that
   *     publishes every 100 ms, scored once a step)
   * @param delivery how the scored subscriber's readings reach scoring, as {@code
   *     telemetry.delivery}
   */
  public record Settings(
      int messages,
      int rounds,
      List<Integer> qos,
      int devices,
      List<Integer> readingsPerStep,
      MqttTelemetrySource.Delivery delivery) {
    /** One reading per step, the daemon's default delivery. */
    public Settings(int messages, int rounds, List<Integer> qos, int devices) {
      this(messages, rounds, qos, devices, List.of(1), VigilConfig.Telemetry.DEFAULT_DELIVERY);
    }

    /** Validates. */
    public Settings {
      if (messages < 1000) {
        throw new IllegalArgumentException("messages must be at least 1000, was " + messages);
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
      }
      qos = List.copyOf(qos);
      if (qos.isEmpty() || qos.stream().anyMatch(q -> q < 0 || q > 2)) {
        throw new IllegalArgumentException("qos must list levels 0 to 2, was " + qos);
      }
      if (devices < 1 || devices > 1000) {
        throw new IllegalArgumentException("devices must be between 1 and 1000, was " + devices);
      }
      Objects.requireNonNull(delivery, "delivery");
      readingsPerStep = List.copyOf(readingsPerStep);
      if (readingsPerStep.isEmpty() || readingsPerStep.stream().anyMatch(r -> r < 1 || r > 100)) {
        throw new IllegalArgumentException(
            "readings per step must list values 1 to 100, was " + readingsPerStep);
      }
    }
  }

  /**
   * One QoS level's figures.
   *
   * @param qos the QoS of the subscriptions and publishes
   * @param readingsPerStep messages of a device per step
   * @param rates per subscriber, the rate of each measured round in messages/s
   * @param lost messages not received over all measured rounds, per subscriber
   * @param vectors feature vectors scored in the measured rounds
   */
  public record QosResult(
      int qos, int readingsPerStep, Map<Kind, double[]> rates, Map<Kind, Long> lost, long vectors) {
    /** Returns the median rate of {@code k}. */
    public double median(Kind k) {
      return MqttBench.median(rates.get(k));
    }

    /** Returns the slowest and fastest round of {@code k}. */
    public double[] range(Kind k) {
      double[] r = rates.get(k).clone();
      Arrays.sort(r);
      return new double[] {r[0], r[r.length - 1]};
    }

    /** Returns the median rate of {@code k} over the bare subscriber's. */
    public double ratio(Kind k) {
      return median(k) / median(Kind.BARE);
    }
  }

  /**
   * The outcome.
   *
   * @param settings what was measured
   * @param broker Mosquitto's version line
   * @param trainVectors vectors the scorer's model was trained on
   * @param trainMillis training time
   * @param pipelineAlone per readings-per-step setting, messages/s of the scored pipeline alone
   *     (readings from memory into SeriesFeatures and the scorer, one thread, no MQTT): the most
   *     the scored subscriber's consumer thread can take
   * @param results one per readings-per-step setting and QoS level, in the settings' order
   * @param nanos the whole run
   * @param loadAtEnd the one-minute load average when the run ended
   */
  public record Result(
      Settings settings,
      String broker,
      int trainVectors,
      long trainMillis,
      Map<Integer, Double> pipelineAlone,
      List<QosResult> results,
      long nanos,
      Optional<String> loadAtEnd) {
    /** Copies. */
    public Result {
      results = List.copyOf(results);
      pipelineAlone = Map.copyOf(pipelineAlone);
    }

    /**
     * Returns the summary line: per readings-per-step setting R and QoS N {@code
     * rR_qosN_bare_per_s=… rR_qosN_ingest_per_s=… rR_qosN_scored_per_s=… rR_qosN_ratio=…} (ratio:
     * scored over bare).
     */
    public String summary() {
      StringBuilder b = new StringBuilder();
      for (QosResult q : results) {
        if (b.length() > 0) {
          b.append(' ');
        }
        String k = "r" + q.readingsPerStep() + "_qos" + q.qos();
        b.append(
            String.format(
                Locale.ROOT,
                "%s_bare_per_s=%.0f %s_ingest_per_s=%.0f %s_scored_per_s=%.0f %s_ratio=%.3f",
                k,
                q.median(Kind.BARE),
                k,
                q.median(Kind.INGEST),
                k,
                q.median(Kind.SCORED),
                k,
                q.ratio(Kind.SCORED)));
      }
      return b.toString();
    }
  }

  private final Settings settings;
  private final PrintWriter out;
  private long nextStep; // data step of the next round's first message, for every device
  private int readingsPerStep = 1; // of the configuration being measured

  // The scored pipeline: one for the whole run, fed on each source's consumer thread in turn.
  private SeriesFeatures features;
  private DetectionModel model;
  private EnsembleScorer scorer;
  private long vectors;
  private double scoreSum;

  private MqttBench(Settings settings, PrintWriter out) {
    this.settings = settings;
    this.out = out;
  }

  /**
   * Trains the scorer, starts a broker in a temporary folder and measures.
   *
   * @throws IOException if the broker cannot be started or a subscriber cannot connect
   */
  public static Result run(Settings settings, PrintWriter out) throws IOException {
    Objects.requireNonNull(settings, "settings");
    return new MqttBench(settings, out).run();
  }

  private Result run() throws IOException {
    long t0 = System.nanoTime();
    long trainStart = System.nanoTime();
    int trainVectors = train();
    long trainMillis = (System.nanoTime() - trainStart) / 1_000_000;
    out.printf(
        Locale.ROOT,
        "trained the scorer on %d series vectors in %.1f s%n",
        trainVectors,
        trainMillis / 1e3);
    Map<Integer, Double> alone = new LinkedHashMap<>();
    for (int rps : settings.readingsPerStep()) {
      readingsPerStep = rps;
      double a = pipelineAlone();
      alone.put(rps, a);
      out.printf(
          Locale.ROOT,
          "scored pipeline alone, %d reading(s) a step (from memory, one thread): %.0f msg/s"
              + " (%.2f us a message)%n",
          rps,
          a,
          1e6 / a);
    }
    out.flush();
    Path dir = Files.createTempDirectory("vigil-bench-mqtt");
    List<QosResult> results = new ArrayList<>();
    String version;
    try (Mosquitto broker =
        Mosquitto.start(
            dir,
            List.of(
                "persistence false",
                "max_queued_messages 100000000",
                "max_queued_bytes 0",
                "queue_qos0_messages true",
                "persistent_client_expiration 1h"),
            List.of())) {
      version = broker.version();
      out.printf(Locale.ROOT, "%s on %s%n", version, broker.uri());
      out.flush();
      try {
        for (int rps : settings.readingsPerStep()) {
          readingsPerStep = rps;
          for (int qos : settings.qos()) {
            results.add(measure(broker, qos));
          }
        }
      } catch (IOException | RuntimeException e) {
        throw new IOException(e.getMessage() + "\nbroker log:\n" + broker.log(), e);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    if (scoreSum == 42.4242) {
      out.print(""); // keeps the scores alive
    }
    return new Result(
        settings,
        version,
        trainVectors,
        trainMillis,
        alone,
        results,
        System.nanoTime() - t0,
        Machine.loadAverage());
  }

  private static String deliveryText(MqttTelemetrySource.Delivery d) {
    String dflt =
        d == VigilConfig.Telemetry.DEFAULT_DELIVERY
            ? ", the daemon's default"
            : ", not the default";
    return switch (d) {
      case DIRECT -> "on the MQTT callback thread (`telemetry.delivery: direct`" + dflt + ")";
      case QUEUED -> "through the queue (`telemetry.delivery: queued`" + dflt + ")";
    };
  }

  // ---- the scorer

  /**
   * Time of a device's {@code j}-th message from {@code base}: {@link #readingsPerStep} messages
   * spread evenly over each step.
   */
  private long timestamp(long base, long j) {
    return base
        + (j / readingsPerStep) * STEP_MILLIS
        + (j % readingsPerStep) * (STEP_MILLIS / readingsPerStep);
  }

  /** Value of a device's metric at a step: a 600-step wave plus deterministic noise. */
  static double value(int device, int metric, long step) {
    long h = SeriesFeatures.hash64(device + "/" + metric + "/" + step);
    double noise = ((h >>> 11) * 0x1.0p-53 - 0.5) * (metric == 0 ? 0.4 : 1.0);
    double phase = 2 * Math.PI * step / 600.0 + device;
    return metric == 0 ? 21 + 3 * Math.sin(phase) + noise : 45 + 8 * Math.cos(phase) + noise;
  }

  /** Trains the ensemble on {@link #TRAIN_STEPS} steps of one device's two series. */
  private int train() {
    Map<Long, Map<Long, List<float[]>>> bySeries = new LinkedHashMap<>();
    SeriesFeatures f =
        new SeriesFeatures(
            new SeriesFeatures.Options(STEP_MILLIS, false, 0, 64),
            (hi, lo, step, v) ->
                bySeries
                    .computeIfAbsent(hi, k -> new LinkedHashMap<>())
                    .computeIfAbsent(lo, k -> new ArrayList<>())
                    .add(v.clone()));
    for (long k = 0; k < TRAIN_STEPS; k++) {
      f.offer("train", "temp", EPOCH + k * STEP_MILLIS, value(0, 0, k), 0);
      f.offer("train", "hum", EPOCH + k * STEP_MILLIS, value(0, 1, k), 0);
    }
    f.flush();
    List<ModelTrainer.Sequence> seqs = new ArrayList<>();
    int n = 0;
    for (var e : bySeries.entrySet()) {
      for (var s : e.getValue().entrySet()) {
        List<float[]> v = s.getValue().subList(128, s.getValue().size()); // full windows only
        seqs.add(new ModelTrainer.Sequence(e.getKey(), s.getKey(), v));
        n += v.size();
      }
    }
    model =
        ModelTrainer.train(
            SeriesFeatures.SCHEMA,
            seqs,
            null,
            fewEpochs(SeriesTraining.defaults()),
            ModelTrainer.Listener.silent());
    scorer = model.scorer(PRECISION, 4 * settings.devices());
    features = scoredFeatures(scorer, new double[1], true);
    return n;
  }

  /** The telemetry path's runtime precision, as the daemon runs it by default. */
  static final Precision PRECISION = SeriesTraining.PRECISION;

  /** The scored subscriber's model, in words: the telemetry path's defaults. */
  static final String MODEL = SeriesTraining.describe(SeriesTraining.defaults(), PRECISION);

  /**
   * Returns series features whose vectors go through what the daemon does with each (as {@code
   * TelemetryService} does): the series looked up by device and metric, the ensemble's fused score,
   * then the series' {@link SeriesSurprise}; {@code sum[0]} accumulates the surprise scores, and
   * {@link #vectors} counts the vectors if {@code count}.
   */
  private SeriesFeatures scoredFeatures(EnsembleScorer sc, double[] sum, boolean count) {
    Map<String, Map<String, SeriesSurprise>> surprises = new HashMap<>();
    SeriesFeatures[] self = new SeriesFeatures[1];
    self[0] =
        new SeriesFeatures(
            new SeriesFeatures.Options(STEP_MILLIS, false, 256, 4 * settings.devices()),
            (hi, lo, step, v) -> {
              SeriesFeatures f = self[0];
              Map<String, SeriesSurprise> byMetric = surprises.get(f.emittingDevice());
              if (byMetric == null) {
                byMetric = new HashMap<>();
                surprises.put(f.emittingDevice(), byMetric);
              }
              SeriesSurprise s = byMetric.get(f.emittingMetric());
              if (s == null) {
                s = new SeriesSurprise(SeriesSurprise.Options.defaults());
                byMetric.put(f.emittingMetric(), s);
              }
              double fused = sc.score(hi, lo, step, v);
              double surprise = s.update(fused, f.emittingValue());
              sum[0] += surprise;
              scoreSum += surprise;
              if (count) {
                vectors++;
              }
            });
    return self[0];
  }

  /**
   * Returns {@code c} with at most 5 training epochs per network: scoring costs the same whatever
   * the weights, and full training would take most of the benchmark's time.
   */
  static ModelTrainer.Config fewEpochs(ModelTrainer.Config c) {
    var ae = c.autoencoder();
    var lstm = c.lstm();
    return new ModelTrainer.Config(
        c.scaling(),
        new AutoencoderTrainer.Config(
            ae.hidden(),
            ae.bottleneck(),
            Math.min(5, ae.maxEpochs()),
            ae.batchSize(),
            ae.learningRate(),
            ae.validationFraction(),
            ae.patience(),
            ae.seed()),
        new LstmTrainer.Config(
            lstm.units(),
            lstm.layers(),
            lstm.sequenceLength(),
            Math.min(5, lstm.maxEpochs()),
            lstm.batchSize(),
            lstm.learningRate(),
            lstm.validationFraction(),
            lstm.patience(),
            lstm.seed()),
        c.forest(),
        c.weights(),
        c.targetFpr(),
        c.calibrationFraction(),
        c.weightStep());
  }

  /**
   * Returns the median messages/s, over 3 passes after a warm-up, of the scored pipeline fed from
   * memory: each pass a fresh SeriesFeatures and scorer take {@code messages} messages' worth of
   * readings (two a message), as the scored subscriber's sink does.
   */
  private double pipelineAlone() {
    int n = settings.messages();
    int devices = settings.devices();
    String[] names = new String[devices];
    for (int d = 0; d < devices; d++) {
      names[d] = "dev" + d;
    }
    Reading[] readings = new Reading[2 * n];
    for (int i = 0; i < n; i++) {
      int d = i % devices;
      long j = i / devices; // the device's message index
      long step = j / readingsPerStep;
      long ts = timestamp(EPOCH, j);
      readings[2 * i] = new Reading(names[d], "temp", ts, value(d, 0, step));
      readings[2 * i + 1] = new Reading(names[d], "hum", ts, value(d, 1, step));
    }
    double[] rates = new double[3];
    for (int pass = -1; pass < rates.length; pass++) {
      EnsembleScorer sc = model.scorer(PRECISION, 4 * devices);
      double[] sum = {0};
      SeriesFeatures f = scoredFeatures(sc, sum, false);
      long t0 = System.nanoTime();
      for (Reading r : readings) {
        f.offer(r.device(), r.metric(), r.timestampMillis(), r.value(), 0);
      }
      long dt = System.nanoTime() - t0;
      if (pass >= 0) {
        rates[pass] = n * 1e9 / dt;
      }
    }
    return median(rates);
  }

  // ---- one QoS level

  private QosResult measure(Mosquitto broker, int qos) throws IOException {
    Map<Kind, double[]> rates = new LinkedHashMap<>();
    Map<Kind, Long> lost = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      rates.put(k, new double[settings.rounds()]);
      lost.put(k, 0L);
    }
    long vectorsBefore = 0;
    for (int round = 0; round <= settings.rounds(); round++) {
      boolean warmup = round == 0;
      int n = warmup ? settings.messages() / 2 : settings.messages();
      List<Kind> order = new ArrayList<>(List.of(Kind.values()));
      if (round % 2 == 1) {
        Collections.reverse(order);
      }
      if (round == 1) {
        vectorsBefore = vectors;
      }
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "QoS %d %s:",
                  qos,
                  warmup ? "warm-up" : "round " + round + "/" + settings.rounds()));
      for (Kind k : order) {
        double[] r = once(broker, k, qos, n);
        if (!warmup) {
          rates.get(k)[round - 1] = r[0];
          lost.merge(k, n - (long) r[1], Long::sum);
        }
        line.append(
            String.format(
                Locale.ROOT,
                " %s %.0f/s%s",
                k.name().toLowerCase(Locale.ROOT),
                r[0],
                r[1] < n ? " (" + (n - (long) r[1]) + " lost)" : ""));
      }
      long perDevice = (n + settings.devices() - 1) / settings.devices();
      nextStep += (perDevice + readingsPerStep - 1) / readingsPerStep + 1;
      out.println(line);
      out.flush();
    }
    QosResult q = new QosResult(qos, readingsPerStep, rates, lost, vectors - vectorsBefore);
    out.printf(
        Locale.ROOT,
        "QoS %d medians: bare %.0f/s, ingest %.0f/s (%.1f %%), ingest+score %.0f/s (%.1f %%)%n",
        qos,
        q.median(Kind.BARE),
        q.median(Kind.INGEST),
        100 * q.ratio(Kind.INGEST),
        q.median(Kind.SCORED),
        100 * q.ratio(Kind.SCORED));
    out.flush();
    return q;
  }

  /** One measurement: {rate, messages received}. */
  private double[] once(Mosquitto broker, Kind kind, int qos, int n) throws IOException {
    String id = "bench-" + kind.name().toLowerCase(Locale.ROOT) + "-q" + qos;
    try {
      double[] r = kind == Kind.BARE ? bare(broker, id, qos, n) : ours(broker, id, qos, n, kind);
      endSession(broker, id);
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(kind + " subscriber at QoS " + qos + ": " + e, e);
    }
  }

  /**
   * Publishes the round's {@code n} messages (the same for every subscriber) and waits for them.
   */
  private void publish(Mosquitto broker, int qos, int n) throws IOException {
    MqttOptions o = MqttOptions.defaults(broker.uri(), "bench-publisher").withQos(qos);
    int devices = settings.devices();
    String[] topics = new String[devices];
    for (int d = 0; d < devices; d++) {
      topics[d] = TOPIC.replace("{device}", "dev" + d);
    }
    StringBuilder b = new StringBuilder(64);
    try (MqttPublisher p = new MqttPublisher(o, 200)) {
      p.connect();
      for (int i = 0; i < n; i++) {
        int d = i % devices;
        long j = i / devices; // the device's message index in this round
        long step = nextStep + j / readingsPerStep;
        b.setLength(0);
        b.append("{\"ts\":").append(timestamp(EPOCH + nextStep * STEP_MILLIS, j));
        b.append(",\"temp\":").append(Math.round(value(d, 0, step) * 100) / 100.0);
        b.append(",\"hum\":").append(Math.round(value(d, 1, step) * 100) / 100.0);
        b.append('}');
        p.publish(topics[d], b.toString().getBytes(StandardCharsets.UTF_8));
      }
      p.flush();
    }
    sleep(200); // let the broker queue what its socket still holds
  }

  private static MqttConnectOptions sessionOptions() {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(false);
    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    o.setKeepAliveInterval(30);
    return o;
  }

  /**
   * Makes the broker hold a persistent session for {@code id} subscribed to the devices' topics,
   * with a bare client for every subscriber alike, and leaves it offline. {@link #endSession}
   * removes it after the drain: left offline, it would queue every later round's messages.
   */
  private static void prepareSession(Mosquitto broker, String id, int qos) throws Exception {
    MqttAsyncClient c = new MqttAsyncClient(broker.uri(), id, new MemoryPersistence());
    c.connect(sessionOptions()).waitForCompletion(10_000);
    c.subscribe(TOPIC.replace("{device}", "+"), qos).waitForCompletion(10_000);
    c.disconnect().waitForCompletion(10_000);
    c.close();
  }

  /** Removes the session of {@code id} (a clean-session connect), with whatever it still holds. */
  private static void endSession(Mosquitto broker, String id) throws Exception {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(true);
    MqttAsyncClient c = new MqttAsyncClient(broker.uri(), id, new MemoryPersistence());
    c.connect(o).waitForCompletion(10_000);
    c.disconnect().waitForCompletion(10_000);
    c.close();
  }

  // ---- bare Paho

  private double[] bare(Mosquitto broker, String id, int qos, int n) throws Exception {
    MqttConnectOptions o = sessionOptions();
    prepareSession(broker, id, qos);
    publish(broker, qos, n);
    Timing t = new Timing();
    MqttAsyncClient sub = new MqttAsyncClient(broker.uri(), id, new MemoryPersistence());
    sub.setCallback(
        new MqttCallback() {
          @Override
          public void messageArrived(String topic, MqttMessage message) {
            t.tick(1);
          }

          @Override
          public void connectionLost(Throwable cause) {}

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    sub.connect(o).waitForCompletion(10_000);
    try {
      waitFor(() -> t.count() >= n, t::count);
    } finally {
      sub.disconnect().waitForCompletion(10_000);
      sub.close();
    }
    return t.rate(1);
  }

  // ---- MqttTelemetrySource

  private double[] ours(Mosquitto broker, String id, int qos, int n, Kind kind) throws Exception {
    List<TopicTemplate> templates = TopicTemplate.compileAll(List.of(TOPIC));
    MqttOptions o = MqttOptions.defaults(broker.uri(), id).withQos(qos).withSession(false, 0);
    prepareSession(broker, id, qos);
    publish(broker, qos, n);
    Timing t = new Timing();
    ReadingSink sink =
        kind == Kind.SCORED
            ? r -> {
              features.offer(
                  r.device(), r.metric(), r.timestampMillis(), r.value(), r.payloadBytes());
              t.tick(1);
            }
            : (Reading r) -> t.tick(1);
    try (MqttTelemetrySource s =
        new MqttTelemetrySource(
            o,
            new PayloadDecoder(templates, DecoderOptions.defaults()),
            1 << 16,
            sink,
            settings.delivery())) {
      s.start();
      waitFor(() -> t.count() >= 2L * n, () -> s.stats().messages());
      MqttTelemetrySource.Stats st = s.stats();
      if (st.overflows() > 0 || !st.bad().isEmpty()) {
        throw new IOException("readings lost in the source: " + st);
      }
    }
    return t.rate(2); // two readings a message
  }

  /** First and last event times; written by one thread, read after it stops. */
  private static final class Timing {
    private volatile long count;
    private long first;
    private long last;

    void tick(int events) {
      long now = System.nanoTime();
      if (count == 0) {
        first = now;
      }
      last = now;
      count += events; // volatile write publishes first and last
    }

    long count() {
      return count;
    }

    /** {messages per second, messages}, with {@code perMessage} events a message. */
    double[] rate(int perMessage) {
      long c = count;
      long messages = c / perMessage;
      double seconds = (last - first) / 1e9;
      return new double[] {seconds > 0 ? (messages - 1) / seconds : 0, messages};
    }
  }

  private static void waitFor(BooleanSupplier done, LongSupplier progress)
      throws InterruptedException, IOException {
    long start = System.nanoTime();
    long seen = -1;
    long stalledSince = start;
    while (!done.getAsBoolean()) {
      long now = System.nanoTime();
      long p = progress.getAsLong();
      if (p != seen) {
        seen = p;
        stalledSince = now;
      } else if (now - stalledSince > STALL_NANOS) {
        return; // nothing for 3 s: messages were dropped; count what arrived
      }
      if (now - start > DRAIN_TIMEOUT.toNanos()) {
        throw new IOException("draining timed out at " + p + " messages");
      }
      Thread.sleep(1);
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  // ---- the report

  /** Returns the section body for {@code r}. */
  public static String section(
      Result r, Machine machine, Instant when, Optional<String> load, Optional<String> commit) {
    String date =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(when);
    StringBuilder b = new StringBuilder();
    b.append("## MQTT telemetry: ingested and scored against a bare Paho subscriber")
        .append(" (`vigil bench mqtt`)\n\n");
    b.append(
        "Messages per second received through a real Mosquitto on loopback by a bare Paho 3.1.1"
            + " subscriber that only\ncounts (`bare`), by `MqttTelemetrySource` decoding the JSON into"
            + " readings (`ingest`), and by `MqttTelemetrySource`\nfeeding `SeriesFeatures` with every"
            + " vector scored as the daemon scores it (`scored`: the telemetry\nmodel's defaults, "
            + MODEL
            + ", fusion,\nthen the series' `SeriesSurprise`; one vector per series and 1 s step, two"
            + " readings per message; a"
            + " device's\nmessages spread evenly over its steps, `readings/step` of them a step: 1 is"
            + " the worst case, every message\ncloses a step and is scored). Each subscriber"
            + " drains a backlog of\nN messages the broker queued for its persistent session (the"
            + " receiving side alone); payload\n`{\"ts\":…,\"temp\":21.53,\"hum\":40.12}` from 10"
            + " devices. The three take turns, in an order that alternates\nfrom round to round, after"
            + " a warm-up round each; rates are medians over the rounds (slowest – fastest in\n"
            + "brackets); `ratio` = median ÷ bare median. Goal: scored ≥ "
            + Math.round(GOAL * 100)
            + " % of bare. Written by\n`vigil bench mqtt --write`; do not edit by hand.\n\n");
    b.append(
        "| readings/step | QoS | messages × rounds | bare msg/s | ingest msg/s | ingest ratio |"
            + " scored msg/s |"
            + " scored ratio | goal ≥ "
            + Math.round(GOAL * 100)
            + " % | lost (bare/ingest/scored) |\n");
    b.append("|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|\n");
    for (QosResult q : r.results()) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %,d × %d | %s | %s | %.1f %% | %s | %.1f %% | %s | %d / %d / %d |%n",
              q.readingsPerStep(),
              q.qos(),
              r.settings().messages(),
              r.settings().rounds(),
              cell(q, Kind.BARE),
              cell(q, Kind.INGEST),
              100 * q.ratio(Kind.INGEST),
              cell(q, Kind.SCORED),
              100 * q.ratio(Kind.SCORED),
              q.ratio(Kind.SCORED) >= GOAL ? "met" : "**not met**",
              q.lost().get(Kind.BARE),
              q.lost().get(Kind.INGEST),
              q.lost().get(Kind.SCORED)));
    }
    b.append('\n');
    b.append(
        "The scored pipeline alone (the same readings from memory into `SeriesFeatures`, the scorer and"
            + " `SeriesSurprise`, one thread, no\nMQTT), the most the scored subscriber's consumer thread can"
            + " keep up with:");
    r.pipelineAlone().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                b.append(
                    String.format(
                        Locale.ROOT,
                        " %,.0f msg/s (%.1f µs a message) at %d reading(s) a step;",
                        e.getValue(),
                        1e6 / e.getValue(),
                        e.getKey())));
    b.setLength(b.length() - 1);
    b.append(".\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "Broker: %s, MQTT 3.1.1,"
                + " default in-flight window; readings reach the sink "
                + deliveryText(r.settings().delivery())
                + "; scorer trained on %d vectors in %.1f s; the whole run %.0f"
                + " s.\nMachine: %s; load average %s at the start, %s at the end (other work on the"
                + " machine); %s UTC;\ncommit %s.\n",
            r.broker(),
            r.trainVectors(),
            r.trainMillis() / 1e3,
            r.nanos() / 1e9,
            machine.describe(),
            load.orElse("?"),
            r.loadAtEnd().orElse("?"),
            date,
            commit.map(c -> "`" + c + "`").orElse("unknown")));
    return b.toString();
  }

  private static String cell(QosResult q, Kind k) {
    double[] range = q.range(k);
    return String.format(Locale.ROOT, "%,.0f (%,.0f – %,.0f)", q.median(k), range[0], range[1]);
  }
}
