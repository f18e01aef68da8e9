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

  /** Returns the nft scripts run, in order. */
  private List<String> scripts() {
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < fake.argvs.size(); i++) {
      if (fake.argvs.get(i).get(0).endsWith("nft")) {
        out.add(fake.stdins.get(i));
      }
    }
    return out;
  }

  @Test
  void apply_setsTheRouteAndTheMarkRuleOnceThenTheElementWithTheDecisionsTtl() throws Exception {
    ip.apply(d(Decision.Scope.IP, "10.1.0.2", false));
    rulesJson =
        "[{\"priority\":1000,\"src\":\"all\",\"fwmark\":\"0x10000000/0x10000000\","
            + "\"table\":\"100\"}]";
    ip.apply(d(Decision.Scope.CIDR, "10.8.0.0/16", false));
    assertThat(writes())
        .filteredOn(w -> w.startsWith("/usr/sbin/ip "))
        .containsExactly(
            "/usr/sbin/ip route replace default via 10.3.0.2 dev p-hp table 100",
            "/usr/sbin/ip rule add fwmark 0x10000000/0x10000000 lookup 100 priority 1000",
            "/usr/sbin/ip route replace default via 10.3.0.2 dev p-hp table 100");
    List<String> nft = scripts();
    assertThat(nft).hasSize(2);
    assertThat(nft.get(0))
        .contains("add table inet vigil_reroute")
        .contains(
            "add chain inet vigil_reroute prerouting { type filter hook prerouting priority -150;")
        .contains("ip saddr @reroute4 meta mark set meta mark or 0x10000000")
        .contains("ether saddr @reroute_mac meta mark set meta mark or 0x10000000")
        .endsWith("add element inet vigil_reroute reroute4 { 10.1.0.2 timeout 60s }\n");
    assertThat(nft.get(1))
        .endsWith("add element inet vigil_reroute reroute4_net { 10.8.0.0/16 timeout 60s }\n");
  }

  @Test
  void revoke_takesTheElementOutAndLeavesRulesAlone() throws Exception {
    ip.revoke(d(Decision.Scope.IP, "10.1.0.2", false));
    assertThat(writes()).noneMatch(w -> w.startsWith("/usr/sbin/ip "));
    assertThat(scripts())
        .singleElement()
        .asString()
        .endsWith(
            "add element inet vigil_reroute reroute4 { 10.1.0.2 }\n"
                + "delete element inet vigil_reroute reroute4 { 10.1.0.2 }\n");
  }

  @Test
  void reconcile_deletesEarlierVersionsRulesOnlyAndRefillsTheSets() throws Exception {
    ip.reconcile(
        List.of(d(Decision.Scope.IP, "10.1.0.9", false), d(Decision.Scope.IP, "10.1.0.3", false)));
    assertThat(writes())
        .filteredOn(w -> w.startsWith("/usr/sbin/ip "))
        .containsExactly(
            "/usr/sbin/ip rule del from 10.1.0.9 lookup 100 priority 1000",
            "/usr/sbin/ip rule del from 10.8.0.0/16 lookup 100 priority 1000",
            "/usr/sbin/ip route replace default via 10.3.0.2 dev p-hp table 100",
            "/usr/sbin/ip rule add fwmark 0x10000000/0x10000000 lookup 100 priority 1000");
    assertThat(scripts())
        .singleElement()
        .asString()
        .contains("flush set inet vigil_reroute reroute4\n")
        .contains("flush set inet vigil_reroute reroute_mac\n")
        .endsWith(
            "add element inet vigil_reroute reroute4 { 10.1.0.9 timeout 60s }\n"
                + "add element inet vigil_reroute reroute4 { 10.1.0.3 timeout 60s }\n");
  }

  @Test
  void fwmarkAndMarkTableAreSettings() throws Exception {
    ip.configure(Map.of("nextHop", "10.3.0.2", "fwmark", 0x40, "markTable", "rr"));
    ip.apply(d(Decision.Scope.MAC, "02:00:00:00:00:01", false));
    assertThat(writes())
        .contains("/usr/sbin/ip rule add fwmark 0x40/0x40 lookup 100 priority 1000");
    assertThat(scripts())
        .singleElement()
        .asString()
        .contains("meta mark set meta mark or 0x40")
        .endsWith("add element inet rr reroute_mac { 02:00:00:00:00:01 timeout 60s }\n");
    assertThatThrownBy(() -> ip.configure(Map.of("nextHop", "10.3.0.2", "fwmark", 0)))
        .hasMessageContaining("fwmark");
    assertThatThrownBy(() -> ip.configure(Map.of("nextHop", "10.3.0.2", "markTable", "a b")))
        .hasMessageContaining("markTable");
  }

  @Test
  void apply_refusesBeforeAnyCommandRuns() {
    for (String v :
        List.of("1.2.3.4; reboot", "--help", "1.2.3.4\n", "10.3.0.2", "fd00::2", "10.0.0.0/8")) {
      assertThatThrownBy(() -> ip.apply(d(Decision.Scope.IP, v, false)))
          .as(v)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ip.apply(d(Decision.Scope.MAC, "02:00:00:00:00:0", false)))
        .isInstanceOf(IllegalArgumentException.class);
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
        .filteredOn(w -> w.startsWith("/usr/sbin/ip "))
        .containsExactly(
            "/usr/sbin/ip -6 route replace default via fd03::2 table 100",
            "/usr/sbin/ip -6 rule add fwmark 0x10000000/0x10000000 lookup 100 priority 1000");
    assertThat(scripts())
        .singleElement()
        .asString()
        .endsWith("add element inet vigil_reroute reroute6 { fd01::2 timeout 60s }\n");
  }
}
