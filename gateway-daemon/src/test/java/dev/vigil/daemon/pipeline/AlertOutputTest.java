package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.alerts.HostWindowAlerts;
import dev.vigil.daemon.alerts.TelemetryAlerts;
import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.mitigation.MitigationFactory;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.model.ExplainedScore;
import dev.vigil.detect.series.SeriesSurprise;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.serde.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AlertOutput} without mitigation: each alert is stamped with the sensor's name and, for
 * packet alerts of a live capture, the interface, then stored and written to the eve log at once.
 */
class AlertOutputTest {
  @TempDir Path dir;
  private EveOutput eve;
  private MitigationService mitigation;

  @AfterEach
  void close() {
    if (mitigation != null) {
      mitigation.close();
    }
    if (eve != null) {
      eve.close();
    }
  }

  private static final ExplainedScore SCORE =
      new ExplainedScore(
          2.0, 1.0, Severity.HIGH, Map.of(Component.RECONSTRUCTION, 2.0), List.of(), List.of());

  /** Names come from the LAN: the log line shows them escaped, never raw (no forged lines). */
  @Test
  void logLine_escapesTelemetryNames() {
    String device = "dev\n2026-12-07 WARN forged line";
    String metric = "t\u202eemp\u0007";
    Alert a =
        TelemetryAlerts.of(
                new Alert.Series(device, metric, 10),
                0,
                10_000,
                new TelemetryAlerts.Surprise(0.9, SeriesSurprise.Channel.RANGE, "beyond"),
                SCORE,
                "s")
            .apply("1");
    String line = AlertOutput.logLine(a);
    assertThat(line)
        .doesNotContain("\n", "\u202e", "\u0007")
        .contains("dev\\u000a2026-12-07 WARN forged line/t\\u202eemp\\u0007: ")
        .contains("; ensemble: ");
    assertThat(a.vigil().summary()).startsWith("dev\\u000a2026-12-07 WARN forged line t\\u202eemp");
    // the structured fields keep the exact names (JSON escapes them in the eve log)
    assertThat(a.vigil().telemetry().device()).isEqualTo(device);
  }

  /**
   * Starts the eve output and the mitigation service of {@code config}, as the daemon wires them.
   */
  private void startEveAndMitigation(VigilConfig config, SimpleMeterRegistry meters) {
    HealthState health = new HealthState();
    eve = new EveOutput(config, ObjectMapper.getDefault(), meters, health);
    MitigationFactory factory = new MitigationFactory();
    mitigation =
        new MitigationService(
            factory.mitigationRuntime(config, eve),
            factory.bearerToken(config),
            config,
            health,
            ObjectMapper.getDefault(),
            eve,
            meters);
  }

  @Test
  void publish_stampsTheSensorAndTheLiveInterfaceOnPacketAlertsOnly() throws Exception {
    Path log = dir.resolve("eve.json");
    VigilConfig config =
        ConfigLoader.parse(
            "test",
            dir,
            "api: {port: 0}\ncapture: {pcap: classpath:demo/demo-attack.pcap}\n"
                + "model: {train-pcaps: [classpath:demo/demo-benign.pcap]}\n"
                + "alerts: {eve-log: "
                + log
                + ", host: gw-7}\n");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    startEveAndMitigation(config, meters);
    AlertStore store = new AlertStore(10);
    AlertOutput out = new AlertOutput(config, store, eve, meters, mitigation);

    Alert fromFile =
        out.publish(HostWindowAlerts.of("10.0.0.5", 0, 10_000_000, SCORE, "s", false, false));
    out.capturing("br-lan");
    Alert live =
        out.publish(HostWindowAlerts.of("10.0.0.5", 0, 20_000_000, SCORE, "s", false, false));
    Alert telemetry =
        out.publish(
            TelemetryAlerts.of(
                new Alert.Series("dev-1", "temp", 10),
                0,
                10_000,
                new TelemetryAlerts.Surprise(0.9, SeriesSurprise.Channel.RANGE, "beyond"),
                SCORE,
                "s"));

    assertThat(fromFile.host()).isEqualTo("gw-7");
    assertThat(fromFile.inIface()).isNull();
    assertThat(live.inIface()).isEqualTo("br-lan");
    assertThat(telemetry.host()).isEqualTo("gw-7");
    assertThat(telemetry.inIface()).isNull();
    assertThat(List.of(fromFile, live, telemetry))
        .extracting(a -> a.vigil().id())
        .containsExactly("1", "2", "3");
    assertThat(store.newest(10)).containsExactly(telemetry, live, fromFile);

    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while ((!Files.exists(log) || Files.readAllLines(log).size() < 3)
        && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).contains("\"in_iface\":\"br-lan\"", "\"action\":\"allowed\"");
    assertThat(lines.get(0)).doesNotContain("in_iface").contains("\"host\":\"gw-7\"");
  }

  /**
   * Warm-up runs a synthetic scan and flood alert through the alert, policy and JSON code and
   * leaves no trace: no alert stored or written, no decision, no id taken, every counter and timer
   * at zero.
   */
  @Test
  void warmUp_hasNoVisibleEffect() throws Exception {
    Path log = dir.resolve("eve.json");
    Files.writeString(
        dir.resolve("policy.yaml"),
        "rules:\n  - name: quarantine-scanners\n"
            + "    match: {kind: packet, detector: scan, role: initiator}\n"
            + "    action: quarantine\n    duration: 1h\n");
    VigilConfig config =
        ConfigLoader.parse(
            "test",
            dir,
            "api: {port: 0}\ncapture: {pcap: classpath:demo/demo-attack.pcap}\n"
                + "model: {train-pcaps: [classpath:demo/demo-benign.pcap]}\n"
                + "alerts: {eve-log: "
                + log
                + "}\n"
                + "mitigation: {policy: policy.yaml, store: "
                + dir.resolve("vigil.db")
                + ", actions: {quarantine: [log]}}\n");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    startEveAndMitigation(config, meters);
    assertThat(mitigation.running()).isTrue();
    AlertStore store = new AlertStore(10);
    AlertOutput out = new AlertOutput(config, store, eve, meters, mitigation);

    assertThat(out.warmUp()).isEqualTo(2);
    assertThat(out.warmUp()).as("again: idempotent").isEqualTo(2);

    Thread.sleep(300); // what the eve and mitigation workers would have picked up
    assertThat(store.total()).isZero();
    assertThat(mitigation.live()).isEmpty();
    assertThat(mitigation.recent(Duration.ofHours(1), 10)).isEmpty();
    assertThat(!Files.exists(log) || Files.size(log) == 0).as("eve log empty").isTrue();
    for (io.micrometer.core.instrument.Meter m : meters.getMeters()) {
      if (m instanceof io.micrometer.core.instrument.Counter c) {
        assertThat(c.count()).as(m.getId().toString()).isZero();
      } else if (m instanceof io.micrometer.core.instrument.FunctionCounter c) {
        assertThat(c.count()).as(m.getId().toString()).isZero();
      } else if (m instanceof io.micrometer.core.instrument.Timer t) {
        assertThat(t.count()).as(m.getId().toString()).isZero();
      }
    }
    // the first real alert still gets the first id
    Alert first =
        out.publish(HostWindowAlerts.of("10.0.0.5", 0, 10_000_000, SCORE, "s", false, false));
    assertThat(first.vigil().id()).isEqualTo("1");
  }

  /**
   * Detection latency: from the first packet of an alert's evidence (window_start) to the alert, by
   * detector, for packet alerts of a live capture only (a file's clock is not now's).
   */
  @Test
  void publish_timesLivePacketAlertsFromTheirFirstPacket() throws Exception {
    VigilConfig config =
        ConfigLoader.parse(
            "test",
            dir,
            "api: {port: 0}\ncapture: {pcap: classpath:demo/demo-attack.pcap}\n"
                + "model: {train-pcaps: [classpath:demo/demo-benign.pcap]}\n"
                + "alerts: {eve-log: "
                + dir.resolve("eve.json")
                + "}\n");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    startEveAndMitigation(config, meters);
    AlertOutput out = new AlertOutput(config, new AlertStore(10), eve, meters, mitigation);
    long nowMicros = System.currentTimeMillis() * 1000;
    long start = nowMicros - 40_000; // the evidence's first packet, 40 ms ago

    out.publish(HostWindowAlerts.of("10.0.0.5", start, nowMicros, SCORE, "s", false, false));
    io.micrometer.core.instrument.Timer ensemble =
        meters.get("vigil.detection.latency").tag("detector", "ensemble").timer();
    assertThat(ensemble.count()).as("a capture file's alert is not timed").isZero();

    out.capturing("br-lan");
    out.publish(HostWindowAlerts.of("10.0.0.5", start, nowMicros, SCORE, "s", false, false));
    out.publish(
        TelemetryAlerts.of(
            new Alert.Series("dev-1", "temp", 10),
            start / 1000,
            10_000,
            new TelemetryAlerts.Surprise(0.9, SeriesSurprise.Channel.RANGE, "beyond"),
            SCORE,
            "s"));
    assertThat(ensemble.count()).isEqualTo(1);
    assertThat(ensemble.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
        .isBetween(40.0, 5_000.0);
    assertThat(meters.get("vigil.detection.latency").timers())
        .as("one timer per detector, telemetry untimed")
        .allSatisfy(
            t ->
                assertThat(t.count())
                    .isEqualTo("ensemble".equals(t.getId().getTag("detector")) ? 1 : 0));
  }
}
