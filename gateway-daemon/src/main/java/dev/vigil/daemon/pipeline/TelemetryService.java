package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.TelemetryAlerts;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.metrics.LatencyBuckets;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.series.SeriesSurprise;
import dev.vigil.features.series.SeriesFeatures;
import dev.vigil.features.table.SeriesTable;
import dev.vigil.features.telemetry.BadPayload;
import dev.vigil.features.telemetry.MqttTelemetrySource;
import dev.vigil.features.telemetry.PayloadDecoder;
import dev.vigil.features.telemetry.Reading;
import dev.vigil.features.telemetry.ReadingSink;
import dev.vigil.features.telemetry.TopicTemplate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The telemetry detection path, when {@code telemetry} is configured: subscribes to the devices'
 * MQTT telemetry ({@link MqttTelemetrySource}), turns each device's metrics into one feature vector
 * per series and step ({@link SeriesFeatures}), learns this site's baseline on the device or loads
 * a bundle ({@link ModelManager}, its own instance beside the packet path's), and scores every
 * vector with the ensemble, raising explained alerts that name the device and the metric in the
 * same store, log and {@code GET /alerts} as the packet path's.
 *
 * <p>Threading: everything after decoding runs on the source's one consumer thread: readings
 * ({@link ReadingSink#accept}), the wall-clock tick that closes the steps of silent series ({@link
 * ReadingSink#caughtUp}, at least every 100 ms), scoring, learning and health. Steps close on wall
 * time: a step {@code [t, t + step)} closes once the clock passes {@code t + step +
 * allowed-lateness}, or as soon as a later reading of the same series arrives; a reading for a
 * closed step is counted as late and dropped.
 *
 * <p>Some steps are neither learned nor scored, only counted: a series' first {@value
 * #WARMUP_STEPS} (its rolling windows are still filling), and steps interpolated over a gap in its
 * readings (invented values: after a broker outage every series has them, and they say nothing
 * about the devices). They still advance the series' windows. Failures mark the {@code telemetry}
 * component DOWN in {@link HealthState}; the daemon keeps serving.
 *
 * <p>Device and metric names come from whoever can publish to the broker, so the series are kept in
 * a {@link SeriesTable}: bounded in devices, series and series per device; a series silent for
 * {@code series-idle} is forgotten; a series past its warm-up is established and only ever
 * forgotten for being idle, while a warming one silent for {@link #DISPLACE_AFTER_STEPS} steps may
 * give its place to a new series when the table is full. A flood of new names is refused (counted)
 * or ages out; it cannot push out what detection has learned. Names were checked by the decoder
 * (length, printable) and are quoted wherever this class logs one.
 */
@Singleton
public final class TelemetryService {
  static final String TELEMETRY = "telemetry";

  /**
   * Steps of a new series that are neither learned nor scored: until {@link SeriesFeatures}' long
   * rolling window (128 steps) is full, its statistics are over fewer steps and distributed unlike
   * later ones, so a model learned on them raises false alarms afterwards (measured: with 16 steps
   * of warm-up, 13 % of normal steps alerted at a 1 % target; see TelemetryDaemonTest).
   */
  static final int WARMUP_STEPS = 128;

  /** Index of the feature that is 1 on a step interpolated over a gap. */
  private static final int FILLED = SeriesFeatures.SCHEMA.names().indexOf("filled");

  /**
   * How a series' fused scores become alarms: the same {@link SeriesSurprise} as {@code vigil nab}
   * (fused score, level and season as likelihoods against the series' own history, range check, one
   * alarm per 100 steps, the level learning continually from readings that did not alarm).
   */
  static final SeriesSurprise.Options SURPRISE = SeriesSurprise.Options.defaults();

  /** The same with {@code telemetry.model.continual: false}: the level fixed after warm-up. */
  static final SeriesSurprise.Options SURPRISE_FIXED =
      SURPRISE.withContinual(SeriesSurprise.Continual.OFF);

  /**
   * Steps (plus the allowed lateness) after which a silent warming series may give its place to a
   * new one in a full table: longer than a device that reports every step is ever silent, short
   * enough that names published once (a flood) free their places within seconds to minutes.
   */
  static final int DISPLACE_AFTER_STEPS = 4;

  /** Steps after which a series' baseline (the floor of its deviations) is fixed. */
  static final int BASELINE_STEPS = 256;

  private static final Logger LOG = LoggerFactory.getLogger(TelemetryService.class);

  private final VigilConfig.Telemetry config;
  private final HealthState health;
  private final AlertOutput alerts;
  private final ModelManager models;
  private volatile Thread starter;
  private final MqttTelemetrySource source;
  private final SeriesFeatures features;
  private final long stepMillis;
  private final long latenessMillis;
  private final long tickMillis;

  // consumer thread only (its counters are read by metrics and health)
  private final SeriesTable<SeriesInfo> series;
  private long nextTick;
  private long nextHealth;
  private boolean wasConnected;

  // written by the consumer thread, read by metrics and health
  private final AtomicLong late = new AtomicLong();
  private final AtomicLong futureDropped = new AtomicLong();
  private Counter scored;
  private Counter unscored;
  private Counter warming;
  private Counter filled;
  private Counter raised;
  private Timer latency;
  private volatile String failure;

  /**
   * A tracked series: its place in the table, its names (the vectors carry only their hashes) and
   * closed steps.
   */
  private static final class SeriesInfo extends SeriesTable.Entry {
    final SeriesSurprise surprise;
    long steps;

    SeriesInfo(String device, String metric, SeriesSurprise.Options surprise) {
      super(device, metric);
      this.surprise = new SeriesSurprise(surprise);
    }
  }

  TelemetryService(
      VigilConfig config, HealthState health, AlertOutput alerts, MeterRegistry registry) {
    this.config = config.telemetry().orElse(null);
    this.health = health;
    this.alerts = alerts;
    if (this.config == null) {
      this.models = null;
      this.source = null;
      this.features = null;
      this.stepMillis = 0;
      this.latenessMillis = 0;
      this.tickMillis = 0;
      this.series = null;
      return;
    }
    VigilConfig.Telemetry t = this.config;
    this.stepMillis = t.step().toMillis();
    this.latenessMillis = t.lateness().toMillis();
    this.tickMillis = Math.max(20, Math.min(1000, stepMillis / 4));
    this.series =
        new SeriesTable<>(
            new SeriesTable.Limits(
                t.maxDevices(),
                t.maxSeries(),
                t.maxSeriesPerDevice(),
                t.seriesIdle().toMillis(),
                Math.min(
                    t.seriesIdle().toMillis(), DISPLACE_AFTER_STEPS * stepMillis + latenessMillis)),
            (device, metric) ->
                new SeriesInfo(device, metric, t.continual() ? SURPRISE : SURPRISE_FIXED),
            this::forget);
    this.models =
        new ModelManager(TELEMETRY, t.model(), SeriesFeatures.SCHEMA, t.maxSeries(), null);
    this.features =
        new SeriesFeatures(
            new SeriesFeatures.Options(stepMillis, t.denoise(), BASELINE_STEPS, t.maxSeries()),
            this::onVector);
    PayloadDecoder decoder = new PayloadDecoder(TopicTemplate.compileAll(t.topics()), t.decoder());
    this.source =
        new MqttTelemetrySource(t.mqtt(), decoder, t.queueSize(), new Sink(), t.delivery());
    registerMetrics(registry, decoder);
    health.set(TELEMETRY, ComponentHealth.STARTING, Map.of("state", "waiting"));
  }

  private void registerMetrics(MeterRegistry registry, PayloadDecoder decoder) {
    FunctionCounter.builder("vigil.telemetry.messages", decoder, PayloadDecoder::messages)
        .description("MQTT telemetry messages received (good or bad)")
        .register(registry);
    FunctionCounter.builder("vigil.telemetry.readings", decoder, PayloadDecoder::readings)
        .description("Readings decoded from telemetry messages")
        .register(registry);
    for (BadPayload reason : BadPayload.values()) {
      FunctionCounter.builder("vigil.telemetry.bad.payloads", decoder, d -> d.bad().get(reason))
          .description("Telemetry messages or values that gave no reading, by reason")
          .tag("reason", reason.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    FunctionCounter.builder("vigil.telemetry.readings.late", late, AtomicLong::get)
        .description("Readings dropped because their step had closed")
        .register(registry);
    dropped(registry, "queue_full", this, s -> s.source.stats().overflows());
    for (SeriesTable.Refusal r : SeriesTable.Refusal.values()) {
      dropped(registry, r.name().toLowerCase(Locale.ROOT), series, t -> t.refused(r));
    }
    dropped(registry, "clock_ahead", futureDropped, AtomicLong::get);
    for (SeriesTable.Eviction e : SeriesTable.Eviction.values()) {
      FunctionCounter.builder("vigil.telemetry.series.evicted", series, t -> t.evicted(e))
          .description("Series forgotten to bound the series table, by reason")
          .tag("reason", e.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    scored =
        Counter.builder("vigil.telemetry.vectors.scored")
            .description("Series steps scored by the telemetry model")
            .register(registry);
    unscored =
        Counter.builder("vigil.telemetry.vectors.unscored")
            .description("Series steps not scored because no telemetry model was in service yet")
            .register(registry);
    warming =
        Counter.builder("vigil.telemetry.vectors.skipped")
            .description("Series steps neither learned nor scored, by reason")
            .tag("reason", "warming")
            .register(registry);
    filled =
        Counter.builder("vigil.telemetry.vectors.skipped")
            .description("Series steps neither learned nor scored, by reason")
            .tag("reason", "interpolated")
            .register(registry);
    raised =
        Counter.builder("vigil.telemetry.alerts.raised")
            .description("Alerts raised on telemetry")
            .register(registry);
    latency =
        Timer.builder("vigil.telemetry.score.latency")
            .description("Time to score one series step")
            .serviceLevelObjectives(LatencyBuckets.scoring())
            .register(registry);
    Gauge.builder("vigil.telemetry.broker.connected", this, s -> s.source.isConnected() ? 1 : 0)
        .description("1 while connected and subscribed to the MQTT broker")
        .register(registry);
    FunctionCounter.builder("vigil.telemetry.reconnects", this, s -> s.source.stats().reconnects())
        .description("Successful MQTT connections after the first")
        .register(registry);
    Gauge.builder("vigil.telemetry.series", series, SeriesTable::size)
        .description("Series (device and metric) tracked")
        .register(registry);
    Gauge.builder("vigil.telemetry.devices", series, SeriesTable::devices)
        .description("Devices tracked")
        .register(registry);
    Gauge.builder("vigil.telemetry.model.generation", models, TelemetryService::generation)
        .description("Telemetry model generation in service (0: none yet)")
        .register(registry);
  }

  private static <T> void dropped(
      MeterRegistry registry, String reason, T obj, java.util.function.ToDoubleFunction<T> count) {
    FunctionCounter.builder("vigil.telemetry.readings.dropped", obj, count)
        .description("Readings dropped before feature extraction, by reason")
        .tag("reason", reason)
        .register(registry);
  }

  private static double generation(ModelManager m) {
    ModelManager.Active a = m.active();
    return a == null ? 0 : a.generation();
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    if (config == null) {
      return;
    }
    Thread t = new Thread(this::start, "vigil-telemetry-start");
    t.setDaemon(true);
    starter = t;
    t.start();
  }

  private void start() {
    try {
      ModelManager.Active a = models.initial(ModelManager.logListener());
      if (a != null) {
        LOG.info(
            "telemetry model in service: {} (threshold {})",
            a.origin(),
            a.model().fusion(config.model().precision()).threshold());
      }
    } catch (ModelManager.TrainingStopped e) {
      LOG.info("telemetry model training stopped before its end: the daemon is stopping");
      return;
    } catch (IOException | RuntimeException e) {
      fail("no telemetry model, telemetry detection is off: " + e.getMessage());
      return;
    }
    if (Thread.currentThread().isInterrupted()) {
      return; // the daemon is stopping
    }
    try {
      source.start();
      LOG.info(
          "telemetry: connecting to {}, subscribing to {}",
          config.mqtt().serverUris(),
          source.subscriptions());
    } catch (IOException | RuntimeException e) {
      fail("cannot start MQTT telemetry: " + e.getMessage());
      return;
    }
    publishHealth();
  }

  private void fail(String message) {
    failure = message;
    LOG.error(message);
    health.set(TELEMETRY, ComponentHealth.DOWN, Map.of("error", message));
  }

  /**
   * Stops telemetry: training in progress (the first model or a background round) ends at its next
   * epoch and writes nothing, waited for {@value DetectionService#STOP_WAIT_MS} ms at most each,
   * then the MQTT source closes.
   */
  @PreDestroy
  void stop() {
    Thread t = starter;
    try {
      if (t != null) {
        t.interrupt();
        t.join(DetectionService.STOP_WAIT_MS);
      }
      if (models != null) {
        models.close(DetectionService.STOP_WAIT_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (source != null) {
      source.close();
    }
  }

  /** Waits for background training of the telemetry model (tests). */
  void awaitTraining(long millis) throws InterruptedException {
    if (models != null) {
      models.awaitTraining(millis);
    }
  }

  // ---- consumer thread

  private final class Sink implements ReadingSink {
    @Override
    public void accept(Reading r) {
      onReading(r);
      maybeTick();
    }

    @Override
    public void caughtUp() {
      maybeTick();
    }
  }

  private void onReading(Reading r) {
    long now = System.currentTimeMillis();
    if (r.timestampMillis() > now + Math.max(stepMillis, 60_000)) {
      futureDropped.incrementAndGet(); // a device clock far ahead would close nothing on time
      return;
    }
    if (series.touch(r.device(), r.metric(), monotonicMillis()) == null) {
      return; // refused (counted by the table): no room, and nothing idle to make room
    }
    features.offer(r.device(), r.metric(), r.timestampMillis(), r.value(), r.payloadBytes());
  }

  private void maybeTick() {
    long now = System.currentTimeMillis();
    if (now < nextTick) {
      return;
    }
    nextTick = now + tickMillis;
    series.sweep(monotonicMillis());
    features.tick(now - latenessMillis);
    late.set(features.late());
    models.scorer(); // a model trained in the background goes into service here
    if (now >= nextHealth) {
      nextHealth = now + 1000;
      publishHealth();
    }
  }

  /** Frees the features of a series the table forgot. */
  private void forget(SeriesInfo s, SeriesTable.Eviction why) {
    features.remove(s.device(), s.metric());
  }

  /** Milliseconds of a clock that never goes back, for the series table's idle times. */
  private static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
  }

  private void onVector(long hi, long lo, long stepStartMillis, float[] v) {
    SeriesInfo s = series.find(features.emittingDevice(), features.emittingMetric());
    if (s == null) {
      return; // not possible: the table removes from the features every series it forgets
    }
    double value = features.emittingValue(); // NaN for an interpolated step
    s.steps++;
    if (s.steps <= WARMUP_STEPS) {
      warming.increment();
      s.surprise.observe(value);
      return;
    }
    series.establish(s); // learned or scored from now on: only ever forgotten for being idle
    if (v[FILLED] != 0) {
      filled.increment();
      return;
    }
    long endMicros = (stepStartMillis + stepMillis) * 1000;
    boolean collecting = models.collecting();
    EnsembleScorer scorer = models.scorer();
    if (scorer == null) {
      unscored.increment();
      models.offer(hi, lo, endMicros, v, false, false, false);
      s.surprise.observe(value);
    } else {
      long t0 = System.nanoTime();
      double fused = scorer.score(hi, lo, stepStartMillis, v);
      double surprise = s.surprise.update(fused, value);
      latency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
      scored.increment();
      boolean flagged = surprise >= SeriesSurprise.RED;
      boolean high =
          scorer.anomalous() && scorer.severity().compareTo(Severity.HIGH) >= 0
              || SeriesSurprise.severity(surprise).compareTo(Severity.HIGH) >= 0;
      // continual learning never keeps a step that alerted or that the model found anomalous
      models.offer(hi, lo, endMicros, v, true, flagged || scorer.anomalous(), high);
      if (flagged) {
        alert(s, stepStartMillis, scorer, surprise, value);
      }
    }
    if (collecting && !models.collecting()) {
      features.freezeBaselines(); // what was learned is what the baselines describe
    }
  }

  private void alert(
      SeriesInfo s, long stepStartMillis, EnsembleScorer scorer, double surprise, double value) {
    alerts.publish(
        TelemetryAlerts.of(
            new Alert.Series(s.device(), s.metric(), stepMillis / 1000.0),
            stepStartMillis,
            stepMillis,
            new TelemetryAlerts.Surprise(
                surprise, s.surprise.channel(), explain(s.surprise, value)),
            scorer.explain(3),
            scorer.model().schema().id()));
    raised.increment();
  }

  /** One line on what made a series' step surprising. */
  static String explain(SeriesSurprise sp, double value) {
    return switch (sp.channel()) {
      case RANGE -> {
        double[] r = sp.rangeBefore();
        yield String.format(
            Locale.ROOT, "value %.4g beyond the range seen [%.4g, %.4g]", value, r[0], r[1]);
      }
      case LEVEL ->
          String.format(
              Locale.ROOT,
              "value %.4g against the learned level %.4g ± %.3g",
              value,
              sp.levelMean(),
              sp.levelSd());
      case SEASON ->
          String.format(
              Locale.ROOT,
              "value %.4g departs from the learned %d-step season",
              value,
              sp.period());
      case ENSEMBLE -> "the ensemble's score stands out against its recent history";
    };
  }

  private void publishHealth() {
    if (failure != null) {
      return;
    }
    MqttTelemetrySource.Stats st = source.stats();
    boolean connected = st.connected();
    wasConnected |= connected;
    ModelManager.Active a = models.active();
    String state;
    String status;
    if (!connected) {
      state = wasConnected ? "reconnecting" : "connecting";
      status = wasConnected ? ComponentHealth.DOWN : ComponentHealth.STARTING;
    } else if (a == null && models.collecting()) {
      state = "learning";
      status = ComponentHealth.UP;
    } else if (a == null && models.learnState().startsWith("training")) {
      state = "training";
      status = ComponentHealth.UP;
    } else if (a == null) {
      state = "no model: " + models.learnState(); // learning failed: an operator must act
      status = ComponentHealth.DOWN;
    } else {
      state = "scoring";
      status = ComponentHealth.UP;
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("state", state);
    d.put("connected", connected);
    d.put("brokers", config.mqtt().serverUris());
    d.put("subscriptions", source.subscriptions());
    d.put("messages", st.messages());
    d.put("readings", st.readings());
    Map<String, Long> bad = new LinkedHashMap<>();
    Map<BadPayload, Long> byReason = new EnumMap<>(st.bad());
    byReason.forEach((r, n) -> bad.put(r.name().toLowerCase(Locale.ROOT), n));
    d.put("bad_payloads", bad);
    d.put("late", late.get());
    Map<String, Long> dropped = new LinkedHashMap<>();
    dropped.put("queue_full", st.overflows());
    for (SeriesTable.Refusal r : SeriesTable.Refusal.values()) {
      dropped.put(r.name().toLowerCase(Locale.ROOT), series.refused(r));
    }
    dropped.put("clock_ahead", futureDropped.get());
    d.put("dropped", dropped);
    Map<String, Long> evicted = new LinkedHashMap<>();
    for (SeriesTable.Eviction e : SeriesTable.Eviction.values()) {
      evicted.put(e.name().toLowerCase(Locale.ROOT), series.evicted(e));
    }
    d.put("series_evicted", evicted);
    d.put("devices", (long) series.devices());
    d.put("series", (long) series.size());
    d.put("vectors_scored", (long) scored.count());
    d.put("vectors_unscored", (long) unscored.count());
    d.put(
        "vectors_skipped",
        Map.of("warming", (long) warming.count(), "interpolated", (long) filled.count()));
    d.put("alerts", (long) raised.count());
    d.put("connects", st.connects());
    d.put("reconnects", st.reconnects());
    if (st.lastError() != null) {
      d.put("last_error", st.lastError());
    }
    d.put("step", config.step().toString());
    d.put("model", models.details());
    health.set(TELEMETRY, status, d);
  }

  /**
   * On reload: swaps in the telemetry model bundle if its file changed (see {@link
   * ModelManager#reloadBundle}).
   *
   * @return what happened, or null when telemetry is off or the bundle did not change
   * @throws java.io.IOException when the changed bundle does not verify
   */
  public String reloadModel() throws java.io.IOException {
    return models == null ? null : models.reloadBundle();
  }
}
