package dev.vigil.daemon.pipeline;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertSignature;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.alerts.EveTime;
import dev.vigil.daemon.alerts.FloodAlerts;
import dev.vigil.daemon.alerts.ScanAlerts;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.logging.AlertLogLines;
import dev.vigil.daemon.metrics.LatencyBuckets;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.features.flow.FloodDetector;
import dev.vigil.features.flow.ScanDetector;
import dev.vigil.features.packet.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.Function;

/**
 * Where every detection path's alerts go: the in-memory {@link AlertStore} behind {@code GET
 * /alerts}, the {@code vigil.alerts.raised} counter (by detector and severity), and either {@link
 * MitigationService} (which decides on each alert, stores it durably and then writes its eve line
 * with the action taken) or, without mitigation, the eve log ({@link EveOutput}) at once. Each
 * alert is stamped with the sensor's name ({@code alerts.host}) and, for packet alerts of a live
 * capture, the interface. Alert ids are unique across paths and increase in the order alerts are
 * stored; with mitigation they continue from the highest id stored before a restart.
 *
 * <p>Thread-safe: the packet and the telemetry path publish from their own threads.
 */
@Singleton
public final class AlertOutput {
  // the severities an alert can have, in the order of raised's second index
  private static final Severity[] SEVERITIES = {
    Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL
  };

  private final AlertStore store;
  // [signature][severity - LOW]: every combination registered at start, so the labels are bounded
  // and publishing looks nothing up
  private final Counter[][] raised;
  // [signature]: first packet of the evidence to the alert, live capture only
  private final Timer[] detectionLatency;
  private final EveOutput eve;
  private final MitigationService mitigation;
  private final AlertLogLines logLines;
  private volatile String captureInterface;
  private long seq;

  AlertOutput(
      VigilConfig config,
      AlertStore store,
      EveOutput eve,
      MeterRegistry registry,
      MitigationService mitigation) {
    this.store = store;
    this.eve = eve;
    this.mitigation = mitigation;
    this.seq = mitigation.lastAlertId();
    this.raised = registerRaised(registry);
    this.detectionLatency = registerDetectionLatency(registry);
    this.logLines = new AlertLogLines(config.logging().alertsPerMinute());
    registry
        .more()
        .counter(
            "vigil.alerts.log.suppressed",
            java.util.List.of(),
            logLines,
            l -> (double) l.suppressed());
  }

  /** The one line an alert gets in the daemon's log. */
  static String logLine(Alert a) {
    Alert.Detail d = a.vigil();
    String who =
        a.srcIp() != null
            ? a.srcIp()
            : d.telemetry() != null
                ? StrictSettings.quote(d.telemetry().device())
                    + "/"
                    + StrictSettings.quote(d.telemetry().metric())
                : "?";
    return "alert "
        + d.id()
        + " "
        + d.severity()
        + " "
        + d.detector()
        + " "
        + who
        + (a.destIp() != null
            ? " -> " + a.destIp() + (a.destPort() != null ? ":" + a.destPort() : "")
            : "")
        + ": "
        + d.summary();
  }

  private static Counter[][] registerRaised(MeterRegistry registry) {
    AlertSignature[] kinds = AlertSignature.values();
    Counter[][] c = new Counter[kinds.length][SEVERITIES.length];
    for (AlertSignature k : kinds) {
      for (int i = 0; i < SEVERITIES.length; i++) {
        c[k.ordinal()][i] =
            Counter.builder("vigil.alerts.raised")
                .description("Alerts raised, by detector and severity")
                .tag("detector", k.detector())
                .tag("severity", SEVERITIES[i].name().toLowerCase(Locale.ROOT))
                .register(registry);
      }
    }
    return c;
  }

  private static Timer[] registerDetectionLatency(MeterRegistry registry) {
    AlertSignature[] kinds = AlertSignature.values();
    Timer[] t = new Timer[kinds.length];
    for (AlertSignature k : kinds) {
      t[k.ordinal()] =
          Timer.builder("vigil.detection.latency")
              .description(
                  "Packet alerts of a live capture: from the first packet of the evidence (the"
                      + " alerting window's or run's first packet, capture time) to the alert")
              .tag("detector", k.detector())
              .serviceLevelObjectives(LatencyBuckets.detection())
              .register(registry);
    }
    return t;
  }

  /**
   * Records the time from the first packet of {@code a}'s evidence ({@code window_start}, capture
   * clock) to now, for a packet alert of a live capture (a capture file's clock is not now's).
   */
  private void recordDetectionLatency(Alert a, AlertSignature k, boolean packet) {
    if (!packet || a.inIface() == null || a.vigil() == null || a.vigil().windowStart() == null) {
      return;
    }
    try {
      Duration d = Duration.between(EveTime.parse(a.vigil().windowStart()), Instant.now());
      if (!d.isNegative()) {
        detectionLatency[(k == null ? AlertSignature.HOST_WINDOW : k).ordinal()].record(d);
      }
    } catch (DateTimeParseException e) {
      // no first packet to measure from
    }
  }

  /**
   * Returns the counter of {@code a}'s detector and severity; an alert of no known signature counts
   * as the ensemble's, a severity other than low..critical (none is raised) as low.
   */
  private Counter raisedCounter(Alert a) {
    AlertSignature k = a.alert() == null ? null : AlertSignature.of(a.alert().signatureId());
    int kind = (k == null ? AlertSignature.HOST_WINDOW : k).ordinal();
    String s = a.vigil() == null || a.vigil().severity() == null ? "" : a.vigil().severity();
    int sev =
        switch (s) {
          case "medium" -> 1;
          case "high" -> 2;
          case "critical" -> 3;
          default -> 0;
        };
    return raised[kind][sev];
  }

  /**
   * Sets the interface live capture reads now (its packet alerts' {@code in_iface}); null for a
   * capture file.
   */
  void capturing(String device) {
    captureInterface = device;
  }

  /**
   * Gives the next alert id to {@code build}, stamps, stores and hands on the alert it returns;
   * returns it.
   */
  Alert publish(Function<String, Alert> build) {
    Alert a;
    synchronized (this) { // the ids' order is the order alerts are handed on
      a = build.apply(Long.toString(++seq));
      boolean packet = a.vigil() == null || a.vigil().telemetry() == null;
      a = a.withSensor(eve.host(), packet ? captureInterface : null);
      recordDetectionLatency(
          a, a.alert() == null ? null : AlertSignature.of(a.alert().signatureId()), packet);
      store.add(a);
      // With mitigation, the worker writes the eve line once the policy decided, so that its
      // alert.action says whether the source was blocked; when it cannot take the alert (not
      // running, queue full) the line is written now, as allowed.
      if (!mitigation.onAlert(a)) {
        eve.alert(a);
      }
    }
    raisedCounter(a).increment();
    logLines.log(logLine(a));
    return a;
  }

  /**
   * Loads and runs once the code between a streaming detector's report and its decision, so that
   * the first real alert after start does not pay for it: without this the first scan alert took
   * about 200 ms from packet to publication (class loading, the first {@code String.format}, time
   * formatting and parsing, JSON serializers built on first use), later ones about 4 ms.
   *
   * <p>For a synthetic scan and flood report of a documentation address (192.0.2.1, never a real
   * device) it builds the alert as {@link #publish} would, with its log line and detection time,
   * and hands it to {@link MitigationService#warmUp} (verdict, policy matching, the decision it
   * would make, their JSON) and {@link EveOutput#warmUp} (its eve line). Nothing is published,
   * stored, decided, applied, written, logged or counted, and no id is taken. Safe to call from any
   * thread, at any time; it takes a few hundred milliseconds once, then about a millisecond.
   *
   * @return how many alerts it ran through
   */
  public int warmUp() {
    int ipv4 = 0xC0000201; // 192.0.2.1, TEST-NET-1
    long hi = Addresses.mappedHi(ipv4);
    long lo = Addresses.mappedLo(ipv4);
    long now = System.currentTimeMillis() * 1000;
    ScanDetector.Report scan =
        new ScanDetector.Report(
            hi,
            lo,
            0x02_00_00_00_00_01L,
            8,
            1,
            7,
            0,
            1,
            8,
            "vertical",
            new int[] {22, 23, 80},
            now - 2_000,
            now,
            4.6);
    FloodDetector.Report flood =
        new FloodDetector.Report(
            FloodDetector.Role.SOURCE,
            hi,
            lo,
            FloodDetector.Kind.SYN,
            500,
            500,
            1,
            40,
            10,
            1,
            1,
            0x02_00_00_00_00_01L,
            1,
            now - 50_000,
            now);
    ScanAlerts.summary(scan);
    FloodAlerts.summary(flood);
    int n = 0;
    for (Function<String, Alert> build :
        java.util.List.of(ScanAlerts.of(scan, 4.6), FloodAlerts.of(flood))) {
      Alert a =
          build
              .apply("0")
              .withSensor(eve.host(), captureInterface)
              .withSender("02:00:00:00:00:01", false);
      AlertSignature k = a.alert() == null ? null : AlertSignature.of(a.alert().signatureId());
      EveTime.parse(a.vigil().windowStart());
      raisedCounter(a); // looked up, not incremented
      logLine(a);
      if (mitigation.running()) {
        mitigation.warmUp(a);
      } else {
        eve.warmUp(a);
      }
      n += k == null ? 0 : 1;
    }
    return n;
  }

  /**
   * Applies a reloaded {@code alerts} and {@code logging} section: how many alerts are kept and
   * logged a minute at once.
   *
   * @return what changed but needs a restart
   */
  public java.util.List<String> reload(VigilConfig old, VigilConfig next) {
    store.setCapacity(next.alerts().keep());
    logLines.setPerMinute(next.logging().alertsPerMinute());
    java.util.List<String> restart = new java.util.ArrayList<>();
    if (!old.alerts().eveLog().equals(next.alerts().eveLog())) {
      restart.add("alerts.eve-log");
    }
    return restart;
  }

  /** Returns how many alerts were stored. */
  long total() {
    return store.total();
  }
}
