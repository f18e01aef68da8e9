package dev.vigil.features.flow;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;

/** Parsed IPv4 packets for the flow trackers' and streaming detectors' tests. */
final class FlowPackets {
  private FlowPackets() {}

  /** Returns the IPv4 address a.b.c.d as an int. */
  static int ip(int a, int b, int c, int d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
  }

  /**
   * Clears {@code m} and fills it as the parser would an IPv4 packet from {@code src} to {@code
   * dst}; each host's MAC is 02:00:00:00:00:xx with xx its address's last byte. For ICMP, {@code
   * sport} and {@code dport} are the type and code (the parser sets both fields so).
   *
   * @return {@code m}
   */
  static PacketMeta ipv4(
      PacketMeta m, long ts, int src, int dst, int proto, int sport, int dport, int flags) {
    m.clear();
    m.timestampMicros = ts;
    m.l3 = PacketMeta.L3_IPV4;
    m.srcMac = 0x0200_0000_0000L | (src & 0xff);
    m.dstMac = 0x0200_0000_0000L | (dst & 0xff);
    m.srcHi = Addresses.mappedHi(src);
    m.srcLo = Addresses.mappedLo(src);
    m.dstHi = Addresses.mappedHi(dst);
    m.dstLo = Addresses.mappedLo(dst);
    m.protocol = proto;
    m.srcPort = sport;
    m.dstPort = dport;
    m.tcpFlags = flags;
    if (proto == PacketMeta.PROTO_ICMP || proto == PacketMeta.PROTO_ICMPV6) {
      m.icmpType = sport;
      m.icmpCode = dport;
    }
    return m;
  }
}
