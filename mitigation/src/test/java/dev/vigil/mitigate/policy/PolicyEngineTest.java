package dev.vigil.mitigate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Decision.Scope;
import dev.vigil.mitigate.policy.Verdict.Kind;
import dev.vigil.mitigate.policy.Verdict.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyEngineTest {
  private static final Instant T0 = Instant.parse("2026-03-02T12:00:00Z");

  private static final String POLICY =
      """
      time-zone: UTC
      max-decisions-per-minute: 3
      allowlist:
        management-hosts: [10.0.0.10]
        addresses: [10.9.0.0/16]
        devices: [safety-plc]
      escalation: {factor: 2, max-duration: 6h, look-back: 1d}
      rules:
        - name: quarantine-critical
          match: {kind: packet, min-severity: critical, min-score: 0.9, scope: [ip, cidr], cidr: [10.0.0.0/8]}
          action: quarantine
          duration: 1h
        - name: night
          match: {kind: packet, min-severity: high, time: 22:00-06:00}
          action: reroute
          duration: 30m
          dry-run: true
        - name: sensors
          match: {kind: telemetry, device: ["sensor-*"]}
          action: alert
          duration: 10m
          escalate: false
      """;

  private static PolicyEngine engine(String yaml, GatewayIdentity self) throws Exception {
    return new PolicyEngine(Policy.parse("test", yaml), self);
  }

  private static Verdict packet(String ip, Severity sev, double score, Instant t) {
    return new Verdict(Kind.PACKET, sev, score, Scope.IP, ip, "port scan", "syn ratio 0.98", t);
  }

  @Test
  void decide_firstMatchingRuleGivesActionDurationAndReason() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    Decision d = e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, T0), T0).orElseThrow();
    assertThat(d.scope()).isEqualTo(Scope.IP);
    assertThat(d.value()).isEqualTo("10.0.0.66");
    assertThat(d.action()).isEqualTo(Decision.Action.QUARANTINE);
    assertThat(d.created()).isEqualTo(T0);
    assertThat(d.expires()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(d.reason()).isEqualTo("port scan: syn ratio 0.98 [rule quarantine-critical]");
    assertThat(d.origin()).isEqualTo(Decision.Origin.DETECTOR);
    assertThat(d.score()).isEqualTo(0.95);
    assertThat(d.simulated()).isFalse();
    assertThat(e.counters().decided()).isEqualTo(1);
  }

  @Test
  void decide_unmatchedBySeverityScoreCidrKindOrTime() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    assertThat(e.decide(packet("10.0.0.66", Severity.HIGH, 0.95, T0), T0)).isEmpty();
    assertThat(e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.5, T0), T0)).isEmpty();
    assertThat(e.decide(packet("172.16.0.1", Severity.CRITICAL, 0.99, T0), T0)).isEmpty();
    Verdict telemetryOnIp =
        new Verdict(Kind.TELEMETRY, Severity.CRITICAL, 1, Scope.IP, "10.0.0.5", "x", "", T0);
    assertThat(e.decide(telemetryOnIp, T0)).isEmpty();
    Verdict otherDevice =
        new Verdict(Kind.TELEMETRY, Severity.CRITICAL, 1, Scope.DEVICE, "camera-1", "x", "", T0);
    assertThat(e.decide(otherDevice, T0)).isEmpty();
    assertThat(e.counters().unmatched()).isEqualTo(5);
    assertThat(e.counters().decided()).isZero();
  }

  @Test
  void decide_timeWindowAndPerRuleDryRun() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    Instant night = Instant.parse("2026-03-02T23:30:00Z");
    Decision d = e.decide(packet("172.16.0.1", Severity.HIGH, 0.7, night), night).orElseThrow();
    assertThat(d.action()).isEqualTo(Decision.Action.REROUTE);
    assertThat(d.simulated()).isTrue();
    assertThat(e.counters().simulated()).isEqualTo(1);
  }

  @Test
  void decide_globalDryRunSimulatesEverything() throws Exception {
    PolicyEngine e = engine("dry-run: true\n" + POLICY, GatewayIdentity.none());
    assertThat(
            e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, T0), T0)
                .orElseThrow()
                .simulated())
        .isTrue();
  }

  @Test
  void decide_neverOnAllowlistOrTheGatewayItself() throws Exception {
    GatewayIdentity self =
        new GatewayIdentity(List.of("10.0.0.1", "::1"), List.of("02:42:ac:11:00:02"));
    PolicyEngine e = engine(POLICY, self);
    assertThat(e.decide(packet("10.0.0.1", Severity.CRITICAL, 1, T0), T0)).isEmpty();
    assertThat(e.decide(packet("10.0.0.10", Severity.CRITICAL, 1, T0), T0)).isEmpty();
    assertThat(e.decide(packet("10.9.200.3", Severity.CRITICAL, 1, T0), T0)).isEmpty();
    // A block that holds a management host would lock it out.
    Verdict wide =
        new Verdict(Kind.PACKET, Severity.CRITICAL, 1, Scope.CIDR, "10.0.0.0/24", "x", "", T0);
    assertThat(e.decide(wide, T0)).isEmpty();
    Verdict plc =
        new Verdict(Kind.TELEMETRY, Severity.CRITICAL, 1, Scope.DEVICE, "safety-plc", "x", "", T0);
    assertThat(e.decide(plc, T0)).isEmpty();
    assertThat(e.allowlisted(Scope.MAC, "02:42:AC:11:00:02")).isTrue();
    assertThat(e.counters().allowlisted()).isEqualTo(5);
    // A block that holds none of them is fine.
    Verdict narrow =
        new Verdict(Kind.PACKET, Severity.CRITICAL, 1, Scope.CIDR, "10.1.0.0/16", "x", "", T0);
    assertThat(e.decide(narrow, T0)).isPresent();
  }

  @Test
  void decide_oneDecisionPerEntityAndActionWhileActive() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    Decision d = e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, T0), T0).orElseThrow();
    assertThat(e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.99, T0), T0.plusSeconds(60)))
        .isEmpty();
    assertThat(e.counters().active()).isEqualTo(1);
    e.lifted(d, T0.plusSeconds(90));
    // evidence from before the lift (the tail of the incident the operator judged) decides nothing
    assertThat(e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.99, T0), T0.plusSeconds(100)))
        .isEmpty();
    assertThat(
            e.decide(
                packet("10.0.0.66", Severity.CRITICAL, 0.99, T0.plusSeconds(90)),
                T0.plusSeconds(100)))
        .isEmpty();
    assertThat(e.counters().afterLift()).isEqualTo(2);
    // new evidence does
    assertThat(
            e.decide(
                packet("10.0.0.66", Severity.CRITICAL, 0.99, T0.plusSeconds(95)),
                T0.plusSeconds(120)))
        .isPresent();
  }

  @Test
  void lifted_dropsTheVerdictsHeldBackByMinAlerts() throws Exception {
    PolicyEngine e =
        engine(
            """
            rules:
              - name: twice
                match: {min-severity: high, min-alerts: 2, within: 1m}
                action: quarantine
                duration: 10m
            """,
            GatewayIdentity.none());
    Decision d =
        e.decide(packet("10.0.0.66", Severity.HIGH, 0.9, T0), T0)
            .or(() -> e.decide(packet("10.0.0.66", Severity.HIGH, 0.9, T0.plusSeconds(2)), T0))
            .orElseThrow();
    // while it is live, more alerts come in (held: one of them is pending again)
    assertThat(e.decide(packet("10.0.0.66", Severity.HIGH, 0.9, T0.plusSeconds(4)), T0)).isEmpty();
    e.lifted(d, T0.plusSeconds(5));
    // one new alert after the lift is not two: the held one before the lift no longer counts
    assertThat(
            e.decide(packet("10.0.0.66", Severity.HIGH, 0.9, T0.plusSeconds(6)), T0.plusSeconds(6)))
        .isEmpty();
    assertThat(
            e.decide(packet("10.0.0.66", Severity.HIGH, 0.9, T0.plusSeconds(7)), T0.plusSeconds(7)))
        .isPresent();
  }

  @Test
  void decide_repeatOffendersEscalateUpToMaxThenForgetAfterLookBack() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    Instant t = T0;
    List<Duration> got = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Decision d = e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, t), t).orElseThrow();
      got.add(Duration.between(d.created(), d.expires()));
      t = d.expires().plusSeconds(1);
    }
    assertThat(got)
        .containsExactly(
            Duration.ofHours(1),
            Duration.ofHours(2),
            Duration.ofHours(4),
            Duration.ofHours(6),
            Duration.ofHours(6));
    // Offences older than the look-back no longer count.
    Instant later = t.plus(Duration.ofDays(2));
    Decision fresh =
        e.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, later), later).orElseThrow();
    assertThat(Duration.between(fresh.created(), fresh.expires())).isEqualTo(Duration.ofHours(1));
    assertThat(fresh.reason()).doesNotContain("offence");
  }

  @Test
  void decide_ruleWithEscalateFalseKeepsItsDuration() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    Instant t = T0;
    for (int i = 0; i < 3; i++) {
      Verdict v =
          new Verdict(Kind.TELEMETRY, Severity.LOW, 0.1, Scope.DEVICE, "sensor-4", "drift", "", t);
      Decision d = e.decide(v, t).orElseThrow();
      assertThat(Duration.between(d.created(), d.expires())).isEqualTo(Duration.ofMinutes(10));
      t = d.expires();
    }
  }

  @Test
  void decide_blastRadiusCapsNewDecisionsPerMinute() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    int made = 0;
    for (int i = 1; i <= 10; i++) {
      Optional<Decision> d =
          e.decide(packet("10.0.1." + i, Severity.CRITICAL, 0.95, T0), T0.plusSeconds(i));
      made += d.isPresent() ? 1 : 0;
    }
    assertThat(made).isEqualTo(3);
    assertThat(e.counters().capped()).isEqualTo(7);
    // A minute after the first ones, room again.
    assertThat(e.decide(packet("10.0.2.1", Severity.CRITICAL, 0.95, T0), T0.plusSeconds(62)))
        .isPresent();
  }

  @Test
  void restore_keepsEscalationAndActiveAcrossRestart() throws Exception {
    PolicyEngine first = engine(POLICY, GatewayIdentity.none());
    Decision d1 = first.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, T0), T0).orElseThrow();
    PolicyEngine second = engine(POLICY, GatewayIdentity.none());
    second.restore(List.of(d1), Set.of());
    assertThat(second.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, T0), T0.plusSeconds(10)))
        .isEmpty();
    Instant after = d1.expires().plusSeconds(1);
    Decision d2 =
        second.decide(packet("10.0.0.66", Severity.CRITICAL, 0.95, after), after).orElseThrow();
    assertThat(Duration.between(d2.created(), d2.expires())).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void verdict_refusesBadEntities() {
    assertThatThrownBy(() -> packet("10.0.0.1; reboot", Severity.LOW, 0, T0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> packet("10.0.0.1", Severity.LOW, Double.NaN, T0))
        .hasMessageContaining("finite");
    assertThat(packet("2001:DB8::1", Severity.LOW, 0, T0).entity()).isEqualTo("2001:db8::1");
  }

  @Test
  void gatewayIdentityLocal_holdsLoopbackSoTheGatewayNeverBlocksItself() throws Exception {
    GatewayIdentity self = GatewayIdentity.local();
    assertThat(self.addresses()).contains("127.0.0.1");
    PolicyEngine e = engine(POLICY, self);
    assertThat(e.allowlisted(Scope.IP, "127.0.0.1")).isTrue();
  }

  @Test
  void minAlerts_decidesOnlyOnceEnoughVerdictsFallWithinTheSpan() throws Exception {
    PolicyEngine e =
        engine(
            """
            rules:
              - name: persistent
                match: {kind: packet, min-severity: high, min-alerts: 3, within: 10s}
                action: quarantine
                duration: 10m
              - name: note-it
                match: {kind: packet, min-severity: high}
                action: alert
                duration: 1m
            """,
            GatewayIdentity.none());
    Verdict one = packet("10.1.0.5", Severity.HIGH, 2, T0);
    // The first two of the host's verdicts within 10 s fall through to the next rule.
    assertThat(e.decide(one, T0).orElseThrow().action()).isEqualTo(Decision.Action.ALERT);
    assertThat(e.decide(packet("10.1.0.5", Severity.HIGH, 2, T0.plusSeconds(4)), T0)).isEmpty();
    // Another host's verdicts count for that host only.
    assertThat(
            e.decide(packet("10.1.0.6", Severity.HIGH, 2, T0.plusSeconds(5)), T0)
                .orElseThrow()
                .action())
        .isEqualTo(Decision.Action.ALERT);
    // The third within 10 s of the first two quarantines.
    Decision d =
        e.decide(packet("10.1.0.5", Severity.HIGH, 2, T0.plusSeconds(8)), T0).orElseThrow();
    assertThat(d.action()).isEqualTo(Decision.Action.QUARANTINE);
    assertThat(d.reason()).contains("[rule persistent");
  }

  @Test
  void minAlerts_spreadOutVerdictsNeverAddUp() throws Exception {
    PolicyEngine e =
        engine(
            """
            rules:
              - name: persistent
                match: {min-alerts: 2, within: 10s}
                action: quarantine
                duration: 10m
            """,
            GatewayIdentity.none());
    for (int i = 0; i < 20; i++) {
      Instant t = T0.plusSeconds(11L * i); // one verdict every 11 s: never two within 10 s
      assertThat(e.decide(packet("10.1.0.5", Severity.HIGH, 2, t), t)).isEmpty();
    }
    assertThat(e.counters().pending()).isEqualTo(20);
    assertThat(e.counters().unmatched()).isZero();
    // Out of order: a verdict that arrives late but lies within 10 s of the last one completes it.
    Instant last = T0.plusSeconds(11L * 19);
    assertThat(e.decide(packet("10.1.0.5", Severity.HIGH, 2, last.minusSeconds(3)), last))
        .isPresent();
  }

  @Test
  void role_quarantinesTheScannerNotTheHostsItScans() throws Exception {
    PolicyEngine e =
        engine(
            """
            rules:
              - name: quarantine-initiators
                match: {kind: packet, role: initiator}
                action: quarantine
                duration: 10m
            """,
            GatewayIdentity.none());
    Verdict scanned =
        new Verdict(
            Kind.PACKET,
            Severity.HIGH,
            3,
            Scope.IP,
            "10.1.0.12",
            "rst storm",
            "",
            T0,
            Verdict.Role.RESPONDER);
    Verdict scanner =
        new Verdict(
            Kind.PACKET,
            Severity.HIGH,
            3,
            Scope.IP,
            "10.1.0.66",
            "scan",
            "",
            T0,
            Verdict.Role.INITIATOR);
    Verdict unknown = packet("10.1.0.7", Severity.HIGH, 3, T0);
    assertThat(e.decide(scanned, T0)).isEmpty();
    assertThat(e.decide(unknown, T0)).isEmpty();
    assertThat(e.decide(scanner, T0).orElseThrow().value()).isEqualTo("10.1.0.66");
    assertThat(e.counters().unmatched()).isEqualTo(2);
  }

  @Test
  void detector_aBeaconRuleTakesBeaconsOnlyAndTheNextRuleTheRest() throws Exception {
    PolicyEngine e =
        engine(
            """
            rules:
              - name: quarantine-beacons
                match: {kind: packet, detector: beacon, min-severity: high}
                action: quarantine
                duration: 1h
              - name: alert-on-the-rest
                match: {kind: packet}
                action: alert
                duration: 10m
            """,
            GatewayIdentity.none());
    Verdict beacon =
        new Verdict(
            Kind.PACKET,
            Severity.HIGH,
            1,
            Scope.IP,
            "10.1.0.12",
            "polls 10.1.0.66:8443/tcp every 3.0 s",
            "",
            T0,
            Verdict.Role.INITIATOR,
            Verdict.Detector.BEACON);
    Verdict window = packet("10.1.0.13", Severity.CRITICAL, 9, T0);
    assertThat(window.detector()).isEqualTo(Verdict.Detector.ENSEMBLE);
    Decision b = e.decide(beacon, T0).orElseThrow();
    assertThat(b.action()).isEqualTo(Decision.Action.QUARANTINE);
    assertThat(b.value()).isEqualTo("10.1.0.12");
    Decision w = e.decide(window, T0).orElseThrow();
    assertThat(w.action()).isEqualTo(Decision.Action.ALERT);
    assertThat(w.value()).isEqualTo("10.1.0.13");
  }

  @Test
  void surgeGuard_manyHostsAtOnceAreAnEventNotAnAttacker() throws Exception {
    PolicyEngine e =
        engine(
            """
            surge-guard: {hosts: 3, within: 30s, look-back: 10s}
            rules:
              - name: quarantine
                match: {kind: packet}
                action: quarantine
                duration: 10m
              - name: note-it
                match: {kind: packet}
                action: alert
                duration: 1m
            """,
            GatewayIdentity.none());
    // One attacker: quarantined.
    assertThat(e.decide(packet("10.1.0.66", Severity.HIGH, 3, T0), T0).orElseThrow().action())
        .isEqualTo(Decision.Action.QUARANTINE);
    // 20 s later every device at once (reconnecting after an outage): the first is quarantined (two
    // hosts within 30 s), the second makes a surge: it is held and alerted on instead, and the
    // first
    // one's quarantine, made a second before, is handed back to be lifted; the attacker's, 20 s
    // before (past the look-back of 10 s), is not.
    Instant at = T0.plusSeconds(20);
    Decision first = e.decide(packet("10.1.0.11", Severity.HIGH, 3, at), at).orElseThrow();
    assertThat(first.action()).isEqualTo(Decision.Action.QUARANTINE);
    assertThat(e.takeSurgeLifts()).isEmpty();
    Decision second =
        e.decide(packet("10.1.0.12", Severity.HIGH, 3, at.plusSeconds(1)), at).orElseThrow();
    assertThat(second.action()).isEqualTo(Decision.Action.ALERT);
    assertThat(e.takeSurgeLifts()).containsExactly(first.id());
    assertThat(e.takeSurgeLifts()).as("handed back once").isEmpty();
    assertThat(
            e.decide(packet("10.1.0.13", Severity.HIGH, 3, at.plusSeconds(2)), at)
                .orElseThrow()
                .action())
        .isEqualTo(Decision.Action.ALERT);
    assertThat(e.counters().surgeLifted()).isEqualTo(1);
    // Later, alone again: quarantined; the lifted one counts as no offence
    Instant later = T0.plusSeconds(120);
    assertThat(e.decide(packet("10.1.0.14", Severity.HIGH, 3, later), later).orElseThrow().action())
        .isEqualTo(Decision.Action.QUARANTINE);
    Instant again = later.plusSeconds(60);
    Decision d = e.decide(packet("10.1.0.11", Severity.HIGH, 3, again), again).orElseThrow();
    assertThat(d.action()).isEqualTo(Decision.Action.QUARANTINE);
    assertThat(d.reason()).doesNotContain("offence");
  }

  @Test
  void surgeGuard_lookBackIsAtMostWithin() {
    assertThatThrownBy(
            () ->
                engine(
                    """
                    surge-guard: {hosts: 3, within: 5s, look-back: 10s}
                    rules: []
                    """,
                    GatewayIdentity.none()))
        .hasMessageContaining("look-back");
  }

  private static Verdict sender(String mac, String ip, boolean spoofed) {
    return new Verdict(
        Kind.PACKET,
        Severity.CRITICAL,
        0.95,
        Scope.MAC,
        mac,
        "syn flood",
        "",
        T0,
        Verdict.Role.INITIATOR,
        Verdict.Detector.ENSEMBLE,
        ip,
        spoofed);
  }

  @Test
  void decide_lanSenderMatchesAddressRulesAndIsDecidedByMac() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    // The rule says scope [ip, cidr] and cidr 10.0.0.0/8: the sender's address is checked.
    Decision d = e.decide(sender("02:00:00:00:00:66", "10.0.0.66", false), T0).orElseThrow();
    assertThat(d.scope()).isEqualTo(Scope.MAC);
    assertThat(d.value()).isEqualTo("02:00:00:00:00:66");
    assertThat(e.decide(sender("02:00:00:00:00:67", "172.16.0.1", false), T0))
        .as("an address outside the rule's blocks")
        .isEmpty();
  }

  @Test
  void decide_senderOfAnAllowlistedAddress_onlyWhenSpoofing() throws Exception {
    PolicyEngine e = engine(POLICY, GatewayIdentity.none());
    assertThat(e.decide(sender("02:00:00:00:00:10", "10.0.0.10", false), T0))
        .as("the management host's own MAC")
        .isEmpty();
    assertThat(e.counters().allowlisted()).isEqualTo(1);
    Decision d = e.decide(sender("02:00:00:00:00:66", "10.0.0.10", true), T0).orElseThrow();
    assertThat(d.value()).as("the spoofer, never the address").isEqualTo("02:00:00:00:00:66");
  }

  @Test
  void verdict_spoofedWithoutAddress_isRefused() {
    assertThatThrownBy(() -> sender("02:00:00:00:00:66", null, true))
        .hasMessageContaining("spoofed");
  }
}
