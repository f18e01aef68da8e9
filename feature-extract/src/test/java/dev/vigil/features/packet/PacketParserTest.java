package dev.vigil.features.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PacketParserTest {
  private static final long MAC_A = 0x0200_0000_0011L;
  private static final long MAC_B = 0x0200_0000_0001L;
  private static final int IP_A = 0x0a4d_000b; // 10.77.0.11
  private static final int IP_B = 0x0a4d_0001; // 10.77.0.1

  private final PacketParser parser = new PacketParser();
  private final PacketMeta m = new PacketMeta();

  private static byte[] tcpSyn() {
    return Frames.ethernet(MAC_B, MAC_A)
        .u16(0x0800)
        .ipv4(40, 0x4000, 6, IP_A, IP_B)
        .tcp(40000, 23, 0x02)
        .bytes();
  }

  @Test
  void parse_ipv4TcpSyn() {
    byte[] f = tcpSyn();
    assertThat(parser.parse(f, 0, f.length, f.length, 123L, m)).isEqualTo(ParseError.NONE);
    assertThat(m.srcMac).isEqualTo(MAC_A);
    assertThat(m.dstMac).isEqualTo(MAC_B);
    assertThat(m.l3).isEqualTo(PacketMeta.L3_IPV4);
    assertThat(Addresses.format(m.srcHi, m.srcLo)).isEqualTo("10.77.0.11");
    assertThat(Addresses.format(m.dstHi, m.dstLo)).isEqualTo("10.77.0.1");
    assertThat(m.protocol).isEqualTo(PacketMeta.PROTO_TCP);
    assertThat(m.srcPort).isEqualTo(40000);
    assertThat(m.dstPort).isEqualTo(23);
    assertThat(m.tcpFlags).isEqualTo(PacketMeta.TCP_SYN);
    assertThat(m.payloadLength).isZero();
    assertThat(m.ttl).isEqualTo(64);
    assertThat(m.timestampMicros).isEqualTo(123L);
  }

  @Test
  void parse_qinqTaggedUdp() {
    byte[] f =
        Frames.ethernet(MAC_B, MAC_A)
            .u16(0x88a8)
            .u16(100)
            .u16(0x8100)
            .u16(200)
            .u16(0x0800)
            .ipv4(20 + 8 + 5, 0, 17, IP_A, IP_B)
            .udp(5683, 5683, 13)
            .zeros(5)
            .bytes();
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.vlanId).isEqualTo(100);
    assertThat(m.protocol).isEqualTo(PacketMeta.PROTO_UDP);
    assertThat(m.dstPort).isEqualTo(5683);
    assertThat(m.payloadLength).isEqualTo(5);
  }

  /** A DHCP server's reply giving {@code yiaddr} to {@code chaddr}, options as given. */
  static byte[] dhcpReply(int op, int yiaddr, long chaddr, int... options) {
    int payload = 240 + options.length;
    return Frames.ethernet(MAC_A, MAC_B)
        .u16(0x0800)
        .ipv4(20 + 8 + payload, 0, 17, IP_B, IP_A)
        .udp(67, 68, 8 + payload)
        .u8(op)
        .u8(1) // Ethernet
        .u8(6)
        .u8(0)
        .u32(0x1234_5678) // xid
        .zeros(8) // secs, flags, ciaddr
        .u32(yiaddr)
        .zeros(8) // siaddr, giaddr
        .u48(chaddr)
        .zeros(10 + 64 + 128) // chaddr padding, sname, file
        .u32(0x6382_5363)
        .raw(Frames.of(options))
        .bytes();
  }

  @Test
  void parse_dhcpAckGivesTheAddressAndTheClientMac() {
    byte[] f = dhcpReply(2, IP_A, MAC_A, 53, 1, 5, 1, 4, 255, 255, 255, 0, 255);
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.dhcpMessageType).isEqualTo(5);
    assertThat(m.dhcpYourAddress).isEqualTo(IP_A);
    assertThat(m.dhcpClientMac).isEqualTo(MAC_A);
  }

  @Test
  void parse_dhcpMalformedOrCutShort_leavesTheFieldsAbsent() {
    byte[][] bad = {
      dhcpReply(1, IP_A, MAC_A, 53, 1, 5, 255), // a request, not a reply
      dhcpReply(2, IP_A, MAC_A, 1, 4, 255, 255, 255), // an option running past the packet
      dhcpReply(2, IP_A, MAC_A, 12, 0, 255), // no message type
    };
    for (byte[] f : bad) {
      m.dhcpMessageType = 7; // whatever the last packet left
      assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
      assertThat(m.dhcpMessageType).isEqualTo(-1);
      assertThat(m.dhcpClientMac).isZero();
    }
    byte[] ack = dhcpReply(2, IP_A, MAC_A, 53, 1, 5, 255);
    assertThat(parser.parse(ack, 0, 200, ack.length, 0, m)).as("snap length 200").isNotNull();
    assertThat(m.dhcpMessageType).isEqualTo(-1);
  }

  @Test
  void parse_ipv4NonFirstFragmentHasNoPorts() {
    byte[] f =
        Frames.ethernet(MAC_B, MAC_A)
            .u16(0x0800)
            .ipv4(20 + 16, 0x0002, 17, IP_A, IP_B)
            .zeros(16)
            .bytes();
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.fragment).isTrue();
    assertThat(m.srcPort).isEqualTo(-1);
    assertThat(m.payloadLength).isEqualTo(16);
  }

  @Test
  void parse_ipv6WithHopByHopThenTcp() {
    Frames f = Frames.ethernet(MAC_B, MAC_A).u16(0x86dd);
    f.u32(0x6000_0000).u16(8 + 20).u8(0).u8(255); // next header: hop-by-hop
    f.u32(0xfe80_0000).u32(0).u32(0).u32(1); // src fe80::1
    f.u32(0x2001_0db8).u32(0).u32(0).u32(0x0000_0002); // dst 2001:db8::2
    f.u8(6).u8(0).zeros(6); // hop-by-hop: next TCP, length 8
    f.tcp(1234, 443, 0x12);
    byte[] b = f.bytes();
    assertThat(parser.parse(b, 0, b.length, b.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.l3).isEqualTo(PacketMeta.L3_IPV6);
    assertThat(m.protocol).isEqualTo(PacketMeta.PROTO_TCP);
    assertThat(m.dstPort).isEqualTo(443);
    assertThat(m.tcpFlags).isEqualTo(0x12);
    assertThat(Addresses.format(m.srcHi, m.srcLo)).isEqualTo("fe80::1");
    assertThat(Addresses.format(m.dstHi, m.dstLo)).isEqualTo("2001:db8::2");
    assertThat(m.srcIsIpv4()).isFalse();
  }

  @Test
  void parse_arpRequestKeysOnProtocolAddresses() {
    byte[] f =
        Frames.ethernet(0xffff_ffff_ffffL, MAC_A)
            .u16(0x0806)
            .u16(1)
            .u16(0x0800)
            .u8(6)
            .u8(4)
            .u16(1)
            .u48(MAC_A)
            .u32(IP_A)
            .u48(0)
            .u32(IP_B)
            .bytes();
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.l3).isEqualTo(PacketMeta.L3_ARP);
    assertThat(Addresses.format(m.srcHi, m.srcLo)).isEqualTo("10.77.0.11");
    assertThat(Addresses.format(m.dstHi, m.dstLo)).isEqualTo("10.77.0.1");
  }

  @Test
  void parse_everyTruncationIsCountedNeverThrown() {
    byte[] f = tcpSyn();
    for (int len = 0; len < f.length; len++) {
      ParseError e = parser.parse(f, 0, len, f.length, 0, m);
      assertThat(e).as("captured length %d", len).isNotEqualTo(ParseError.NONE);
    }
    assertThat(parser.errorCount(ParseError.TRUNCATED_ETHERNET)).isEqualTo(14);
    assertThat(parser.errorCount(ParseError.BAD_IPV4_HEADER)).isEqualTo(20);
    assertThat(parser.errorCount(ParseError.BAD_TCP_HEADER)).isEqualTo(20);
    assertThat(parser.parsedCount()).isEqualTo(f.length);
    assertThat(parser.errorCounts()).doesNotContainKey(ParseError.NONE);
  }

  @Test
  void parse_randomBytesNeverThrow() {
    Random r = new Random(7);
    byte[] buf = new byte[128];
    for (int i = 0; i < 200_000; i++) {
      r.nextBytes(buf);
      // Bias towards the decoded EtherTypes so the deeper layers see garbage too.
      int pick = r.nextInt(4);
      int type = pick == 0 ? 0x0800 : pick == 1 ? 0x86dd : pick == 2 ? 0x8100 : 0x0806;
      buf[12] = (byte) (type >>> 8);
      buf[13] = (byte) type;
      if (pick == 0) {
        buf[14] = (byte) (0x40 | (buf[14] & 0x0f));
      } else if (pick == 1) {
        buf[14] = (byte) (0x60 | (buf[14] & 0x0f));
      }
      int len = r.nextInt(buf.length + 1);
      parser.parse(buf, 0, len, len, 0, m);
    }
    long errors = parser.errorCounts().values().stream().mapToLong(Long::longValue).sum();
    assertThat(parser.parsedCount()).isEqualTo(200_000);
    assertThat(errors + parser.errorCount(ParseError.NONE)).isEqualTo(200_000);
  }

  @Test
  void format_mac() {
    assertThat(Addresses.formatMac(MAC_A)).isEqualTo("02:00:00:00:00:11");
  }

  /** A SYN with 20 bytes of options: MSS 1460, SACK-permitted, timestamps, NOP, window scale 7. */
  private static byte[] synWithOptions(int optionByte0, int optionByte1) {
    Frames f = Frames.ethernet(MAC_B, MAC_A).u16(0x0800).ipv4(60, 0x4000, 6, IP_A, IP_B);
    f.u16(40000).u16(80).u32(1).u32(0).u8(10 << 4).u8(0x02).u16(64240).u16(0).u16(0);
    f.u8(optionByte0).u8(optionByte1).u16(1460); // MSS (kind 2, length 4) unless overridden
    f.u8(4).u8(2); // SACK permitted
    f.u8(8).u8(10).u32(12345).u32(0); // timestamps
    f.u8(1); // NOP
    f.u8(3).u8(3).u8(7); // window scale 7
    return f.bytes();
  }

  @Test
  void parse_tcpWindowAndOptions() {
    byte[] f = synWithOptions(2, 4);
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.tcpWindow).isEqualTo(64240);
    assertThat(m.tcpMss).isEqualTo(1460);
    assertThat(m.tcpWindowScale).isEqualTo(7);
    assertThat(m.tcpSackPermitted).isTrue();
    assertThat(m.tcpTimestamps).isTrue();
    assertThat(parser.tcpOptionsMalformedCount()).isZero();
  }

  @Test
  void parse_malformedTcpOptionIsCountedButThePacketParses() {
    byte[] f = synWithOptions(2, 1); // MSS with length 1
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.tcpMss).isEqualTo(-1);
    assertThat(m.dstPort).isEqualTo(80);
    assertThat(parser.tcpOptionsMalformedCount()).isEqualTo(1);
  }

  @Test
  void parse_tcpOptionsCutBySnapLengthAreNotMalformed() {
    byte[] f = synWithOptions(2, 4);
    int cut = 14 + 20 + 20 + 5; // MSS captured; of SACK-permitted only its kind byte
    assertThat(parser.parse(f, 0, cut, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.tcpMss).isEqualTo(1460);
    assertThat(m.tcpSackPermitted).isFalse();
    assertThat(parser.tcpOptionsMalformedCount()).isZero();
  }

  /** Found by the fuzzer: a hop-by-hop header claiming more bytes than were captured. */
  @Test
  void parse_ipv6ExtensionHeaderLongerThanTheCaptureIsBad() {
    Frames f = Frames.ethernet(MAC_B, MAC_A).u16(0x86dd);
    f.u32(0x6000_0000).u16(28).u8(0).u8(64); // next header: hop-by-hop
    f.zeros(32); // source and destination
    f.u8(4).u8(200).zeros(6); // hop-by-hop: next IP-in-IP, claims (200 + 1) * 8 bytes
    f.zeros(20);
    byte[] b = f.bytes();
    assertThat(parser.parse(b, 0, b.length, b.length, 0, m)).isEqualTo(ParseError.BAD_IPV6_HEADER);
    assertThat(m.payloadOffset).isEqualTo(-1);
  }

  @Test
  void parse_icmpPortUnreachableQuotesTheUdpProbe() {
    byte[] f = Frames.icmpUnreachable(IP_B, IP_A, 3, 17, IP_B, 40000, 161);
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.protocol).isEqualTo(PacketMeta.PROTO_ICMP);
    assertThat(m.icmpType).isEqualTo(3);
    assertThat(m.icmpCode).isEqualTo(3);
    assertThat(m.srcPort).as("type, as before").isEqualTo(3);
    assertThat(m.dstPort).as("code, as before").isEqualTo(3);
    assertThat(m.icmpInnerProtocol).isEqualTo(PacketMeta.PROTO_UDP);
    assertThat(Addresses.format(m.icmpInnerSrcHi, m.icmpInnerSrcLo)).isEqualTo("10.77.0.11");
    assertThat(Addresses.format(m.icmpInnerDstHi, m.icmpInnerDstLo)).isEqualTo("10.77.0.1");
    assertThat(m.icmpInnerSrcPort).isEqualTo(40000);
    assertThat(m.icmpInnerDstPort).isEqualTo(161);
  }

  @Test
  void parse_icmpv6UnreachableQuotesTheTcpProbeAfterAnExtensionHeader() {
    Frames f = Frames.ethernet(MAC_A, MAC_B).u16(0x86dd);
    int quote = 40 + 8 + 20;
    f.u32(0x6000_0000).u16(8 + quote).u8(58).u8(64);
    f.u32(0x2001_0db8).u32(0).u32(0).u32(1); // src 2001:db8::1, the router
    f.u32(0xfe80_0000).u32(0).u32(0).u32(0x11); // dst fe80::11, the prober
    f.u8(1).u8(4).u16(0).u32(0); // ICMPv6 destination unreachable, port unreachable
    f.u32(0x6000_0000).u16(8 + 20).u8(60).u8(64); // quoted IPv6: destination options first
    f.u32(0xfe80_0000).u32(0).u32(0).u32(0x11);
    f.u32(0x2001_0db8).u32(0).u32(0).u32(0x22);
    f.u8(6).u8(0).zeros(6); // destination options: next TCP, length 8
    f.tcp(50123, 8443, 0x02);
    byte[] b = f.bytes();
    assertThat(parser.parse(b, 0, b.length, b.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.icmpType).isEqualTo(1);
    assertThat(m.icmpCode).isEqualTo(4);
    assertThat(m.icmpInnerProtocol).isEqualTo(PacketMeta.PROTO_TCP);
    assertThat(Addresses.format(m.icmpInnerSrcHi, m.icmpInnerSrcLo)).isEqualTo("fe80::11");
    assertThat(Addresses.format(m.icmpInnerDstHi, m.icmpInnerDstLo)).isEqualTo("2001:db8::22");
    assertThat(m.icmpInnerSrcPort).isEqualTo(50123);
    assertThat(m.icmpInnerDstPort).isEqualTo(8443);
  }

  @Test
  void parse_truncatedIcmpQuote_leavesTheInnerFieldsAbsent() {
    byte[] f = Frames.icmpUnreachable(IP_B, IP_A, 3, 17, IP_B, 40000, 161);
    int icmp = 14 + 20;
    int quotedIp = icmp + 8;
    for (int len = icmp + 4; len <= f.length; len++) {
      assertThat(parser.parse(f, 0, len, f.length, 0, m))
          .as("cut at %d", len)
          .isEqualTo(ParseError.NONE);
      assertThat(m.icmpType).isEqualTo(3);
      boolean header = len >= quotedIp + 20;
      boolean ports = len >= quotedIp + 24;
      assertThat(m.icmpInnerProtocol).as("cut at %d", len).isEqualTo(header ? 17 : -1);
      assertThat(m.icmpInnerDstLo).isEqualTo(header ? Addresses.mappedLo(IP_B) : 0L);
      assertThat(m.icmpInnerDstPort).as("cut at %d", len).isEqualTo(ports ? 161 : -1);
      assertThat(m.icmpInnerSrcPort).isEqualTo(ports ? 40000 : -1);
    }
    // the same frame whose IP header says the ICMP message ends inside the quote (the bytes after
    // it are padding): the quote is read within the message only
    byte[] shortened = f.clone();
    shortened[14 + 3] = (byte) (20 + 8 + 20 + 2); // IPv4 total length: quote cut inside the ports
    assertThat(parser.parse(shortened, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.icmpInnerProtocol).isEqualTo(17);
    assertThat(m.icmpInnerDstPort).isEqualTo(-1);
  }

  @Test
  void parse_malformedIcmpQuotes_leaveTheInnerFieldsAbsent() {
    int quotedIp = 14 + 20 + 8;
    byte[] v6 = Frames.icmpUnreachable(IP_B, IP_A, 3, 17, IP_B, 40000, 161);
    v6[quotedIp] = 0x65; // an IPv6 version nibble quoted by ICMPv4
    byte[] shortIhl = Frames.icmpUnreachable(IP_B, IP_A, 3, 17, IP_B, 40000, 161);
    shortIhl[quotedIp] = 0x44; // header length 16
    byte[] longIhl = Frames.icmpUnreachable(IP_B, IP_A, 3, 17, IP_B, 40000, 161);
    longIhl[quotedIp] = 0x4f; // header length 60, more than was quoted
    for (byte[] f : new byte[][] {v6, shortIhl, longIhl}) {
      assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
      assertThat(m.icmpType).isEqualTo(3);
      assertThat(m.icmpInnerProtocol).isEqualTo(-1);
      assertThat(m.icmpInnerSrcLo).isZero();
      assertThat(m.icmpInnerDstPort).isEqualTo(-1);
    }
    byte[] fragment = Frames.icmpUnreachable(IP_B, IP_A, 3, 17, IP_B, 40000, 161);
    fragment[quotedIp + 7] = 0x10; // a later fragment: the bytes after its header are no ports
    assertThat(parser.parse(fragment, 0, fragment.length, fragment.length, 0, m))
        .isEqualTo(ParseError.NONE);
    assertThat(m.icmpInnerProtocol).isEqualTo(17);
    assertThat(m.icmpInnerDstPort).isEqualTo(-1);
    // other ICMP types carry no quote we read; non-ICMP packets have no ICMP type
    byte[] echo = Frames.icmpUnreachable(IP_B, IP_A, 0, 17, IP_B, 40000, 161);
    echo[14 + 20] = 0; // echo reply
    assertThat(parser.parse(echo, 0, echo.length, echo.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.icmpType).isZero();
    assertThat(m.icmpInnerProtocol).isEqualTo(-1);
    byte[] syn = tcpSyn();
    assertThat(parser.parse(syn, 0, syn.length, syn.length, 0, m)).isEqualTo(ParseError.NONE);
    assertThat(m.icmpType).isEqualTo(-1);
    assertThat(m.icmpCode).isEqualTo(-1);
    assertThat(m.icmpInnerSrcPort).isEqualTo(-1);
  }
}
