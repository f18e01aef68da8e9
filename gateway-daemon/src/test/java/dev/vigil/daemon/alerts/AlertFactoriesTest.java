package dev.vigil.daemon.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.model.ExplainedScore;
import dev.vigil.detect.model.FeatureContribution;
import dev.vigil.detect.series.SeriesSurprise;
import dev.vigil.features.flow.AuthFailureTracker;
import dev.vigil.features.flow.BeaconTracker;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins each factory's alert to the one the daemon wrote before the factories (every field but the
 * wall-clock {@code detected_at}), so that eve.json stays the same for the same input.
 */
class AlertFactoriesTest {
  private static final long T0 = 1_717_236_000_123_456L; // 2024-06-01T10:00:00.123456Z
  private static final long V4 = 0x0000_FFFF_0000_0000L;
  private static final String EVE_TIME =
      "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+0000";

  private static ExplainedScore explained(Severity severity) {
    Map<Component, Double> comps = new EnumMap<>(Component.class);
    comps.put(Component.RECONSTRUCTION, 3.5);
    comps.put(Component.ISOLATION, 1.25);
    return new ExplainedScore(
        2.75,
        1.0,
        severity,
        comps,
        List.of(Component.RECONSTRUCTION),
        List.of(new FeatureContribution(2, "mean_size", 0.625, 1400, 4.5, 0.25)));
  }

  private static void assertSameButDetectionTime(Alert actual, Alert expected) {
    assertThat(actual)
        .usingRecursiveComparison()
        .ignoringFields("vigil.detectedAt")
        .isEqualTo(expected);
    assertThat(actual.vigil().detectedAt()).matches(EVE_TIME);
  }

  @Test
  void signatureIds_areTheOnesRulesMatchOn() {
    assertThat(AlertSignature.HOST_WINDOW.id()).isEqualTo(9_000_001);
    assertThat(AlertSignature.TELEMETRY.id()).isEqualTo(9_000_002);
    assertThat(AlertSignature.BEACON.id()).isEqualTo(9_000_003);
    assertThat(AlertSignature.AUTH_FAILURES.id()).isEqualTo(9_000_004);
    assertThat(AlertSignature.eveSeverity(Severity.CRITICAL)).isEqualTo(1);
    assertThat(AlertSignature.eveSeverity(Severity.HIGH)).isEqualTo(1);
    assertThat(AlertSignature.eveSeverity(Severity.MEDIUM)).isEqualTo(2);
    assertThat(AlertSignature.eveSeverity(Severity.LOW)).isEqualTo(3);
  }

  @Test
  void signatures_carrySuricatasGidAndARevision() {
    for (AlertSignature s : AlertSignature.values()) {
      Alert.Signature a = s.allowed(Severity.LOW);
      assertThat(a.gid()).isEqualTo(1);
      assertThat(a.rev()).isEqualTo(1);
      assertThat(a.action()).isEqualTo(Alert.ALLOWED);
    }
  }

  @Test
  void withSensorAndWithAction_changeOnlyTheirFields() {
    Alert a =
        HostWindowAlerts.of(
                "10.0.0.5",
                T0 - 10_000_000,
                T0,
                explained(Severity.HIGH),
                "vigil.x.v1",
                false,
                false)
            .apply("3");
    Alert b = a.withSensor("gw-1", "br-lan").withAction(Alert.BLOCKED);
    assertThat(b.host()).isEqualTo("gw-1");
    assertThat(b.inIface()).isEqualTo("br-lan");
    assertThat(b.alert().action()).isEqualTo("blocked");
    assertThat(b)
        .usingRecursiveComparison()
        .ignoringFields("host", "inIface", "alert.action")
        .isEqualTo(a);
  }

  @Test
  void eveTime_isSuricatasFormatAndReadsBackBothForms() {
    assertThat(EveTime.format(T0)).isEqualTo("2024-06-01T10:00:00.123456+0000");
    assertThat(EveTime.format(0)).isEqualTo("1970-01-01T00:00:00.000000+0000");
    assertThat(EveTime.format(-1)).isEqualTo("1969-12-31T23:59:59.999999+0000");
    java.time.Instant t = java.time.Instant.parse("2024-06-01T10:00:00.123456Z");
    assertThat(EveTime.parse("2024-06-01T10:00:00.123456+0000")).isEqualTo(t);
    assertThat(EveTime.parse("2024-06-01T12:00:00.123456+0200")).isEqualTo(t);
    assertThat(EveTime.parse("2024-06-01T10:00:00.123456Z")).isEqualTo(t);
    assertThat(EveTime.format(t.plusNanos(999))).isEqualTo("2024-06-01T10:00:00.123456+0000");
  }

  @Test
  void hostWindow() {
    ExplainedScore e = explained(Severity.CRITICAL);
    Alert a =
        HostWindowAlerts.of("10.0.0.5", T0 - 10_000_000, T0, e, "vigil.host-window.v2", true, false)
            .apply("7");
    Map<String, Double> comps = new LinkedHashMap<>();
    e.components().forEach((c, x) -> comps.put(c.key(), x));
    assertSameButDetectionTime(
        a,
        new Alert(
            "2024-06-01T10:00:00.123456+0000",
            null,
            "alert",
            "10.0.0.5",
            null,
            null,
            null,
            new Alert.Signature(
                "allowed",
                1,
                9_000_001,
                1,
                "VIGIL anomalous host traffic window",
                "Anomalous traffic",
                1),
            null,
            new Alert.Detail(
                "7",
                "ensemble",
                2.75,
                1.0,
                "critical",
                comps,
                List.of("ae"),
                e.summary(),
                "2024-06-01T09:59:50.123456+0000",
                "2024-06-01T10:00:00.123456+0000",
                null,
                "vigil.host-window.v2",
                List.of(new Alert.Feature("mean_size", 1400, 0.625, 4.5, 0.25)),
                "responder",
                null)));
  }

  @Test
  void hostWindow_closedEarly_saysSo_andKeepsItThroughTheSender() {
    Alert a =
        HostWindowAlerts.of(
                "10.0.0.5",
                T0 - 10_000_000,
                T0 - 9_000_000,
                explained(Severity.HIGH),
                "vigil.host-window.v2",
                false,
                true)
            .apply("9");
    assertThat(a.vigil().early()).isTrue();
    assertThat(a.vigil().windowEnd()).isEqualTo("2024-06-01T09:59:51.123456+0000");
    Alert sent = a.withSender("02:00:00:00:00:05", false);
    assertThat(sent.vigil().early()).isTrue();
    assertThat(sent.vigil().spoofed()).isFalse();
    Alert normal =
        HostWindowAlerts.of(
                "10.0.0.5",
                T0 - 10_000_000,
                T0,
                explained(Severity.HIGH),
                "vigil.host-window.v2",
                false,
                false)
            .apply("10");
    assertThat(normal.vigil().early()).isNull(); // left out of the eve line
  }

  @Test
  void telemetryStep_takesTheHigherSeverity() {
    ExplainedScore e = explained(Severity.LOW);
    Alert.Series series = new Alert.Series("boiler-1", "temp", 10.0);
    Alert a =
        TelemetryAlerts.of(
                series,
                1_717_236_000_000L,
                10_000,
                new TelemetryAlerts.Surprise(0.75, SeriesSurprise.Channel.RANGE, "value 99 beyond"),
                e,
                "vigil.series.v1")
            .apply("8");
    Severity severity = SeriesSurprise.severity(0.75);
    String name = severity.name().toLowerCase(java.util.Locale.ROOT);
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("surprise", 0.75);
    comps.put("fused", 2.75);
    e.components().forEach((c, x) -> comps.put(c.key(), x));
    assertSameButDetectionTime(
        a,
        new Alert(
            "2024-06-01T10:00:10.000000+0000",
            null,
            "alert",
            null,
            null,
            null,
            null,
            new Alert.Signature(
                "allowed",
                1,
                9_000_002,
                1,
                "VIGIL anomalous device telemetry",
                "Anomalous telemetry",
                AlertSignature.eveSeverity(severity)),
            null,
            new Alert.Detail(
                "8",
                "ensemble+surprise",
                0.75,
                SeriesSurprise.RED,
                name,
                comps,
                List.of(SeriesSurprise.Channel.RANGE.key(), "ae"),
                "boiler-1 temp: "
                    + name
                    + " anomaly 0.75 (alarm at 0.50), value 99 beyond; ensemble: "
                    + e.summary(),
                "2024-06-01T10:00:00.000000+0000",
                "2024-06-01T10:00:10.000000+0000",
                null,
                "vigil.series.v1",
                List.of(new Alert.Feature("mean_size", 1400, 0.625, 4.5, 0.25)),
                null,
                series)));
  }

  @Test
  void beacon() {
    BeaconTracker.Beacon b =
        new BeaconTracker.Beacon(
            0,
            V4 | 0x0A00_0005L,
            0,
            V4 | 0xC633_6407L,
            6,
            4444,
            T0 - 60_000_000,
            T0,
            30.0,
            0.04,
            5);
    Alert a = BeaconAlerts.of(b, 4).apply("9");
    String summary =
        "10.0.0.5 opened 5 conversations with 198.51.100.7:4444/tcp, a peer it never talked to"
            + " while learning, every 30.0 s (jitter 4 %): a command-and-control beacon?";
    assertThat(BeaconAlerts.summary(b)).isEqualTo(summary);
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("period_s", 30.0);
    comps.put("jitter", 0.04);
    comps.put("starts", 5.0);
    assertSameButDetectionTime(
        a,
        new Alert(
            "2024-06-01T10:00:00.123456+0000",
            null,
            "alert",
            "10.0.0.5",
            "198.51.100.7",
            4444,
            "TCP",
            new Alert.Signature(
                "allowed",
                1,
                9_000_003,
                1,
                "VIGIL periodic conversations with a new peer (beacon)",
                "Potential command and control",
                1),
            null,
            new Alert.Detail(
                "9",
                "beacon",
                1.25,
                1.0,
                "high",
                comps,
                List.of("beacon"),
                summary,
                "2024-06-01T09:59:00.123456+0000",
                "2024-06-01T10:00:00.123456+0000",
                null,
                null,
                List.of(),
                "initiator",
                null)));
  }

  @Test
  void beaconWithoutPort_namesNone() {
    BeaconTracker.Beacon b =
        new BeaconTracker.Beacon(
            0, V4 | 0x0A00_0005L, 0, V4 | 0xC633_6407L, 1, -1, T0 - 60_000_000, T0, 30.0, 0.04, 5);
    Alert a = BeaconAlerts.of(b, 5).apply("10");
    assertThat(a.destPort()).isNull();
    assertThat(a.proto()).isEqualTo("ICMP");
    assertThat(a.vigil().summary()).contains("198.51.100.7/icmp");
  }

  @Test
  void authFailures() {
    AuthFailureTracker.Report r =
        new AuthFailureTracker.Report(
            0, V4 | 0x0A00_0009L, 0, V4 | 0x0A00_0001L, 1883, "mqtt", 12, 5, T0 - 2_500_000, T0);
    Alert a = AuthFailureAlerts.of(r, 10).apply("11");
    String summary =
        "10.0.0.9 was refused 12 MQTT logins by 10.0.0.1:1883 (the last 10 within 2.5 s, return"
            + " code 5): password guessing?";
    assertThat(AuthFailureAlerts.summary(r, 10)).isEqualTo(summary);
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("refusals", 12.0);
    comps.put("span_s", 2.5);
    assertSameButDetectionTime(
        a,
        new Alert(
            "2024-06-01T10:00:00.123456+0000",
            null,
            "alert",
            "10.0.0.9",
            "10.0.0.1",
            1883,
            "TCP",
            new Alert.Signature(
                "allowed",
                1,
                9_000_004,
                1,
                "VIGIL repeated login refusals (password guessing)",
                "Attempted login",
                1),
            null,
            new Alert.Detail(
                "11",
                "auth",
                1.2,
                1.0,
                "high",
                comps,
                List.of("auth"),
                summary,
                "2024-06-01T09:59:57.623456+0000",
                "2024-06-01T10:00:00.123456+0000",
                null,
                null,
                List.of(),
                "initiator",
                null)));
  }
}
