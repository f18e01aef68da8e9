package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.MitigatorRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The nftables backend against a fake runner: what it would run, and what it refuses to. */
class NftablesMitigatorTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final FakeRunner fake = new FakeRunner();
  private final NftablesMitigator nft =
      new NftablesMitigator(
          // the process engine: the fake runner records what would run
          NftablesMitigator.Config.fromMap(
              Map.of("allow", List.of("10.1.0.1"), "engine", "process")),
          Clock.fixed(NOW, ZoneOffset.UTC),
          fake);

  static Decision d(Decision.Scope scope, String value, long ttlMillis, boolean simulated) {
    return new Decision(
        "d1",
        scope,
        value,
        Decision.Action.QUARANTINE,
        "test",
        0.9,
        Decision.Origin.DETECTOR,
        NOW.minusSeconds(10),
        NOW.plusMillis(ttlMillis),
        simulated);
  }

  @Test
  void apply_isOneTransactionOnStdinWithTheRemainingTtlRoundedUp() throws Exception {
    nft.apply(d(Decision.Scope.IP, "10.1.0.2", 2_100, false));
    assertThat(fake.argvs).hasSize(1);
    assertThat(fake.argvs.get(0)).containsExactly("/usr/sbin/nft", "-f", "-");
    String script = fake.stdins.get(0);
    assertThat(script)
        .contains("add table inet vigil\n", "add table bridge vigil\n")
        .contains("add set inet vigil quarantine4 { type ipv4_addr; flags timeout; }")
        .contains("add set bridge vigil quarantine_mac { type ether_addr; flags timeout; }")
        .contains("flush chain inet vigil forward\n")
        .contains("add rule bridge vigil forward ether daddr @quarantine_mac drop\n")
        .contains("add element inet vigil quarantine4 { 10.1.0.2 timeout 3s }\n")
        .contains("add element bridge vigil quarantine4 { 10.1.0.2 timeout 3s }\n")
        .doesNotContain("ruleset", "flush table", "delete table");
  }

  @Test
  void apply_prefixGoesToTheIntervalSetAndMacToTheMacSet() throws Exception {
    nft.apply(d(Decision.Scope.CIDR, "fd00:1::/64", 60_000, false));
    nft.apply(d(Decision.Scope.MAC, "02:AA:00:00:00:01", 60_000, false));
    assertThat(fake.stdins.get(0))
        .contains("add element inet vigil quarantine6_net { fd00:1::/64 timeout 60s }");
    assertThat(fake.stdins.get(1))
        .contains("add element bridge vigil quarantine_mac { 02:aa:00:00:00:01 timeout 60s }");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.2.3.4; reboot",
        "--help",
        "1.2.3.4\nflush ruleset",
        "1.2.3.4 } ; flush ruleset ; add element inet vigil quarantine4 { 1.2.3.5",
        "$(reboot)",
        "10.1.0.1",
      })
  void apply_refusesBeforeAnyCommandRuns(String value) {
    assertThatThrownBy(() -> nft.apply(d(Decision.Scope.IP, value, 60_000, false)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> nft.revoke(d(Decision.Scope.IP, value, 60_000, false)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> nft.apply(d(Decision.Scope.MAC, value, 60_000, true)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(fake.argvs).isEmpty();
  }

  @Test
  void apply_refusesOtherActions() {
    Decision r =
        new Decision(
            "r",
            Decision.Scope.IP,
            "10.1.0.2",
            Decision.Action.REROUTE,
            "x",
            0,
            Decision.Origin.MANUAL,
            NOW,
            NOW.plusSeconds(5),
            false);
    assertThatThrownBy(() -> nft.apply(r)).hasMessageContaining("not REROUTE");
    assertThat(fake.argvs).isEmpty();
  }

  @Test
  void apply_simulatedOrExpiredRunsNothing() throws Exception {
    nft.apply(d(Decision.Scope.IP, "10.1.0.2", 60_000, true));
    nft.revoke(d(Decision.Scope.IP, "10.1.0.2", 60_000, true));
    nft.apply(d(Decision.Scope.IP, "10.1.0.2", 0, false));
    assertThat(fake.argvs).isEmpty();
  }

  @Test
  void revoke_addsThenDeletesSoThatAnAbsentElementIsFine() throws Exception {
    nft.revoke(d(Decision.Scope.IP, "10.1.0.2", 60_000, false));
    assertThat(fake.stdins.get(0))
        .contains(
            "add element inet vigil quarantine4 { 10.1.0.2 }\n"
                + "delete element inet vigil quarantine4 { 10.1.0.2 }\n");
  }

  @Test
  void reconcile_flushesAndReaddsOnlyWhatIsLive() throws Exception {
    nft.reconcile(
        List.of(
            d(Decision.Scope.IP, "10.1.0.2", 30_000, false),
            d(Decision.Scope.IP, "10.1.0.2", 90_000, false),
            d(Decision.Scope.IP, "10.1.0.3", 30_000, true),
            d(Decision.Scope.IP, "10.1.0.4", -1_000, false),
            d(Decision.Scope.IP, "10.1.0.1", 30_000, false),
            d(Decision.Scope.CIDR, "10.9.0.0/16", 30_000, false),
            d(Decision.Scope.CIDR, "10.9.1.0/24", 30_000, false)));
    assertThat(fake.argvs).hasSize(1);
    String s = fake.stdins.get(0);
    assertThat(s)
        .contains("flush set inet vigil quarantine4\n", "flush set bridge vigil quarantine_mac\n")
        .contains("add element inet vigil quarantine4 { 10.1.0.2 timeout 90s }")
        .contains("add element inet vigil quarantine4_net { 10.9.0.0/16 timeout 30s }")
        .doesNotContain("10.1.0.3", "10.1.0.4", "10.1.0.1 ", "10.9.1.0");
  }

  @Test
  void configure_rejectsUnknownKeysAndBadValues() {
    assertThatThrownBy(() -> nft.configure(Map.of("tabel", "x")))
        .hasMessageContaining("unknown setting(s) [tabel]");
    assertThatThrownBy(() -> nft.configure(Map.of("inetTable", "vigil; flush ruleset")))
        .hasMessageContaining("inetTable");
    assertThatThrownBy(() -> nft.configure(Map.of("netns", "--help")))
        .hasMessageContaining("netns");
    assertThatThrownBy(() -> nft.configure(Map.of("allow", List.of("10.0.0.0/33"))))
        .hasMessageContaining("prefix length");
    assertThatThrownBy(() -> nft.configure(Map.of("nft", "nft")))
        .hasMessageContaining("absolute path");
    assertThat(nft.config().allow()).containsExactly("10.1.0.1");
  }

  @Test
  void configure_netnsAndBridgeOff() throws Exception {
    nft.configure(Map.of("netns", "gw1", "bridge", false, "inetTable", "q"));
    nft.apply(d(Decision.Scope.IP, "10.1.0.2", 60_000, false));
    assertThat(fake.argvs.get(0))
        .containsExactly("/usr/sbin/ip", "netns", "exec", "gw1", "/usr/sbin/nft", "-f", "-");
    assertThat(fake.stdins.get(0)).contains("add table inet q\n").doesNotContain("bridge");
  }

  @Test
  void configure_engineIsValidated() {
    assertThatThrownBy(() -> nft.configure(Map.of("engine", "fast")))
        .hasMessageContaining("engine")
        .hasMessageContaining("auto, library or process")
        .hasMessageContaining("fast");
    assertThatThrownBy(() -> nft.configure(Map.of("engine", "library", "netns", "gw1")))
        .hasMessageContaining("engine [library]")
        .hasMessageContaining("netns [gw1]");
    assertThatThrownBy(() -> nft.configure(Map.of("engine", 1))).hasMessageContaining("engine");
    assertThat(nft.config().engine()).isEqualTo(NftablesMitigator.Engine.PROCESS); // kept
  }

  @Test
  void engine_autoIsTheLibraryOnlyWhenItLoadsAndNoNetnsIsSet() throws Exception {
    NftablesMitigator.Engine expected =
        Libnftables.loadError() == null
            ? NftablesMitigator.Engine.LIBRARY
            : NftablesMitigator.Engine.PROCESS;
    try (NftablesMitigator real = new NftablesMitigator()) {
      assertThat(real.engine()).isEqualTo(expected);
      real.configure(Map.of("netns", "gw1"));
      assertThat(real.engine()).isEqualTo(NftablesMitigator.Engine.PROCESS);
      real.configure(Map.of("engine", "process"));
      assertThat(real.engine()).isEqualTo(NftablesMitigator.Engine.PROCESS);
      real.configure(Map.of());
      assertThat(real.engine()).isEqualTo(expected);
    }
    // engine process goes through the runner (here the fake) whatever the library
    assertThat(nft.engine()).isEqualTo(NftablesMitigator.Engine.PROCESS);
  }

  @Test
  void configure_libraryEngineFailsWhenTheLibraryCannotLoad() throws Exception {
    if (Libnftables.loadError() == null) {
      nft.configure(Map.of("engine", "library"));
      assertThat(nft.config().engine()).isEqualTo(NftablesMitigator.Engine.LIBRARY);
    } else {
      assertThatThrownBy(() -> nft.configure(Map.of("engine", "library")))
          .hasMessageContaining("engine: [library] but cannot load");
    }
  }

  @Test
  void serviceLoader_findsBothNetworkBackends() {
    assertThat(MitigatorRegistry.load().types()).contains("log", "nftables", "iproute2");
  }
}
