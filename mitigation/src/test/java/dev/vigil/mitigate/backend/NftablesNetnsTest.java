package dev.vigil.mitigate.backend;

import static dev.vigil.mitigate.backend.NetnsLab.DEV1;
import static dev.vigil.mitigate.backend.NetnsLab.DEV1_MAC;
import static dev.vigil.mitigate.backend.NetnsLab.DEV1_V6;
import static dev.vigil.mitigate.backend.NetnsLab.DEV2;
import static dev.vigil.mitigate.backend.NetnsLab.PORT;
import static dev.vigil.mitigate.backend.NetnsLab.TARGET;
import static dev.vigil.mitigate.backend.NetnsLab.TARGET_V6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real quarantines with nftables inside a throw-away gateway namespace (see {@link NetnsLab}):
 * traffic from a device stops, and comes back on revoke or, without any help, when the set
 * element's timeout lapses.
 */
@Tag("netns")
class NftablesNetnsTest {
  private NetnsLab lab;
  private NftablesMitigator nft;

  @BeforeEach
  void setUp() throws Exception {
    NetnsLab.assumeAvailable();
    lab = new NetnsLab();
    nft = new NftablesMitigator();
    nft.configure(Map.of("netns", lab.gw, "allow", List.of("10.1.0.100", "10.1.0.1")));
  }

  @AfterEach
  void tearDown() {
    if (lab != null) {
      lab.close();
    }
  }

  static Decision quarantine(String id, Decision.Scope scope, String value, long ttlSeconds) {
    Instant now = Instant.now();
    return new Decision(
        id,
        scope,
        value,
        Decision.Action.QUARANTINE,
        "test",
        0.9,
        Decision.Origin.MANUAL,
        now,
        now.plusSeconds(ttlSeconds),
        false);
  }

  @Test
  void apply_blocksTheDeviceUntilTheTimeoutLapsesWithoutTheDaemon() throws Exception {
    assertThat(lab.reaches(lab.dev1, TARGET)).as("baseline ping").isTrue();
    assertThat(lab.connect(lab.dev1, TARGET, PORT)).as("baseline tcp").isTrue();

    nft.apply(quarantine("q1", Decision.Scope.IP, DEV1, 3));

    // One check only: the element lapses 3 s from now (the others are in revoke_...).
    assertThat(lab.ping(lab.dev1, TARGET)).as("ping while quarantined").isFalse();
    // Nothing calls the mitigator from here on: the kernel lets the element lapse.
    assertThat(NetnsLab.within(Duration.ofSeconds(8), () -> pingQuietly(lab.dev1, TARGET)))
        .as("traffic restored after the TTL")
        .isTrue();
    assertThat(lab.connect(lab.dev1, TARGET, PORT)).isTrue();
    assertThat(lab.elements(lab.gw, "inet", "vigil")).isEmpty();
  }

  @Test
  void revoke_restoresTrafficAndIsIdempotent() throws Exception {
    Decision d = quarantine("q2", Decision.Scope.IP, DEV1, 600);
    Decision d6 = quarantine("q3", Decision.Scope.IP, DEV1_V6, 600);
    assertThat(lab.reaches(lab.dev1, TARGET_V6)).as("baseline ping v6").isTrue();
    nft.apply(d);
    nft.apply(d); // again: same state, fresh timeout
    nft.apply(d6);
    assertThat(lab.elements(lab.gw, "inet", "vigil"))
        .containsExactly("inet vigil/quarantine4/" + DEV1, "inet vigil/quarantine6/" + DEV1_V6);
    assertThat(lab.elements(lab.gw, "bridge", "vigil"))
        .containsExactly("bridge vigil/quarantine4/" + DEV1, "bridge vigil/quarantine6/" + DEV1_V6);
    assertThat(lab.ping(lab.dev1, TARGET)).isFalse();
    assertThat(lab.connect(lab.dev1, TARGET, PORT)).as("tcp while quarantined").isFalse();
    assertThat(lab.ping(lab.dev1, "10.1.0.1")).as("the gateway itself (input)").isFalse();
    assertThat(lab.ping(lab.dev1, TARGET_V6)).isFalse();
    assertThat(lab.reaches(lab.dev2, TARGET)).as("another device is untouched").isTrue();

    nft.revoke(d);
    nft.revoke(d6);
    nft.revoke(d); // absent: not an error

    assertThat(lab.reaches(lab.dev1, TARGET)).isTrue();
    assertThat(lab.reaches(lab.dev1, TARGET_V6)).isTrue();
    assertThat(lab.connect(lab.dev1, TARGET, PORT)).isTrue();
    assertThat(lab.elements(lab.gw, "inet", "vigil")).isEmpty();
    assertThat(lab.elements(lab.gw, "bridge", "vigil")).isEmpty();
  }

  @Test
  void apply_macBlocksBridgedTrafficBetweenDevicesOnTheSameBridge() throws Exception {
    assertThat(lab.reaches(lab.dev1, DEV2)).as("baseline, bridged").isTrue();
    Decision d = quarantine("m1", Decision.Scope.MAC, DEV1_MAC.toUpperCase(), 600);

    nft.apply(d);

    assertThat(lab.ping(lab.dev1, DEV2)).as("bridged, by the bridge table").isFalse();
    assertThat(lab.ping(lab.dev2, DEV1)).as("bridged, towards the device").isFalse();
    assertThat(lab.ping(lab.dev1, TARGET)).as("routed, by the inet table").isFalse();
    assertThat(lab.ping(lab.dev1, "10.1.0.1")).as("the gateway itself").isFalse();
    assertThat(lab.connect(lab.dev1, TARGET, PORT)).as("tcp, routed").isFalse();
    assertThat(lab.reaches(lab.dev2, TARGET)).isTrue();
    assertThat(lab.reaches(lab.dev2, "10.1.0.1")).isTrue();

    nft.revoke(d);
    assertThat(lab.reaches(lab.dev1, DEV2)).isTrue();
    assertThat(lab.reaches(lab.dev1, TARGET)).isTrue();
  }

  @Test
  void apply_ipBlocksBridgedTrafficToo() throws Exception {
    assertThat(lab.reaches(lab.dev2, DEV1)).isTrue();
    nft.apply(quarantine("b1", Decision.Scope.IP, DEV1, 600));
    // Never routed, so only the bridge table can see it.
    assertThat(lab.ping(lab.dev2, DEV1)).isFalse();
  }

  @Test
  void apply_refusesAllowlistedTargetsAndLeavesTrafficAlone() throws Exception {
    assertThatThrownBy(() -> nft.apply(quarantine("a1", Decision.Scope.IP, "10.1.0.100", 600)))
        .hasMessageContaining("allowlisted");
    // A prefix that contains an allowlisted address is refused too.
    assertThatThrownBy(() -> nft.apply(quarantine("a2", Decision.Scope.CIDR, "10.1.0.0/24", 600)))
        .hasMessageContaining("allowlisted by [10.1.0.");
    assertThat(lab.tables(lab.gw)).doesNotContain("inet vigil", "bridge vigil");
    assertThat(lab.reaches(lab.dev1, TARGET)).isTrue();
  }

  @Test
  void apply_simulatedLeavesNoState() throws Exception {
    Decision d = quarantine("s1", Decision.Scope.IP, DEV1, 600);
    Decision sim =
        new Decision(
            d.id(),
            d.scope(),
            d.value(),
            d.action(),
            d.reason(),
            d.score(),
            d.origin(),
            d.created(),
            d.expires(),
            true);
    nft.apply(sim);
    nft.revoke(sim);
    assertThat(lab.tables(lab.gw)).isEmpty();
    assertThat(lab.reaches(lab.dev1, TARGET)).isTrue();
  }

  @Test
  void reconcile_removesStaleAndRestoresMissingElementsAndLeavesOtherTablesAlone()
      throws Exception {
    lab.in(lab.gw, NetnsLab.NFT, "add", "table", "inet", "other");
    lab.in(lab.gw, NetnsLab.NFT, "add", "set", "inet", "other", "s", "{ type ipv4_addr; }");
    lab.in(lab.gw, NetnsLab.NFT, "add", "element", "inet", "other", "s", "{ " + DEV2 + " }");
    String other = lab.in(lab.gw, NetnsLab.NFT, "list", "table", "inet", "other");
    assertThat(nft.health()).as("no tables yet").contains("cannot list table inet vigil");

    nft.apply(quarantine("stale", Decision.Scope.IP, DEV1, 600));
    nft.reconcile(
        List.of(
            quarantine("live", Decision.Scope.IP, DEV2, 600),
            quarantine("net", Decision.Scope.CIDR, "10.9.0.0/24", 600),
            quarantine("narrower", Decision.Scope.CIDR, "10.9.0.0/25", 600),
            quarantine("bad", Decision.Scope.IP, "1.2.3.4; reboot", 600),
            quarantine("mac", Decision.Scope.MAC, "02:00:00:00:01:99", 600)));

    assertThat(lab.elements(lab.gw, "inet", "vigil"))
        .containsExactly(
            "inet vigil/quarantine4/" + DEV2,
            "inet vigil/quarantine4_net/10.9.0.0/24",
            "inet vigil/quarantine_mac/02:00:00:00:01:99");
    assertThat(lab.reaches(lab.dev1, TARGET)).as("stale element removed").isTrue();
    assertThat(lab.ping(lab.dev2, TARGET)).as("missing element restored").isFalse();
    assertThat(lab.in(lab.gw, NetnsLab.NFT, "list", "table", "inet", "other")).isEqualTo(other);
    assertThat(nft.health()).isNull();

    nft.reconcile(List.of());
    assertThat(lab.elements(lab.gw, "inet", "vigil")).isEmpty();
    assertThat(lab.elements(lab.gw, "bridge", "vigil")).isEmpty();
    assertThat(lab.in(lab.gw, NetnsLab.NFT, "list", "table", "inet", "other")).isEqualTo(other);
  }

  private boolean pingQuietly(String ns, String addr) {
    try {
      return lab.ping(ns, addr);
    } catch (Exception e) {
      return false;
    }
  }
}
