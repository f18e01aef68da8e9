package dev.vigil.mitigate.backend;

import static dev.vigil.mitigate.backend.NetnsLab.DEV1;
import static dev.vigil.mitigate.backend.NetnsLab.DEV1_V6;
import static dev.vigil.mitigate.backend.NetnsLab.DEV2;
import static dev.vigil.mitigate.backend.NetnsLab.HONEYPOT;
import static dev.vigil.mitigate.backend.NetnsLab.HONEYPOT_PORT;
import static dev.vigil.mitigate.backend.NetnsLab.PORT;
import static dev.vigil.mitigate.backend.NetnsLab.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real reroutes with iproute2 inside a throw-away gateway namespace (see {@link NetnsLab}). The
 * evidence is a port only the honeypot listens on: a device reaches {@code target:8081} exactly
 * when its traffic arrives at the honeypot, and {@code target:8080} exactly when it arrives at the
 * target.
 */
@Tag("netns")
class Iproute2NetnsTest {
  private NetnsLab lab;
  private Iproute2Mitigator ip;

  @BeforeEach
  void setUp() throws Exception {
    NetnsLab.assumeAvailable();
    lab = new NetnsLab();
    ip = new Iproute2Mitigator();
    ip.configure(
        Map.of(
            "nextHop",
            HONEYPOT,
            "dev",
            "p-hp",
            "table",
            100,
            "priority",
            1000,
            "netns",
            lab.gw,
            "allow",
            List.of("10.1.0.100")));
  }

  @AfterEach
  void tearDown() {
    if (lab != null) {
      lab.close();
    }
  }

  static Decision reroute(String id, Decision.Scope scope, String value, boolean simulated) {
    Instant now = Instant.now();
    return new Decision(
        id,
        scope,
        value,
        Decision.Action.REROUTE,
        "test",
        0.9,
        Decision.Origin.MANUAL,
        now,
        now.plusSeconds(600),
        simulated);
  }

  private boolean atTarget(String ns) throws Exception {
    return lab.connect(ns, TARGET, PORT);
  }

  private boolean atHoneypot(String ns) throws Exception {
    return lab.connect(ns, TARGET, HONEYPOT_PORT);
  }

  private String rules() throws Exception {
    return lab.ip("-n", lab.gw, "rule", "show");
  }

  @Test
  void apply_sendsTheDevicesTrafficToTheHoneypotAndRevokeBringsItBack() throws Exception {
    assertThat(lab.reaches(lab.dev1, TARGET)).isTrue();
    assertThat(atTarget(lab.dev1)).as("baseline: at the target").isTrue();
    assertThat(atHoneypot(lab.dev1)).as("baseline: not at the honeypot").isFalse();
    assertThat(ip.health()).isNull();

    Decision d = reroute("r1", Decision.Scope.IP, DEV1, false);
    ip.apply(d);
    ip.apply(d); // idempotent

    assertThat(atHoneypot(lab.dev1)).as("rerouted: at the honeypot").isTrue();
    assertThat(atTarget(lab.dev1)).as("rerouted: not at the target").isFalse();
    assertThat(lab.reaches(lab.dev1, TARGET)).as("the honeypot answers pings too").isTrue();
    assertThat(atTarget(lab.dev2)).as("another device is untouched").isTrue();
    assertThat(rules()).containsOnlyOnce("from " + DEV1 + " lookup 100");
    assertThat(lab.ip("-n", lab.gw, "route", "show", "table", "100"))
        .contains("default via " + HONEYPOT + " dev p-hp");

    ip.revoke(d);
    ip.revoke(d); // absent: not an error

    assertThat(atTarget(lab.dev1)).isTrue();
    assertThat(atHoneypot(lab.dev1)).isFalse();
    assertThat(rules()).doesNotContain("lookup 100");
  }

  @Test
  void apply_cidrReroutesEveryDeviceInIt() throws Exception {
    ip.apply(reroute("r2", Decision.Scope.CIDR, "10.1.0.0/30", false));
    assertThat(atHoneypot(lab.dev1)).isTrue();
    assertThat(atTarget(lab.dev2)).as("10.1.0.3 is in 10.1.0.0/30").isFalse();
    assertThat(rules()).contains("from 10.1.0.0/30 lookup 100");
  }

  @Test
  void apply_simulatedLeavesNoRoutingState() throws Exception {
    String before = rules();
    Decision d = reroute("s1", Decision.Scope.IP, DEV1, true);
    ip.apply(d);
    ip.revoke(d);
    assertThat(rules()).isEqualTo(before);
    assertThatThrownBy(() -> lab.ip("-n", lab.gw, "route", "show", "table", "100"))
        .hasMessageContaining("table does not exist");
    assertThat(atTarget(lab.dev1)).isTrue();
  }

  @Test
  void apply_refusesAllowlistedTheNextHopAndTheOtherFamily() throws Exception {
    String before = rules();
    assertThatThrownBy(() -> ip.apply(reroute("a1", Decision.Scope.IP, "10.1.0.100", false)))
        .hasMessageContaining("allowlisted");
    assertThatThrownBy(() -> ip.apply(reroute("a2", Decision.Scope.IP, HONEYPOT, false)))
        .hasMessageContaining("allowlisted");
    assertThatThrownBy(() -> ip.apply(reroute("a3", Decision.Scope.CIDR, "10.1.0.0/24", false)))
        .hasMessageContaining("allowlisted");
    assertThatThrownBy(() -> ip.apply(reroute("a4", Decision.Scope.IP, DEV1_V6, false)))
        .hasMessageContaining("other IP family");
    assertThatThrownBy(() -> ip.apply(reroute("a5", Decision.Scope.IP, "1.2.3.4; reboot", false)))
        .hasMessageContaining("is not an IP address");
    assertThat(rules()).isEqualTo(before);
    assertThat(atTarget(lab.dev1)).isTrue();
  }

  @Test
  void reconcile_makesItsRulesEqualToLiveAndLeavesForeignRulesAlone() throws Exception {
    ip.apply(reroute("stale", Decision.Scope.IP, DEV1, false));
    lab.ip("-n", lab.gw, "rule", "add", "from", "10.1.0.50", "lookup", "100", "priority", "1000");
    lab.ip("-n", lab.gw, "rule", "add", "from", "10.1.0.51", "lookup", "200", "priority", "1000");
    lab.ip("-n", lab.gw, "rule", "add", "from", "10.1.0.52", "lookup", "100", "priority", "1001");

    ip.reconcile(
        List.of(
            reroute("live", Decision.Scope.IP, DEV2, false),
            reroute("net", Decision.Scope.CIDR, "10.1.0.128/25", false),
            reroute("sim", Decision.Scope.IP, "10.1.0.60", true),
            reroute("bad", Decision.Scope.IP, "--help", false)));

    String rules = rules();
    assertThat(rules)
        .contains("1000:\tfrom 10.1.0.3 lookup 100", "1000:\tfrom 10.1.0.128/25 lookup 100")
        .contains("1000:\tfrom 10.1.0.51 lookup 200", "1001:\tfrom 10.1.0.52 lookup 100")
        .doesNotContain("from 10.1.0.2 ", "from 10.1.0.50 ", "10.1.0.60", "help");
    assertThat(atTarget(lab.dev1)).as("stale rule removed").isTrue();
    assertThat(atHoneypot(lab.dev2)).as("missing rule added").isTrue();

    ip.reconcile(List.of());
    assertThat(rules()).doesNotContain("1000:\tfrom 10.1.0.3 ").contains("from 10.1.0.51 ");
  }
}
