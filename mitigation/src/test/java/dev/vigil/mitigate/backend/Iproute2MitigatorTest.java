package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The iproute2 backend against a fake runner that plays the kernel's rule list. */
class Iproute2MitigatorTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private String rulesJson =
      "[{\"priority\":0,\"src\":\"all\",\"table\":\"local\"},"
          + "{\"priority\":1000,\"src\":\"10.1.0.9\",\"table\":\"100\"},"
          + "{\"priority\":1000,\"src\":\"10.8.0.0\",\"srclen\":16,\"table\":\"100\"},"
          + "{\"priority\":1000,\"src\":\"10.1.0.7\",\"table\":\"200\"},"
          + "{\"priority\":1000,\"src\":\"all\",\"table\":\"100\"},"
          + "{\"priority\":32766,\"src\":\"all\",\"table\":\"main\"}]";
  private final FakeRunner fake = new FakeRunner(argv -> argv.contains("-j") ? rulesJson : "");
  private final Iproute2Mitigator ip =
      new Iproute2Mitigator(
          Iproute2Mitigator.Config.fromMap(Map.of("nextHop", "10.3.0.2", "dev", "p-hp")),
          Clock.fixed(NOW, ZoneOffset.UTC),
          fake);

  static Decision d(Decision.Scope scope, String value, boolean simulated) {
    return new Decision(
        "r1",
        scope,
        value,
        Decision.Action.REROUTE,
        "test",
        0.9,
        Decision.Origin.DETECTOR,
        NOW.minusSeconds(1),
        NOW.plusSeconds(60),
        simulated);
  }

  private List<String> writes() {
    return fake.argvs.stream()
        .filter(a -> !a.contains("-j"))
        .map(a -> String.join(" ", a))
        .toList();
  }

  @Test
  void apply_setsTheRouteThenAddsTheRuleOnce() throws Exception {
    ip.apply(d(Decision.Scope.IP, "10.1.0.2", false));
    ip.apply(d(Decision.Scope.IP, "10.1.0.9", false)); // already there
    assertThat(writes())
        .containsExactly(
            "/usr/sbin/ip route replace default via 10.3.0.2 dev p-hp table 100",
            "/usr/sbin/ip rule add from 10.1.0.2 lookup 100 priority 1000",
            "/usr/sbin/ip route replace default via 10.3.0.2 dev p-hp table 100");
  }

  @Test
  void revoke_deletesOnlyAPresentRule() throws Exception {
    ip.revoke(d(Decision.Scope.IP, "10.1.0.2", false));
    ip.revoke(d(Decision.Scope.CIDR, "10.8.0.0/16", false));
    assertThat(writes())
        .containsExactly("/usr/sbin/ip rule del from 10.8.0.0/16 lookup 100 priority 1000");
  }

  @Test
  void reconcile_deletesItsStaleRulesOnlyAndAddsMissingOnes() throws Exception {
    ip.reconcile(
        List.of(d(Decision.Scope.IP, "10.1.0.9", false), d(Decision.Scope.IP, "10.1.0.3", false)));
    assertThat(writes())
        .containsExactly(
            "/usr/sbin/ip rule del from 10.8.0.0/16 lookup 100 priority 1000",
            "/usr/sbin/ip route replace default via 10.3.0.2 dev p-hp table 100",
            "/usr/sbin/ip rule add from 10.1.0.3 lookup 100 priority 1000");
  }

  @Test
  void apply_refusesBeforeAnyCommandRuns() {
    for (String v :
        List.of("1.2.3.4; reboot", "--help", "1.2.3.4\n", "10.3.0.2", "fd00::2", "10.0.0.0/8")) {
      assertThatThrownBy(() -> ip.apply(d(Decision.Scope.IP, v, false)))
          .as(v)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ip.apply(d(Decision.Scope.MAC, "02:00:00:00:00:01", false)))
        .hasMessageContaining("not MAC");
    assertThat(fake.argvs).isEmpty();
  }

  @Test
  void apply_simulatedRunsNothing() throws Exception {
    ip.apply(d(Decision.Scope.IP, "10.1.0.2", true));
    ip.revoke(d(Decision.Scope.IP, "10.1.0.2", true));
    assertThat(fake.argvs).isEmpty();
  }

  @Test
  void unconfigured_refusesAndReportsUnhealthy() {
    Iproute2Mitigator bare = new Iproute2Mitigator();
    assertThat(bare.health()).contains("not configured");
    assertThatThrownBy(() -> bare.apply(d(Decision.Scope.IP, "10.1.0.2", false)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> bare.configure(Map.of("dev", "eth0")))
        .hasMessageContaining("nextHop is required");
    assertThatThrownBy(() -> bare.configure(Map.of("nextHop", "10.3.0.2", "table", 254)))
        .hasMessageContaining("table [254]");
    assertThatThrownBy(() -> bare.configure(Map.of("nextHop", "10.3.0.2", "dev", "-x")))
        .hasMessageContaining("dev");
    assertThatThrownBy(() -> bare.configure(Map.of("nextHop", "gateway.local")))
        .hasMessageContaining("not an IP address");
  }

  @Test
  void ipv6NextHop_usesDashSix() throws Exception {
    rulesJson = "[]";
    ip.configure(Map.of("nextHop", "fd03::2"));
    ip.apply(d(Decision.Scope.IP, "fd01::2", false));
    assertThat(writes())
        .containsExactly(
            "/usr/sbin/ip -6 route replace default via fd03::2 table 100",
            "/usr/sbin/ip -6 rule add from fd01::2 lookup 100 priority 1000");
  }
}
