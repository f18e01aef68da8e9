package dev.vigil.daemon.mitigation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.policy.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link VerdictMapper}: the verdict each kind of alert makes. */
class AlertVerdictTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static Alert alert(String ip, Alert.Series series, String severity, double score) {
    return new Alert(
        "2025-06-01T10:00:00.000000+0000",
        null,
        "alert",
        ip,
        null,
        null,
        null,
        new Alert.Signature("allowed", 1, 1, 1, "sig", "cat", 1),
        "gw",
        new Alert.Detail(
            "42",
            "ensemble",
            score,
            1.0,
            severity,
            Map.of(),
            List.of(),
            "critical anomaly",
            "2025-06-01T09:59:50Z",
            "2025-06-01T10:00:00Z",
            "2026-01-01T00:00:00Z",
            "schema",
            List.of(),
            null,
            series));
  }

  @Test
  void packetAlert_isAVerdictOnTheHostsIp() {
    Verdict v = VerdictMapper.verdictOf(alert("10.77.0.66", null, "critical", 3.4), NOW);
    assertThat(v.kind()).isEqualTo(Verdict.Kind.PACKET);
    assertThat(v.scope()).isEqualTo(Decision.Scope.IP);
    assertThat(v.entity()).isEqualTo("10.77.0.66");
    assertThat(v.severity()).isEqualTo(Verdict.Severity.CRITICAL);
    assertThat(v.score()).isEqualTo(3.4);
    assertThat(v.time())
        .as("when its evidence began: the window's start, not its end (the alert's timestamp)")
        .isEqualTo(Instant.parse("2025-06-01T09:59:50Z"));
    assertThat(v.summary()).isEqualTo("alert 42: critical anomaly");
  }

  @Test
  void lanSendersAlert_isAVerdictOnItsMacForItsAddress() {
    Alert a = alert("10.77.0.13", null, "critical", 3.4).withSender("02:00:00:00:00:66", true);
    Verdict v = VerdictMapper.verdictOf(a, NOW);
    assertThat(v.scope()).isEqualTo(Decision.Scope.MAC);
    assertThat(v.entity()).isEqualTo("02:00:00:00:00:66");
    assertThat(v.address()).isEqualTo("10.77.0.13");
    assertThat(v.spoofed()).isTrue();
    Verdict own =
        VerdictMapper.verdictOf(
            alert("10.77.0.13", null, "critical", 3.4).withSender("02:00:00:00:00:13", false), NOW);
    assertThat(own.entity()).isEqualTo("02:00:00:00:00:13");
    assertThat(own.spoofed()).isFalse();
  }

  @Test
  void withAction_keepsTheSender() {
    Alert a =
        alert("10.77.0.13", null, "critical", 3.4)
            .withSender("02:00:00:00:00:66", true)
            .withAction(Alert.BLOCKED)
            .withSensor("gw", "br0");
    assertThat(a.ether()).isEqualTo(new Alert.Ether("02:00:00:00:00:66"));
    assertThat(a.vigil().spoofed()).isTrue();
  }

  @Test
  void telemetryAlert_isAVerdictOnTheDevice() {
    Verdict v =
        VerdictMapper.verdictOf(
            alert(null, new Alert.Series("boiler-1", "temp", 10), "medium", 0.9), NOW);
    assertThat(v.kind()).isEqualTo(Verdict.Kind.TELEMETRY);
    assertThat(v.scope()).isEqualTo(Decision.Scope.DEVICE);
    assertThat(v.entity()).isEqualTo("boiler-1");
    assertThat(v.severity()).isEqualTo(Verdict.Severity.MEDIUM);
  }

  @Test
  void anUnknownSeverityIsNoneAndANonFiniteScoreZero() {
    Verdict v = VerdictMapper.verdictOf(alert("10.0.0.1", null, "odd", Double.NaN), NOW);
    assertThat(v.severity()).isEqualTo(Verdict.Severity.NONE);
    assertThat(v.score()).isZero();
  }

  @Test
  void anInvalidEntityMakesNoVerdict() {
    assertThatThrownBy(
            () ->
                VerdictMapper.verdictOf(
                    alert(null, new Alert.Series("bad device; rm -rf", "m", 10), "high", 2), NOW))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VerdictMapper.verdictOf(alert(null, null, "high", 2), NOW))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
