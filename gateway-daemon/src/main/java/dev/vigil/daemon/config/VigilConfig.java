package dev.vigil.daemon.config;

import dev.vigil.detect.model.Precision;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.capture.CaptureOptions;
import dev.vigil.features.telemetry.DecoderOptions;
import dev.vigil.features.telemetry.MqttOptions;
import dev.vigil.train.ModelTrainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The daemon's validated configuration, as loaded by {@link ConfigLoader}. Paths are absolute.
 *
 * @param source where the configuration came from (file path or {@code classpath:} name), for
 *     messages
 * @param api the REST listener
 * @param capture what to read packets from; null when the packet path is off (a telemetry-only
 *     gateway: no {@code capture} section and telemetry enabled)
 * @param features window settings
 * @param model how the packet detector is built
 * @param alerts where alerts go
 * @param telemetry device telemetry over MQTT, present when enabled
 * @param mitigation decisions on alerts (policy, store, backends, REST), present when configured
 * @param logging log levels and the alert lines' rate
 * @param secretFiles the files holding secrets (tokens, passwords, private keys), by key: the
 *     daemon refuses to run on one that others than its owner may read ({@link SecretFiles})
 */
public record VigilConfig(
    String source,
    Api api,
    Capture capture,
    Features features,
    Model model,
    Alerts alerts,
    Optional<Telemetry> telemetry,
    Optional<Mitigation> mitigation,
    Logging logging,
    Map<String, Path> secretFiles) {

  /** Validates and copies. */
  public VigilConfig {
    secretFiles = Collections.unmodifiableMap(new LinkedHashMap<>(secretFiles));
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(telemetry, "telemetry");
    Objects.requireNonNull(mitigation, "mitigation");
    Objects.requireNonNull(logging, "logging");
    if (capture == null && telemetry.isEmpty()) {
      throw new IllegalArgumentException("capture is required unless telemetry is enabled");
    }
  }

  /** Creates a configuration that names no secret file. */
  public VigilConfig(
      String source,
      Api api,
      Capture capture,
      Features features,
      Model model,
      Alerts alerts,
      Optional<Telemetry> telemetry,
      Optional<Mitigation> mitigation,
      Logging logging) {
    this(source, api, capture, features, model, alerts, telemetry, mitigation, logging, Map.of());
  }

  /** Creates a configuration with the default logging. */
  public VigilConfig(
      String source,
      Api api,
      Capture capture,
      Features features,
      Model model,
      Alerts alerts,
      Optional<Telemetry> telemetry,
      Optional<Mitigation> mitigation) {
    this(source, api, capture, features, model, alerts, telemetry, mitigation, Logging.DEFAULT);
  }

  /**
   * Logging.
   *
   * @param levels log level by logger name ({@code root}, a package or a class): off, error, warn,
   *     info, debug or trace
   * @param alertsPerMinute most alerts written to the log (one WARN line each) in a minute; the
   *     rest are counted; 0 writes none
   */
  public record Logging(java.util.Map<String, String> levels, int alertsPerMinute) {
    /** No level set (the built-in ones), 60 alert lines a minute. */
    public static final Logging DEFAULT = new Logging(java.util.Map.of(), 60);
  }

  /** Creates a configuration without telemetry and without mitigation. */
  public VigilConfig(
      String source, Api api, Capture capture, Features features, Model model, Alerts alerts) {
    this(source, api, capture, features, model, alerts, Optional.empty(), Optional.empty());
  }

  /** Creates a configuration without mitigation. */
  public VigilConfig(
      String source,
      Api api,
      Capture capture,
      Features features,
      Model model,
      Alerts alerts,
      Optional<Telemetry> telemetry) {
    this(source, api, capture, features, model, alerts, telemetry, Optional.empty());
  }

  /** Returns whether packets are captured and scored (false on a telemetry-only gateway). */
  public boolean packetPath() {
    return capture != null;
  }

  /**
   * The REST listener.
   *
   * @param host address to bind, loopback by default
   * @param port TCP port, 0 for any free one
   * @param readTokenFile the bearer token the read endpoints ({@code /alerts}, {@code GET
   *     /decisions}, {@code /metrics}, {@code /prometheus}) need; empty: they are open ({@code
   *     /health} always is)
   */
  public record Api(String host, int port, Optional<Path> readTokenFile) {
    /** Validates. */
    public Api {
      Objects.requireNonNull(readTokenFile, "readTokenFile");
    }

    /** Creates API settings whose reads need no token. */
    public Api(String host, int port) {
      this(host, port, Optional.empty());
    }
  }

  /**
   * The packet source: a capture file or a live interface, exactly one.
   *
   * @param pcap capture file read once, in file order; null for live capture
   * @param live live capture settings; null for a file
   * @param ringSlots frames buffered between the capture thread and processing (live capture)
   */
  public record Capture(Path pcap, CaptureOptions live, int ringSlots) {
    /** Returns whether this is a live capture. */
    public boolean isLive() {
      return live != null;
    }

    /** Returns the file or interface, for messages. */
    public String source() {
      return isLive() ? "interface " + live.device() : pcap.toString();
    }
  }

  /**
   * Window settings.
   *
   * @param set which per-host features to extract
   * @param window length of a host's window
   * @param maxHosts most hosts tracked at once
   * @param beacon the beacon tracker's settings (live capture and capture files alike), or null
   *     when it is off
   * @param authFailures the authentication-failure tracker's settings, or null when it is off
   * @param earlyWindows early windows' settings, or null when they are off
   * @param scan the scan detector's settings, or null when it is off
   * @param flood the flood detector's settings, or null when it is off
   */
  public record Features(
      FeatureSet set,
      Duration window,
      int maxHosts,
      dev.vigil.features.flow.BeaconTracker.Options beacon,
      dev.vigil.features.flow.AuthFailureTracker.Options authFailures,
      EarlyWindows earlyWindows,
      dev.vigil.features.flow.ScanDetector.Options scan,
      dev.vigil.features.flow.FloodDetector.Options flood) {}

  /**
   * Early windows ({@code features.early-windows}): a host whose in-progress window already has a
   * count past the benign maximum of the model in service by {@code margin} is scored at once
   * rather than at the window's end (see {@code WindowedHostTable}, {@code
   * FeatureScaler.beyondRange}).
   *
   * @param margin how far past the benign maximum, as a fraction of the feature's benign range
   *     after the scaler's log1p: 0 to 10 ({@code FeatureScaler.DEFAULT_BEYOND_MARGIN} unless set)
   */
  public record EarlyWindows(double margin) {}

  /**
   * How a detection model is obtained and used (the packet path's, or the telemetry path's).
   *
   * @param bundle model bundle: loaded at start if it exists; a model trained by the daemon is
   *     saved there; null for none
   * @param precision runtime precision of scoring
   * @param trainPcaps benign captures to train on at start when no bundle exists (files; folders
   *     are searched for {@code *.pcap}/{@code *.pcapng}); may be empty, and always is for
   *     telemetry
   * @param learn on-device baseline learning, or null
   * @param continual continual learning once a model is in service, or null (off)
   * @param training how models are trained (scaling, networks, forest, fusion)
   */
  public record Model(
      Path bundle,
      Precision precision,
      List<Path> trainPcaps,
      Learn learn,
      Continual continual,
      ModelTrainer.Config training) {
    /** Copies the list. */
    public Model {
      Objects.requireNonNull(precision, "precision");
      Objects.requireNonNull(training, "training");
      trainPcaps = List.copyOf(trainPcaps);
    }
  }

  /**
   * On-device baseline learning: collect the live vectors of this network for a period (capture
   * time), then train in the background at low priority and swap the new model in while capture
   * continues.
   *
   * @param duration how long to collect
   * @param minVectors fewest vectors to train on (collection goes on until reached)
   * @param maxVectors most vectors kept (later ones are counted and skipped)
   */
  public record Learn(Duration duration, int minVectors, int maxVectors) {}

  /**
   * Continual learning ({@code continual} in a model section): once a model is in service, the
   * vectors it scores that did not alert are sampled (runs of consecutive vectors, each run of the
   * round equally likely to be kept, at most {@code perEntity} vectors of each host or series, for
   * at most as many entities as the scorer tracks), and every {@code every} of capture time the
   * model is retrained on the sample (and on what the model in service was trained on, newest
   * first, up to {@code maxVectors}) in the background at low priority, its threshold calibrated on
   * held-out sampled vectors, and swapped in as a learned model is. A vector that alerted, or that
   * the model found anomalous, is never kept, so the model only learns what it already judged
   * normal; one entity's share of a round is bounded by {@code perEntity}.
   *
   * @param every how often (capture time) the model is retrained
   * @param minVectors fewest sampled vectors a retrain needs (a round with fewer goes on)
   * @param perEntity most vectors sampled per host or series and round
   * @param maxVectors most vectors sampled in a round in all (memory bound: later ones are counted
   *     as refused)
   * @param grace how long a LAN device first seen after the model in service was trained is not
   *     alerted on by the model, short of a critical score (zero: no grace); its windows are
   *     learned meanwhile, and a round ends early at half of it
   * @param graceHosts most hosts in grace at once (later new hosts get none)
   */
  public record Continual(
      Duration every,
      int minVectors,
      int perEntity,
      int maxVectors,
      Duration grace,
      int graceHosts) {}

  /**
   * Alert outputs.
   *
   * @param eveLog JSON-lines event log (Suricata's eve.json: alerts and decisions), if any
   * @param keep most alerts kept in memory for {@code GET /alerts}
   * @param host the sensor's name every event carries ({@code host}): the machine's host name
   *     unless configured
   */
  public record Alerts(Optional<Path> eveLog, int keep, String host) {
    /** Validates. */
    public Alerts {
      Objects.requireNonNull(eveLog, "eveLog");
      Objects.requireNonNull(host, "host");
    }
  }

  /**
   * Device telemetry over MQTT: readings are bucketed per device and metric into steps, each step
   * described against the series' own past, and scored by a model of their own.
   *
   * @param mqtt broker connection, session and subscriptions (none: the topics' filters)
   * @param topics topic templates naming where the device and the metric are, tried in order
   * @param decoder payload format and limits
   * @param step length of a series' step
   * @param lateness how long after a step ends readings for it are still waited for
   * @param denoise whether each step's value is Haar-denoised over the last 8 steps
   * @param maxDevices most devices tracked; readings of further devices are counted and dropped
   * @param maxSeries most series (device and metric) tracked; further ones are counted and dropped
   * @param maxSeriesPerDevice most series of one device; its further ones are counted and dropped
   * @param seriesIdle a series without a reading for this long is forgotten (its place freed)
   * @param queueSize readings buffered between the MQTT client and scoring (a power of two), with
   *     queued delivery
   * @param delivery how readings reach scoring: on the MQTT thread (direct) or through the queue
   * @param model how the telemetry model is obtained (bundle or on-device learning)
   * @param continual whether each series' level reference keeps learning after the model's learning
   *     period from readings that did not alarm, at a bounded rate ({@code
   *     telemetry.model.continual}; see {@link dev.vigil.detect.series.SeriesSurprise.Continual})
   */
  public record Telemetry(
      MqttOptions mqtt,
      List<String> topics,
      DecoderOptions decoder,
      Duration step,
      Duration lateness,
      boolean denoise,
      int maxDevices,
      int maxSeries,
      int maxSeriesPerDevice,
      Duration seriesIdle,
      int queueSize,
      dev.vigil.features.telemetry.MqttTelemetrySource.Delivery delivery,
      Model model,
      boolean continual) {
    /** How readings reach scoring unless {@code telemetry.delivery} says otherwise. */
    public static final dev.vigil.features.telemetry.MqttTelemetrySource.Delivery DEFAULT_DELIVERY =
        dev.vigil.features.telemetry.MqttTelemetrySource.Delivery.DIRECT;

    /** Validates and copies. */
    public Telemetry {
      Objects.requireNonNull(mqtt, "mqtt");
      Objects.requireNonNull(delivery, "delivery");
      Objects.requireNonNull(decoder, "decoder");
      Objects.requireNonNull(step, "step");
      Objects.requireNonNull(lateness, "lateness");
      Objects.requireNonNull(seriesIdle, "seriesIdle");
      Objects.requireNonNull(model, "model");
      topics = List.copyOf(topics);
      if (topics.isEmpty()) {
        throw new IllegalArgumentException("at least one topic template is needed");
      }
    }
  }

  /**
   * Mitigation: alerts become verdicts, a policy turns them into decisions with a time to live,
   * stored durably and carried out by backends; operators list, add and lift decisions over REST.
   *
   * @param policyFile the policy file (already loaded and validated into {@code policy})
   * @param policy the policy
   * @param store the SQLite file holding decisions and alerts
   * @param tokenFile file holding the bearer token of mutating REST calls; empty: mutations are
   *     refused
   * @param actions mitigator types that carry out each action, in order (an empty list: the
   *     decision is only stored)
   * @param mitigators each mitigator type's settings, passed to its {@code configure}
   * @param sweep how often expired decisions are revoked
   * @param reconcile how often backends are reconciled with the stored decisions
   * @param maxManualTtl longest time to live of a decision posted over REST
   * @param queueSize alerts waiting to be stored and decided on (overflow is counted and dropped)
   * @param backendDeadline longest one backend call (apply, revoke, reconcile) may take before it
   *     is abandoned and counted as failed
   * @param identityRefresh how often the gateway's own addresses, default routes' next hops and DNS
   *     and DHCP servers are read again into the allowlist (at most 30 s)
   */
  public record Mitigation(
      Path policyFile,
      dev.vigil.mitigate.policy.Policy policy,
      Path store,
      Optional<Path> tokenFile,
      java.util.Map<dev.vigil.mitigate.api.Decision.Action, List<String>> actions,
      java.util.Map<String, java.util.Map<String, Object>> mitigators,
      Duration sweep,
      Duration reconcile,
      Duration maxManualTtl,
      int queueSize,
      Duration backendDeadline,
      Duration identityRefresh) {
    /** Validates and copies. */
    public Mitigation {
      Objects.requireNonNull(identityRefresh, "identityRefresh");
      Objects.requireNonNull(policyFile, "policyFile");
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(tokenFile, "tokenFile");
      Objects.requireNonNull(sweep, "sweep");
      Objects.requireNonNull(reconcile, "reconcile");
      Objects.requireNonNull(maxManualTtl, "maxManualTtl");
      Objects.requireNonNull(backendDeadline, "backendDeadline");
      java.util.Map<dev.vigil.mitigate.api.Decision.Action, List<String>> a =
          new java.util.EnumMap<>(dev.vigil.mitigate.api.Decision.Action.class);
      actions.forEach((k, v) -> a.put(k, List.copyOf(v)));
      actions = java.util.Collections.unmodifiableMap(a);
      mitigators = java.util.Map.copyOf(mitigators);
    }
  }
}
