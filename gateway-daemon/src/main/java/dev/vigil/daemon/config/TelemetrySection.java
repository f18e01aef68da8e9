package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.features.telemetry.DecoderOptions;
import dev.vigil.features.telemetry.MqttOptions;
import dev.vigil.features.telemetry.MqttTelemetrySource;
import dev.vigil.features.telemetry.TopicTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code telemetry} section for {@link ConfigLoader}, with the same strictness: every
 * problem is reported with its key, and each value is checked by the library type that will use it
 * (broker URIs and TLS files by {@link MqttOptions}, topics by {@link TopicTemplate}, payload
 * settings by {@link DecoderOptions}) so that nothing can fail later at start.
 *
 * <p>A section with {@code enabled: false} is still checked for unknown keys and wrong types (a
 * typo stays a typo), but what only matters in use is not required: brokers, a model source, and
 * that the TLS and password files exist.
 */
final class TelemetrySection {
  static final Set<String> KEYS =
      Set.of(
          "enabled",
          "mqtt",
          "topics",
          "payload",
          "step",
          "allowed-lateness",
          "denoise",
          "max-devices",
          "max-series",
          "max-series-per-device",
          "series-idle",
          "queue-size",
          "delivery",
          "model");

  static final Set<String> MQTT_KEYS =
      Set.of(
          "brokers",
          "client-id",
          "version",
          "username",
          "password",
          "password-file",
          "tls",
          "qos",
          "clean-session",
          "session-expiry",
          "keep-alive",
          "connect-timeout",
          "reconnect",
          "subscriptions");

  /**
   * Shortest {@code series-idle}, in steps (plus the allowed lateness): a series is not forgotten
   * before it could have missed a few readings.
   */
  static final int SERIES_IDLE_MIN_STEPS = 4;

  /** Topic templates used when {@code telemetry.topics} is not set. */
  static final List<String> DEFAULT_TOPICS =
      List.of("devices/{device}/telemetry", "sensors/{device}/{metric}");

  private final ConfigLoader loader;
  private final boolean enabled;

  private TelemetrySection(ConfigLoader loader, boolean enabled) {
    this.loader = loader;
    this.enabled = enabled;
  }

  /**
   * Reads the section; returns the settings when the section is present and enabled, else empty.
   * Problems are added to {@code loader}'s list.
   *
   * @param present whether the configuration has a {@code telemetry} section
   * @param packetModel the packet path's model settings (the bundles must differ)
   */
  static Optional<VigilConfig.Telemetry> parse(
      ConfigLoader loader, StrictSettings t, boolean present, VigilConfig.Model packetModel) {
    if (!present) {
      return Optional.empty();
    }
    boolean enabled = t.bool("enabled", true);
    return new TelemetrySection(loader, enabled).read(t, packetModel);
  }

  private void problem(String text) {
    loader.problem(text);
  }

  private Optional<VigilConfig.Telemetry> read(StrictSettings t, VigilConfig.Model packets) {
    StrictSettings mqttS = t.section("mqtt", MQTT_KEYS);
    MqttOptions mqtt = mqtt(mqttS);

    List<String> topics = t.nonEmptyStrings("topics");
    if (topics == null) {
      topics = DEFAULT_TOPICS;
    }
    for (int i = 0; i < topics.size(); i++) {
      try {
        TopicTemplate.compile(topics.get(i));
      } catch (IllegalArgumentException e) {
        problem(t.key("topics") + "[" + i + "]: " + e.getMessage());
      }
    }

    DecoderOptions decoder = payload(t.section("payload", PAYLOAD_KEYS));

    Duration step =
        t.duration("step", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1));
    Duration lateness =
        t.duration("allowed-lateness", Duration.ofSeconds(1), Duration.ZERO, Duration.ofHours(1));
    boolean denoise = t.bool("denoise", false);
    int maxDevices = t.integer("max-devices", 1024, 1, 1_000_000);
    int maxSeries = t.integer("max-series", 8192, 1, 1_000_000);
    if (maxSeries < maxDevices) {
      problem(
          t.key("max-series")
              + ": must be at least max-devices ("
              + maxDevices
              + "), each device has one series per metric");
    }
    int maxPerDevice = t.integer("max-series-per-device", Math.min(64, maxSeries), 1, 1_000_000);
    if (maxPerDevice > maxSeries) {
      problem(
          t.key("max-series-per-device")
              + ": must be at most max-series ("
              + maxSeries
              + "), was "
              + maxPerDevice);
    }
    Duration idleMin = step.multipliedBy(SERIES_IDLE_MIN_STEPS).plus(lateness);
    Duration idleDefault =
        idleMin.compareTo(Duration.ofHours(1)) > 0 ? idleMin : Duration.ofHours(1);
    Duration seriesIdle =
        t.duration("series-idle", idleDefault, Duration.ofSeconds(1), Duration.ofDays(30));
    if (seriesIdle.compareTo(idleMin) < 0) {
      problem(
          t.key("series-idle")
              + ": must be at least "
              + SERIES_IDLE_MIN_STEPS
              + " steps plus allowed-lateness ("
              + t.text(idleMin)
              + "), was "
              + t.text(seriesIdle)
              + ": a series that reports every step would be forgotten between readings");
    }
    int queueSize = t.integer("queue-size", 65_536, 2, 1 << 24);
    if (Integer.bitCount(queueSize) != 1) {
      problem(t.key("queue-size") + ": must be a power of two, was " + queueSize);
    }
    String deliveryText = t.string("delivery", "direct");
    MqttTelemetrySource.Delivery delivery = VigilConfig.Telemetry.DEFAULT_DELIVERY;
    switch (deliveryText) {
      case "direct" -> delivery = MqttTelemetrySource.Delivery.DIRECT;
      case "queued" -> delivery = MqttTelemetrySource.Delivery.QUEUED;
      default ->
          problem(t.key("delivery") + ": expected direct or queued, got '" + deliveryText + "'");
    }

    StrictSettings modelS = t.section("model", ModelSection.keys(false));
    VigilConfig.Model model = ModelSection.parse(loader, modelS, false);
    boolean continual = modelS.bool("continual", true);
    Path bundle = model.bundle();
    if (enabled && (bundle == null || !Files.isRegularFile(bundle)) && model.learn() == null) {
      problem(
          modelS.path()
              + ": no way to get a model; set "
              + modelS.key("bundle")
              + " to an existing bundle, or "
              + modelS.key("learn")
              + " to learn the baseline on the device"
              + (bundle == null ? "" : " (bundle [" + bundle + "] does not exist)"));
    }
    if (bundle != null && bundle.equals(packets.bundle())) {
      problem(
          modelS.key("bundle")
              + ": must differ from model.bundle ["
              + bundle
              + "]: telemetry and packets each have their own model");
    }
    if (!enabled || mqtt == null || decoder == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new VigilConfig.Telemetry(
              mqtt,
              topics,
              decoder,
              step,
              lateness,
              denoise,
              maxDevices,
              maxSeries,
              maxPerDevice,
              seriesIdle,
              queueSize,
              delivery,
              model,
              continual));
    } catch (IllegalArgumentException e) {
      problem(t.path() + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private MqttOptions mqtt(StrictSettings m) {
    List<String> brokers = m.nonEmptyStrings("brokers");
    if (brokers == null && !m.has("brokers") && enabled) {
      problem(
          m.key("brokers")
              + ": required, a list of broker URIs such as [tcp://127.0.0.1:1883] or"
              + " [ssl://broker.lan:8883]");
    }
    boolean anySsl = false;
    if (brokers != null) {
      for (int i = 0; i < brokers.size(); i++) {
        try {
          String n = MqttOptions.defaults(brokers.get(i), "check").serverUris().get(0);
          anySsl |= n.startsWith("ssl://");
        } catch (IllegalArgumentException e) {
          problem(m.key("brokers") + "[" + i + "]: " + e.getMessage());
          brokers = null;
          break;
        }
      }
    }
    String clientId = m.string("client-id", "vigil");
    int version = m.integer("version", 3, 3, 5);
    if (version == 4) {
      problem(m.key("version") + ": expected 3 (MQTT 3.1.1) or 5 (MQTT 5.0), was 4");
      version = 3;
    }
    MqttOptions.Protocol protocol =
        version == 5 ? MqttOptions.Protocol.V5 : MqttOptions.Protocol.V3_1_1;
    String username = m.has("username") ? m.string("username", null) : null;
    String password = m.has("password") ? m.string("password", null) : null;
    if (m.has("password-file")) {
      if (m.has("password")) {
        problem(m.path() + ": set password or password-file, not both");
      }
      Optional<Path> f = loader.secretPath(m, "password-file", enabled);
      if (enabled && f.isPresent() && Files.isRegularFile(f.get())) {
        try {
          password = Files.readString(f.get(), StandardCharsets.UTF_8).strip();
          if (password.isEmpty()) {
            problem(m.key("password-file") + ": [" + f.get() + "] is empty");
          }
        } catch (IOException e) {
          problem(m.key("password-file") + ": cannot read [" + f.get() + "]: " + e.getMessage());
        }
      }
    }
    if (password != null && username == null && protocol == MqttOptions.Protocol.V3_1_1) {
      problem(m.key("username") + ": required with a password for MQTT 3.1.1 (version: 3)");
    }
    MqttOptions.Tls tls = null;
    if (m.has("tls")) {
      StrictSettings s = m.section("tls", Set.of("ca", "cert", "key", "verify-hostname"));
      Path ca = loader.optionalPath(s, "ca", enabled).orElse(null);
      Path cert = loader.optionalPath(s, "cert", enabled).orElse(null);
      Path key = loader.secretPath(s, "key", enabled).orElse(null);
      boolean verify = s.bool("verify-hostname", true);
      if ((cert == null) != (key == null)) {
        problem(s.path() + ": set cert and key together (the client certificate and its key)");
      } else if (enabled) {
        try {
          tls = new MqttOptions.Tls(ca, cert, key, null, null, verify);
        } catch (IllegalArgumentException e) {
          problem(s.path() + ": " + e.getMessage());
        }
      }
      if (brokers != null && !anySsl) {
        problem(s.path() + ": set, but no broker URI uses ssl:// (" + brokers + ")");
        tls = null;
      }
    }
    int qos = m.integer("qos", 1, 0, 2);
    boolean clean = m.bool("clean-session", true);
    Duration expiryDefault =
        protocol == MqttOptions.Protocol.V5 && !clean ? Duration.ofDays(1) : Duration.ZERO;
    Duration expiry =
        m.duration(
            "session-expiry",
            expiryDefault,
            Duration.ZERO,
            Duration.ofSeconds(MqttOptions.MAX_SESSION_EXPIRY_SECONDS));
    if (m.has("session-expiry") && protocol == MqttOptions.Protocol.V3_1_1) {
      problem(
          m.key("session-expiry")
              + ": an MQTT 5 setting (version: 5); a persistent MQTT 3.1.1 session is kept until"
              + " the client cleans it");
      expiry = Duration.ZERO;
    } else if (protocol == MqttOptions.Protocol.V5 && !clean && expiry.isZero()) {
      problem(
          m.key("session-expiry")
              + ": must be positive for a persistent MQTT 5 session (clean-session: false)");
      expiry = Duration.ofDays(1);
    }
    Duration keepAlive =
        m.duration("keep-alive", Duration.ofSeconds(30), Duration.ZERO, Duration.ofSeconds(65_535));
    if (keepAlive.getNano() != 0) {
      problem(m.key("keep-alive") + ": must be whole seconds, was " + keepAlive);
      keepAlive = Duration.ofSeconds(30);
    }
    Duration connectTimeout =
        m.duration(
            "connect-timeout",
            Duration.ofSeconds(10),
            Duration.ofSeconds(1),
            Duration.ofMinutes(5));
    StrictSettings r = m.section("reconnect", Set.of("min-delay", "max-delay"));
    Duration minDelay =
        r.duration("min-delay", Duration.ofMillis(100), Duration.ofMillis(10), Duration.ofHours(1));
    Duration maxDelay =
        r.duration("max-delay", Duration.ofSeconds(30), Duration.ofMillis(10), Duration.ofHours(1));
    if (maxDelay.compareTo(minDelay) < 0) {
      problem(r.key("max-delay") + ": must be at least min-delay (" + minDelay + ")");
      maxDelay = minDelay;
    }
    List<String> subs = m.nonEmptyStrings("subscriptions");
    if (subs == null) {
      subs = List.of();
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < subs.size(); i++) {
      try {
        MqttOptions.defaults("tcp://check", "check").withSubscriptions(List.of(subs.get(i)));
        if (!seen.add(subs.get(i))) {
          problem(m.key("subscriptions") + "[" + i + "]: '" + subs.get(i) + "' is listed twice");
        }
      } catch (IllegalArgumentException e) {
        problem(m.key("subscriptions") + "[" + i + "]: " + e.getMessage());
      }
    }
    if (brokers == null || brokers.isEmpty() || !enabled) {
      return null;
    }
    try {
      return new MqttOptions(
          brokers,
          clientId,
          username,
          password,
          tls,
          protocol,
          qos,
          clean,
          expiry.getSeconds(),
          keepAlive,
          connectTimeout,
          minDelay,
          maxDelay,
          seen.size() == subs.size() ? subs : List.copyOf(seen));
    } catch (IllegalArgumentException e) {
      problem(m.path() + ": " + e.getMessage());
      return null;
    }
  }

  static final Set<String> PAYLOAD_KEYS =
      Set.of(
          "format",
          "timestamp-field",
          "max-bytes",
          "max-depth",
          "max-name-length",
          "allowed-devices");

  private DecoderOptions payload(StrictSettings p) {
    String formatText = p.string("format", "auto");
    DecoderOptions.Format format = DecoderOptions.Format.AUTO;
    try {
      format = DecoderOptions.Format.valueOf(formatText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problem(p.key("format") + ": expected auto, json, number or edgex, got '" + formatText + "'");
    }
    String ts = p.string("timestamp-field", "ts");
    if (ts.equals("none")) {
      ts = "";
    }
    int maxBytes =
        p.integer(
            "max-bytes",
            DecoderOptions.DEFAULT_MAX_PAYLOAD_BYTES,
            1,
            DecoderOptions.MQTT_MAX_PAYLOAD_BYTES);
    int maxDepth = p.integer("max-depth", 8, 1, DecoderOptions.MAX_DEPTH);
    int maxNameLength =
        p.integer(
            "max-name-length",
            DecoderOptions.DEFAULT_MAX_NAME_LENGTH,
            1,
            DecoderOptions.MAX_NAME_LENGTH);
    List<String> devices = p.nonEmptyStrings("allowed-devices");
    try {
      return new DecoderOptions(
          maxBytes,
          devices == null ? Set.of() : Set.copyOf(devices),
          ts,
          maxDepth,
          format,
          maxNameLength);
    } catch (IllegalArgumentException e) {
      String key =
          e.getMessage().startsWith("timestampField")
              ? p.key("timestamp-field")
              : e.getMessage().startsWith("allowedDevices") ? p.key("allowed-devices") : p.path();
      problem(key + ": " + e.getMessage());
      return null;
    }
  }
}
