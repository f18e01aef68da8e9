package dev.vigil.features.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class AddressBindingsTest {
  private static final long SEC = 1_000_000L;
  private static final long TRUST = 30 * SEC;
  private static final long WINDOW = 2 * SEC;
  private static final int PLUG = 0x0a_2a_00_0c; // 10.42.0.12
  private static final int LOCK = 0x0a_2a_00_0d; // 10.42.0.13
  private static final int REMOTE = 0x08_08_08_08;
  private static final long PLUG_MAC = 0x02_00_00_00_00_0cL;
  private static final long LOCK_MAC = 0x02_00_00_00_00_0dL;
  private static final long ATTACKER_MAC = 0x02_00_00_00_00_66L;
  private static final long ROUTER_MAC = 0x02_00_00_00_00_01L;

  private final PacketMeta m = new PacketMeta();
  private final AddressBindings b = new AddressBindings(16, TRUST, WINDOW);

  private void arp(int ip, long mac, long t) {
    m.clear();
    m.timestampMicros = t;
    m.l3 = PacketMeta.L3_ARP;
    m.protocol = 1;
    m.srcMac = mac;
    m.srcHi = Addresses.mappedHi(ip);
    m.srcLo = Addresses.mappedLo(ip);
    b.update(m);
  }

  private void tcp(int ip, long mac, long t) {
    m.clear();
    m.timestampMicros = t;
    m.l3 = PacketMeta.L3_IPV4;
    m.protocol = PacketMeta.PROTO_TCP;
    m.tcpFlags = PacketMeta.TCP_SYN;
    m.srcMac = mac;
    m.srcHi = Addresses.mappedHi(ip);
    m.srcLo = Addresses.mappedLo(ip);
    b.update(m);
  }

  /** A DHCP server (the router) acknowledging {@code ip} for {@code client}. */
  private void dhcpAck(int ip, long client, long t) {
    m.clear();
    m.timestampMicros = t;
    m.l3 = PacketMeta.L3_IPV4;
    m.protocol = PacketMeta.PROTO_UDP;
    m.srcPort = 67;
    m.dstPort = 68;
    m.srcMac = ROUTER_MAC;
    m.srcHi = Addresses.mappedHi(0x0a_2a_00_01);
    m.srcLo = Addresses.mappedLo(0x0a_2a_00_01);
    m.dhcpMessageType = 5;
    m.dhcpYourAddress = ip;
    m.dhcpClientMac = client;
    b.update(m);
  }

  private AddressBindings.Sender sender(int ip, long t) {
    return b.sender(Addresses.mappedHi(ip), Addresses.mappedLo(ip), t);
  }

  @Test
  void sender_unboundAddress_isNull() {
    tcp(REMOTE, ROUTER_MAC, 0);
    tcp(REMOTE, ROUTER_MAC, SEC);
    assertThat(sender(REMOTE, SEC)).as("IP traffic alone binds nothing (routed hosts)").isNull();
    assertThat(b.size()).isZero();
  }

  @Test
  void dhcpAck_bindsTheGivenAddressToTheClientNotToTheServer() {
    dhcpAck(PLUG, PLUG_MAC, 0);
    long t = TRUST + SEC;
    for (int i = 0; i < 50; i++) {
      tcp(PLUG, ATTACKER_MAC, t + i);
    }
    AddressBindings.Sender s = sender(PLUG, t + SEC);
    assertThat(s).as("bound by the lease alone, before any ARP").isNotNull();
    assertThat(s.boundMac()).isEqualTo(PLUG_MAC);
    assertThat(s.trusted()).isTrue();
    assertThat(s.mac()).isEqualTo(ATTACKER_MAC);
    assertThat(s.spoofed()).isTrue();
  }

  @Test
  void dhcpAck_isAClaimLikeAnyOther_aForgedOneCannotMoveATrustedLiveBinding() {
    arp(PLUG, PLUG_MAC, 0);
    tcp(PLUG, PLUG_MAC, TRUST);
    dhcpAck(PLUG, ATTACKER_MAC, TRUST + SEC); // a rogue server's ACK
    assertThat(sender(PLUG, TRUST + 2 * SEC).boundMac()).isEqualTo(PLUG_MAC);
    assertThat(b.conflicts()).isEqualTo(1);
    dhcpAck(LOCK, 0x01_00_5e_00_00_01L, TRUST); // a group address is never a client
    assertThat(sender(LOCK, TRUST)).isNull();
  }

  @Test
  void sender_ownTraffic_isTheBoundMacNotSpoofed() {
    arp(PLUG, PLUG_MAC, 0);
    for (int i = 0; i < 10; i++) {
      tcp(PLUG, PLUG_MAC, TRUST + i * 1000);
    }
    AddressBindings.Sender s = sender(PLUG, TRUST + SEC);
    assertThat(s.mac()).isEqualTo(PLUG_MAC);
    assertThat(s.spoofed()).isFalse();
    assertThat(s.trusted()).isTrue();
  }

  @Test
  void sender_foreignMacDominates_isTheForeignMacAndSpoofedOnceTrusted() {
    arp(PLUG, PLUG_MAC, 0);
    long t = TRUST + SEC;
    for (int i = 0; i < 50; i++) {
      tcp(PLUG, PLUG_MAC, t + i); // the plug's RSTs to the victim's SYN-ACKs: as many as the SYNs
    }
    for (int i = 0; i < 50; i++) {
      tcp(PLUG, ATTACKER_MAC, t + 100 + i);
    }
    AddressBindings.Sender s = sender(PLUG, t + SEC);
    assertThat(s.mac()).isEqualTo(ATTACKER_MAC);
    assertThat(s.boundMac()).isEqualTo(PLUG_MAC);
    assertThat(s.spoofed()).isTrue();
  }

  @Test
  void sender_beforeTrust_namesTheDominantMacButNotSpoofed() {
    arp(PLUG, PLUG_MAC, 0);
    for (int i = 0; i < 50; i++) {
      tcp(PLUG, ATTACKER_MAC, SEC + i);
    }
    AddressBindings.Sender s = sender(PLUG, 2 * SEC);
    assertThat(s.mac()).as("the sender is still the attacker's MAC").isEqualTo(ATTACKER_MAC);
    assertThat(s.trusted()).isFalse();
    assertThat(s.spoofed()).isFalse();
  }

  @Test
  void sender_fewForeignPackets_staysTheBoundMac() {
    arp(PLUG, PLUG_MAC, 0);
    long t = TRUST + SEC;
    for (int i = 0; i < 31; i++) {
      tcp(PLUG, PLUG_MAC, t + i);
    }
    for (int i = 0; i < 10; i++) { // under a quarter
      tcp(PLUG, ATTACKER_MAC, t + 100 + i);
    }
    assertThat(sender(PLUG, t + SEC).mac()).isEqualTo(PLUG_MAC);
  }

  @Test
  void sender_countsAgeOutAfterTwoPeriods() {
    arp(PLUG, PLUG_MAC, 0);
    long t = TRUST + SEC;
    for (int i = 0; i < 50; i++) {
      tcp(PLUG, ATTACKER_MAC, t + i);
    }
    long later = t + 3 * WINDOW;
    tcp(PLUG, PLUG_MAC, later);
    AddressBindings.Sender s = sender(PLUG, later);
    assertThat(s.mac()).isEqualTo(PLUG_MAC);
    assertThat(s.spoofed()).isFalse();
  }

  @Test
  void claim_byAnotherMacWhileTrustedOwnerIsAlive_isRefused() {
    arp(PLUG, PLUG_MAC, 0);
    tcp(PLUG, PLUG_MAC, TRUST);
    arp(PLUG, ATTACKER_MAC, TRUST + SEC); // gratuitous ARP poisoning
    assertThat(b.conflicts()).isEqualTo(1);
    AddressBindings.Sender s = sender(PLUG, TRUST + SEC);
    assertThat(s.boundMac()).isEqualTo(PLUG_MAC);
    assertThat(s.trusted()).isTrue();
  }

  @Test
  void claim_contestBeforeTrust_restartsTheClock() {
    arp(PLUG, PLUG_MAC, 0);
    arp(PLUG, ATTACKER_MAC, TRUST / 2);
    assertThat(b.contests()).isEqualTo(1);
    AddressBindings.Sender s = sender(PLUG, TRUST + SEC);
    assertThat(s.boundMac()).isEqualTo(ATTACKER_MAC);
    assertThat(s.trusted()).as("held only TRUST/2 + 1 s since the contest").isFalse();
    assertThat(sender(PLUG, TRUST / 2 + TRUST).trusted()).isTrue();
  }

  @Test
  void claim_afterTheOwnerFellSilent_rebinds() {
    arp(PLUG, PLUG_MAC, 0);
    long t = 3 * TRUST;
    arp(PLUG, LOCK_MAC, t); // the plug was replaced; the new device took its address
    AddressBindings.Sender s = sender(PLUG, t);
    assertThat(s.boundMac()).isEqualTo(LOCK_MAC);
    assertThat(s.trusted()).isFalse();
  }

  @Test
  void update_groupOrZeroSender_claimsNothing() {
    arp(PLUG, 0x01_00_5e_00_00_01L, 0);
    arp(0, PLUG_MAC, 0);
    assertThat(b.size()).isZero();
  }

  @Test
  void update_neighbourDiscovery_bindsIpv6() {
    m.clear();
    m.l3 = PacketMeta.L3_IPV6;
    m.protocol = PacketMeta.PROTO_ICMPV6;
    m.srcPort = 136; // neighbour advertisement
    m.srcMac = LOCK_MAC;
    m.srcHi = 0xfe80_0000_0000_0000L;
    m.srcLo = 0x0000_00ff_fe00_000dL;
    b.update(m);
    assertThat(b.sender(m.srcHi, m.srcLo, 0).boundMac()).isEqualTo(LOCK_MAC);
  }

  @Test
  void table_isBounded_evictingTheLeastRecentlyClaimed() {
    for (int i = 0; i < 1000; i++) {
      arp(0x0a_00_00_00 + i, 0x02_00_00_00_10_00L + i, i);
    }
    assertThat(b.size()).isEqualTo(16);
    assertThat(b.evictions()).isEqualTo(1000 - 16);
  }

  @Test
  void constructor_rejectsBadArguments() {
    assertThatThrownBy(() -> new AddressBindings(15, TRUST, WINDOW))
        .hasMessageContaining("maxBindings");
    assertThatThrownBy(() -> new AddressBindings(16, -1, WINDOW))
        .hasMessageContaining("trustMicros");
    assertThatThrownBy(() -> new AddressBindings(16, TRUST, 999))
        .hasMessageContaining("periodMicros");
  }

  @Test
  void update_allocatesNothingPerPacket() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertThat(mx.isThreadAllocatedMemorySupported()).isTrue();
    mx.setThreadAllocatedMemoryEnabled(true);
    AddressBindings big = new AddressBindings(64, TRUST, WINDOW);
    PacketMeta p = new PacketMeta();
    long tid = Thread.currentThread().getId();
    long sink = 0;
    long t0 = mx.getThreadAllocatedBytes(tid);
    long measurementCost = mx.getThreadAllocatedBytes(tid) - t0;
    // A per-packet allocation costs at least 16 bytes x 200,000 in every round; a JIT event (an OSR
    // compile, a deoptimisation) may cost some bytes once. The steady state is the least of the
    // rounds after the first two, which warm the JIT up.
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 6; round++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 200_000; i++) {
        p.clear();
        p.timestampMicros = i * 100L;
        p.l3 = i % 7 == 0 ? PacketMeta.L3_ARP : PacketMeta.L3_IPV4;
        p.protocol = PacketMeta.PROTO_TCP;
        int ip = 0x0a_00_00_00 + (i * 31) % 200; // more addresses than the table holds: evictions
        p.srcHi = Addresses.mappedHi(ip);
        p.srcLo = Addresses.mappedLo(ip);
        p.srcMac = i % 3 == 0 ? ATTACKER_MAC : 0x02_00_00_00_20_00L + (i * 31) % 200;
        big.update(p);
        sink += big.size();
      }
      long allocated = mx.getThreadAllocatedBytes(tid) - before - measurementCost;
      if (round >= 2) {
        least = Math.min(least, allocated);
      }
    }
    assertThat(least).as("bytes allocated over 200,000 packets").isLessThanOrEqualTo(64);
    assertThat(big.evictions()).isPositive();
    assertThat(sink).isPositive();
  }
}
