package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.flow.AuthFailureTracker;
import dev.vigil.features.flow.BeaconTracker;
import dev.vigil.features.flow.FloodDetector;
import dev.vigil.features.flow.ScanDetector;
import java.time.Duration;
import java.util.Set;

/**
 * Reads the {@code features} section for {@link ConfigLoader}: the feature set, its window, and the
 * beacon and authentication-failure trackers, early windows, the scan and the flood detectors.
 * Problems are recorded in the section's settings, each with its key.
 */
final class FeaturesSection {
  static final Set<String> KEYS =
      Set.of(
          "set",
          "window",
          "max-hosts",
          "beacon",
          "auth-failures",
          "early-windows",
          "scan",
          "flood");

  private FeaturesSection() {}

  /**
   * Reads the section.
   *
   * @param learnDefault how long the beacon tracker learns unless set: the packet model's learning
   */
  static VigilConfig.Features parse(
      ConfigLoader loader, StrictSettings features, Duration learnDefault) {
    FeatureSet featureSet = FeatureSet.HOST_WINDOW;
    String setName = features.string("set", FeatureSet.HOST_WINDOW.configName());
    try {
      featureSet = FeatureSet.byConfigName(setName);
    } catch (IllegalArgumentException e) {
      loader.problem("features.set: " + e.getMessage());
    }
    Duration window =
        features.duration(
            "window", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1));
    int maxHosts = features.integer("max-hosts", 4096, 16, 1_000_000);

    BeaconTracker.Options beacon =
        beacon(loader, features.section("beacon", BEACON_KEYS), learnDefault);
    AuthFailureTracker.Options authFailures =
        authFailures(
            loader,
            features.section(
                "auth-failures", Set.of("enabled", "max-failures", "within", "max-clients")));
    VigilConfig.EarlyWindows earlyWindows =
        earlyWindows(features.section("early-windows", Set.of("enabled", "margin")));
    ScanDetector.Options scan = scan(loader, features.section("scan", SCAN_KEYS));
    FloodDetector.Options flood =
        flood(loader, features.section("flood", FLOOD_KEYS), learnDefault);
    return new VigilConfig.Features(
        featureSet, window, maxHosts, beacon, authFailures, earlyWindows, scan, flood);
  }

  private static final Set<String> SCAN_KEYS =
      Set.of(
          "enabled",
          "benign-success",
          "scanner-success",
          "detection",
          "false-alarm",
          "timeout",
          "memory",
          "max-sources",
          "max-attempts",
          "sweep-hosts",
          "sweep-span");

  /** The scan detector's settings (null: off), defaults from {@link ScanDetector.Options}. */
  private static ScanDetector.Options scan(ConfigLoader loader, StrictSettings s) {
    ScanDetector.Options d = ScanDetector.Options.defaults();
    boolean enabled = s.bool("enabled", true);
    double benign = s.number("benign-success", d.benignSuccess(), 0.001, 0.999);
    double scanner = s.number("scanner-success", d.scannerSuccess(), 0.001, 0.999);
    double detection = s.number("detection", d.detection(), 0.001, 0.999999);
    double falseAlarm = s.number("false-alarm", d.falseAlarm(), 0.000001, 0.999);
    Duration timeout =
        micros(s, "timeout", d.timeoutMicros(), Duration.ofMillis(100), Duration.ofMinutes(5));
    Duration memory =
        micros(s, "memory", d.memoryMicros(), Duration.ofSeconds(1), Duration.ofDays(1));
    int maxSources = s.integer("max-sources", d.maxSources(), 16, 1_000_000);
    int maxAttempts = s.integer("max-attempts", d.maxAttempts(), 16, 10_000_000);
    int sweepHosts = s.integer("sweep-hosts", d.sweepHosts(), 0, 65_536);
    Duration sweepSpan =
        micros(s, "sweep-span", d.sweepSpanMicros(), Duration.ofMillis(100), Duration.ofHours(1));
    try {
      ScanDetector.Options o =
          new ScanDetector.Options(
              benign,
              scanner,
              detection,
              falseAlarm,
              timeout.toNanos() / 1000,
              memory.toNanos() / 1000,
              maxSources,
              maxAttempts,
              sweepHosts,
              sweepSpan.toNanos() / 1000);
      return enabled ? o : null;
    } catch (IllegalArgumentException e) {
      loader.problem("features.scan: " + e.getMessage());
      return null;
    }
  }

  private static final Set<String> FLOOD_KEYS =
      Set.of(
          "enabled",
          "bin",
          "learn",
          "min-packets",
          "peak-factor",
          "min-slack",
          "repeat",
          "max-keys");

  /**
   * The flood detector's settings (null: off), defaults from {@link FloodDetector.Options} except
   * learning, which lasts as long as the packet model's learning ({@code learnDefault}).
   */
  private static FloodDetector.Options flood(
      ConfigLoader loader, StrictSettings f, Duration learnDefault) {
    FloodDetector.Options d = FloodDetector.Options.defaults();
    boolean enabled = f.bool("enabled", true);
    Duration bin = micros(f, "bin", d.binMicros(), Duration.ofMillis(1), Duration.ofSeconds(10));
    Duration learn = f.duration("learn", learnDefault, Duration.ZERO, Duration.ofDays(30));
    int minPackets = f.integer("min-packets", d.minPackets(), 2, 1_000_000);
    double peakFactor = f.number("peak-factor", d.peakFactor(), 1, 1000);
    double minSlack = f.number("min-slack", d.minSlack(), 0.001, 1e9);
    Duration repeat =
        micros(f, "repeat", d.repeatMicros(), Duration.ofMillis(100), Duration.ofDays(1));
    int maxKeys = f.integer("max-keys", d.maxKeys(), 16, 10_000_000);
    try {
      FloodDetector.Options o =
          new FloodDetector.Options(
              bin.toNanos() / 1000,
              learn.toNanos() / 1000,
              minPackets,
              peakFactor,
              minSlack,
              repeat.toNanos() / 1000,
              maxKeys);
      return enabled ? o : null;
    } catch (IllegalArgumentException e) {
      loader.problem("features.flood: " + e.getMessage());
      return null;
    }
  }

  private static final Set<String> BEACON_KEYS =
      Set.of(
          "enabled",
          "learn",
          "min-repeats",
          "max-jitter",
          "min-period",
          "max-period",
          "max-peers",
          "max-conversations");

  /**
   * The beacon tracker's settings (null: off), defaults from {@link BeaconTracker.Options#defaults}
   * except learning, which lasts as long as the packet model's learning ({@code learnDefault}).
   */
  private static BeaconTracker.Options beacon(
      ConfigLoader loader, StrictSettings b, Duration learnDefault) {
    BeaconTracker.Options d = BeaconTracker.Options.defaults();
    boolean enabled = b.bool("enabled", true);
    Duration learn = b.duration("learn", learnDefault, Duration.ZERO, Duration.ofDays(30));
    int minRepeats = b.integer("min-repeats", d.minRepeats(), 3, 33);
    double maxJitter = b.number("max-jitter", d.maxJitter(), 0.001, 1);
    Duration minPeriod =
        micros(b, "min-period", d.minPeriodMicros(), Duration.ofMillis(100), Duration.ofDays(1));
    Duration maxPeriod =
        micros(b, "max-period", d.maxPeriodMicros(), Duration.ofMillis(100), Duration.ofDays(7));
    int maxPeers = b.integer("max-peers", d.maxPeers(), 16, 10_000_000);
    int maxConversations = b.integer("max-conversations", d.maxConversations(), 16, 1_000_000);
    if (minPeriod.compareTo(maxPeriod) > 0) {
      loader.problem(
          "features.beacon.min-period: must not exceed max-period ("
              + minPeriod
              + " > "
              + maxPeriod
              + ")");
      return null;
    }
    if (!enabled) {
      return null;
    }
    try {
      return new BeaconTracker.Options(
          learn.toNanos() / 1000,
          minRepeats,
          maxJitter,
          minPeriod.toNanos() / 1000,
          maxPeriod.toNanos() / 1000,
          maxPeers,
          maxConversations);
    } catch (IllegalArgumentException e) {
      loader.problem("features.beacon: " + e.getMessage());
      return null;
    }
  }

  /** The authentication-failure tracker's settings (null: off). */
  private static AuthFailureTracker.Options authFailures(ConfigLoader loader, StrictSettings a) {
    AuthFailureTracker.Options d = AuthFailureTracker.Options.defaults();
    boolean enabled = a.bool("enabled", true);
    int max = a.integer("max-failures", d.maxFailures(), 2, 100);
    Duration within =
        micros(a, "within", d.withinMicros(), Duration.ofSeconds(1), Duration.ofDays(1));
    int clients = a.integer("max-clients", d.maxClients(), 16, 1_000_000);
    return enabled ? new AuthFailureTracker.Options(max, within.toNanos() / 1000, clients) : null;
  }

  /**
   * Early windows' settings (null: off). The margin is a fraction of a feature's benign range after
   * the scaler's compression; at most 10, beyond which no window would ever close early.
   */
  private static VigilConfig.EarlyWindows earlyWindows(StrictSettings e) {
    boolean enabled = e.bool("enabled", true);
    double margin = e.number("margin", FeatureScaler.DEFAULT_BEYOND_MARGIN, 0, 10);
    return enabled ? new VigilConfig.EarlyWindows(margin) : null;
  }

  /** Reads a duration whose default the trackers give in microseconds. */
  private static Duration micros(
      StrictSettings s, String k, long defaultMicros, Duration min, Duration max) {
    return s.duration(k, Duration.ofNanos(defaultMicros * 1000), min, max);
  }
}
