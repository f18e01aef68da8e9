package dev.vigil.daemon.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link EveCheck} on hand-made lines: what each schema accepts and refuses, so that the daemon's
 * test ({@code EveSchemaDaemonTest}) passing means something.
 */
class EveCheckTest {
  private static EveCheck check;

  private static final String ALERT =
      "{\"timestamp\":\"2026-12-07T00:15:25.079630+0000\",\"in_iface\":\"br-lan\","
          + "\"event_type\":\"alert\",\"src_ip\":\"10.77.0.66\",\"dest_ip\":\"198.51.100.7\","
          + "\"dest_port\":4444,\"proto\":\"TCP\",\"alert\":{\"action\":\"blocked\",\"gid\":1,"
          + "\"signature_id\":9000003,\"rev\":1,\"signature\":\"VIGIL beacon\","
          + "\"category\":\"Potential command and control\",\"severity\":1},\"host\":\"gw-1\","
          + "\"vigil\":{\"id\":\"9\",\"detector\":\"beacon\",\"score\":1.25,\"threshold\":1.0,"
          + "\"severity\":\"high\",\"components\":{\"period_s\":30.0},\"fired\":[\"beacon\"],"
          + "\"summary\":\"a beacon\",\"window_start\":\"2026-12-07T00:14:25.079630+0000\","
          + "\"window_end\":\"2026-12-07T00:15:25.079630+0000\","
          + "\"detected_at\":\"2026-12-07T00:15:25.100000+0000\",\"role\":\"initiator\"}}";

  private static final String DECISION =
      "{\"timestamp\":\"2026-12-07T00:15:26.000000+0000\",\"event_type\":\"vigil_decision\","
          + "\"src_ip\":\"10.77.0.66\",\"host\":\"gw-1\",\"vigil\":{\"decision\":{"
          + "\"event\":\"applied\",\"id\":\"d-1\",\"alert_id\":\"9\",\"scope\":\"ip\","
          + "\"value\":\"10.77.0.66\",\"action\":\"quarantine\",\"origin\":\"detector\","
          + "\"simulated\":false,\"reason\":\"alert 9\",\"score\":1.25,"
          + "\"created\":\"2026-12-07T00:15:26.000000+0000\","
          + "\"expires\":\"2026-12-07T01:15:26.000000+0000\",\"backends\":[\"nftables\"]}}}";

  @BeforeAll
  static void load() throws Exception {
    Optional<java.nio.file.Path> s = EveCheck.suricataSchema();
    if (s.isEmpty()) {
      if ("true".equals(System.getenv("CI"))) {
        fail("Suricata's schema (../shared/schemas) is required in CI");
      }
      Assumptions.abort("Suricata's schema (../shared/schemas) not found");
    }
    check = EveCheck.load(s.get());
  }

  @Test
  void problems_noneForAnAlertAndADecision() {
    assertThat(check.problems(ALERT)).isEmpty();
    assertThat(check.problems(DECISION)).isEmpty();
  }

  @Test
  void problems_suricatasClosedTopLevel() {
    assertThat(check.problems(ALERT.replace("\"host\"", "\"telemetry\":{},\"host\"")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("suricata: ")
        .contains("telemetry");
    assertThat(check.problems(ALERT.replace("+0000\",\"in_iface", "Z\",\"in_iface")))
        .anyMatch(p -> p.startsWith("suricata: /timestamp"));
  }

  @Test
  void problems_vigilsOwnSchemaIsStrict() {
    assertThat(check.problems(ALERT.replace("\"role\"", "\"colour\":\"red\",\"role\"")))
        .anyMatch(p -> p.startsWith("vigil: ") && p.contains("colour"));
    assertThat(check.problems(ALERT.replace("\"severity\":\"high\"", "\"severity\":\"none\"")))
        .anyMatch(p -> p.startsWith("vigil: "));
    assertThat(check.problems(DECISION.replace("\"applied\"", "\"undone\"")))
        .anyMatch(p -> p.startsWith("vigil: "));
    assertThat(check.problems(DECISION.replace(",\"backends\":[\"nftables\"]", "")))
        .as("empty lists are left out")
        .isEmpty();
  }

  @Test
  void problems_eventTypeMatchesWhatVigilCarries() {
    assertThat(check.problems(DECISION.replace("vigil_decision", "alert")))
        .contains("event_type: an alert with a decision under vigil");
    assertThat(check.problems(ALERT.replace("\"event_type\":\"alert\"", "\"event_type\":\"flow\"")))
        .contains("event_type: 'flow' is neither alert nor vigil_decision");
    assertThat(
            check.problems("{\"timestamp\":\"2026-12-07T00:15:26.0+0000\",\"event_type\":\"x\"}"))
        .contains("vigil: missing");
    assertThat(check.problems("not json")).singleElement().asString().startsWith("not JSON");
  }
}
