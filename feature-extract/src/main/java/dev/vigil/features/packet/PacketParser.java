package dev.vigil.features.packet;

import java.util.EnumMap;
import java.util.Map;

/**
 * Parses raw Ethernet frames into a reused {@link PacketMeta} without allocating.
 *
 * <p>Decodes Ethernet II with up to two VLAN tags (802.1Q, 802.1ad/QinQ), ARP, IPv4 (options,
 * fragments), IPv6 (the common extension headers), TCP, UDP, ICMP and ICMPv6. Malformed or
 * truncated input never throws: {@link #parse} returns the {@link ParseError} and the counter for
 * that reason is incremented; the fields decoded before the fault stay filled.
 *
 * <p>For a packet that parsed completely it also locates the transport payload, computes the
 * Shannon entropy of its first bytes, and, on the ports of DNS, MQTT, CoAP, HTTP and TLS, checks
 * the first payload bytes and fills the application hint fields of {@link PacketMeta}. A payload
 * that fails those checks leaves {@link PacketMeta#appProtocol} at {@link PacketMeta#APP_NONE} and
 * is counted apart ({@link #appHintRejectedCount()}): the packet itself still parsed without error.
 *
 * <p>Not thread-safe: one parser per capture thread.
 */
public final class PacketParser {
  private static final int ETH_HEADER = 14;
  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86dd;
  private static final int ETHERTYPE_ARP = 0x0806;
  private static final int ETHERTYPE_VLAN = 0x8100;
  private static final int ETHERTYPE_QINQ = 0x88a8;
  private static final int ETHERTYPE_QINQ_OLD = 0x9100;

  /** Payload bytes the entropy is computed over unless configured otherwise. */
  public static final int DEFAULT_ENTROPY_BYTES = 64;

  /** Largest accepted entropy window: the largest IP payload. */
  public static final int MAX_ENTROPY_BYTES = 65_535;

  private final long[] errorCounts = new long[ParseError.values().length];
  private final long[] hintRejected = new long[PacketMeta.APP_COUNT];
  private final long[] hintTruncated = new long[PacketMeta.APP_COUNT];
  private final PayloadEntropy entropy;
  private long parsed;
  private long tcpOptionsMalformed;

  /** Creates a parser computing payload entropy over {@value #DEFAULT_ENTROPY_BYTES} bytes. */
  public PacketParser() {
    this(DEFAULT_ENTROPY_BYTES);
  }

  /**
   * Creates a parser.
   *
   * @param entropyBytes how many leading captured payload bytes {@link PacketMeta#payloadEntropy}
   *     is computed over, 0 (entropy off, always 0) to {@value #MAX_ENTROPY_BYTES}; the tables
   *     behind it take 16 bytes per unit
   * @throws IllegalArgumentException if {@code entropyBytes} is out of range
   */
  public PacketParser(int entropyBytes) {
    if (entropyBytes < 0 || entropyBytes > MAX_ENTROPY_BYTES) {
      throw new IllegalArgumentException(
          "entropyBytes must be between 0 and " + MAX_ENTROPY_BYTES + ", was " + entropyBytes);
    }
    this.entropy = new PayloadEntropy(entropyBytes);
  }

  /**
   * Parses one frame.
   *
   * @param buf the frame bytes
   * @param offset where the frame starts in {@code buf}
   * @param capturedLength bytes captured (may be less than on the wire)
   * @param wireLength bytes on the wire
   * @param timestampMicros capture time, microseconds since the epoch
   * @param out filled in place; cleared first
   * @return {@link ParseError#NONE} or the reason parsing stopped
   */
  public ParseError parse(
      byte[] buf,
      int offset,
      int capturedLength,
      int wireLength,
      long timestampMicros,
      PacketMeta out) {
    out.clear();
    out.timestampMicros = timestampMicros;
    out.capturedLength = capturedLength;
    out.wireLength = wireLength;
    parsed++;
    int end = Math.min(offset + capturedLength, buf.length);
    ParseError e = parseEthernet(buf, offset, end, out);
    errorCounts[e.ordinal()]++;
    if (out.payloadOffset > end) {
      // A header (TCP data offset, IPv6 extension) reaches past the captured bytes: the payload was
      // not captured. Found by the fuzz test.
      out.payloadOffset = -1;
    }
    if (e == ParseError.NONE && out.payloadOffset >= 0) {
      inspectPayload(buf, end, out);
    }
    return e;
  }

  /** Returns how many frames were handed to {@link #parse}. */
  public long parsedCount() {
    return parsed;
  }

  /** Returns how many frames stopped with {@code reason}. */
  public long errorCount(ParseError reason) {
    return errorCounts[reason.ordinal()];
  }

  /**
   * Returns how many payloads on a hinted port failed the protocol's checks (garbage, another
   * protocol, or a TCP segment continuing a longer message); such packets parse without error.
   */
  public long appHintRejectedCount() {
    return sum(hintRejected);
  }

  /**
   * Returns how many payloads on the ports of {@code appProtocol} (one of {@code PacketMeta.APP_*})
   * failed its checks.
   */
  public long appHintRejectedCount(int appProtocol) {
    return hintRejected[appProtocol];
  }

  /**
   * Returns how many payloads on a hinted port could not be checked because the bytes the checks
   * need were not captured (snap length).
   */
  public long appHintTruncatedCount() {
    return sum(hintTruncated);
  }

  /** Returns a snapshot of the non-zero error counters (allocates; for reporting). */
  public Map<ParseError, Long> errorCounts() {
    Map<ParseError, Long> m = new EnumMap<>(ParseError.class);
    for (ParseError e : ParseError.values()) {
      if (e != ParseError.NONE && errorCounts[e.ordinal()] > 0) {
        m.put(e, errorCounts[e.ordinal()]);
      }
    }
    return m;
  }

  private void inspectPayload(byte[] b, int end, PacketMeta m) {
    int p = m.payloadOffset;
    int n = Math.max(0, Math.min(m.payloadLength, end - p));
    m.payloadCapturedLength = n;
    m.payloadEntropy = entropy.of(b, p, n);
    if (m.fragment
        || m.payloadLength == 0
        || (m.protocol != PacketMeta.PROTO_TCP && m.protocol != PacketMeta.PROTO_UDP)) {
      return;
    }
    if (m.protocol == PacketMeta.PROTO_UDP
        && m.srcPort == DHCP_SERVER_PORT
        && m.dstPort == DHCP_CLIENT_PORT
        && m.srcIsIpv4()) {
      dhcpReply(b, p, n, m);
      return;
    }
    int service = AppHints.service(m.protocol, m.srcPort, m.dstPort);
    if (service == AppHints.SVC_NONE) {
      return;
    }
    int r = AppHints.decode(service, b, p, n, m.payloadLength, m);
    if (r == AppHints.REJECTED) {
      hintRejected[AppHints.appProtocol(service)]++;
    } else if (r == AppHints.TRUNCATED) {
      hintTruncated[AppHints.appProtocol(service)]++;
    }
  }

  static final int DHCP_SERVER_PORT = 67;
  static final int DHCP_CLIENT_PORT = 68;
  private static final int DHCP_MAGIC = 0x6382_5363;

  /**
   * Reads a DHCP server's reply (BOOTREPLY over Ethernet, RFC 2131) in the {@code n} captured
   * payload bytes at {@code p}: the address it gives ({@code yiaddr}), the client's MAC ({@code
   * chaddr}) and the message type (option 53). Anything malformed or cut short leaves the fields
   * absent; the options are walked within the captured bytes only.
   */
  private static void dhcpReply(byte[] b, int p, int n, PacketMeta m) {
    if (n < 244 || u8(b, p) != 2 || u8(b, p + 1) != 1 || u8(b, p + 2) != 6) {
      return; // not a BOOTREPLY with a 6-byte Ethernet client address, or no room for options
    }
    if ((u16(b, p + 236) << 16 | u16(b, p + 238)) != DHCP_MAGIC) {
      return;
    }
    int end = p + n;
    int type = -1;
    for (int i = p + 240; i < end; ) {
      int code = u8(b, i);
      if (code == 255) {
        break;
      }
      if (code == 0) {
        i++;
        continue;
      }
      if (i + 1 >= end) {
        return;
      }
      int len = u8(b, i + 1);
      if (i + 2 + len > end) {
        return;
      }
      if (code == 53 && len == 1) {
        type = u8(b, i + 2);
      }
      i += 2 + len;
    }
    if (type < 0) {
      return;
    }
    m.dhcpMessageType = type;
    m.dhcpYourAddress = u16(b, p + 16) << 16 | u16(b, p + 18);
    m.dhcpClientMac = (long) u16(b, p + 28) << 32 | (long) u16(b, p + 30) << 16 | u16(b, p + 32);
  }

  private static long sum(long[] counts) {
    long s = 0;
    for (long c : counts) {
      s += c;
    }
    return s;
  }

  private ParseError parseEthernet(byte[] b, int p, int end, PacketMeta m) {
    if (end - p < ETH_HEADER) {
      return ParseError.TRUNCATED_ETHERNET;
    }
    m.dstMac = u48(b, p);
    m.srcMac = u48(b, p + 6);
    int type = u16(b, p + 12);
    p += ETH_HEADER;
    int tags = 0;
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
      if (++tags > 2 || end - p < 4) {
        return ParseError.BAD_VLAN;
      }
      if (m.vlanId < 0) {
        m.vlanId = u16(b, p) & 0x0fff;
      }
      type = u16(b, p + 2);
      p += 4;
    }
    m.etherType = type;
    switch (type) {
      case ETHERTYPE_IPV4:
        return parseIpv4(b, p, end, m);
      case ETHERTYPE_IPV6:
        return parseIpv6(b, p, end, m);
      case ETHERTYPE_ARP:
        return parseArp(b, p, end, m);
      default:
        return ParseError.UNSUPPORTED_ETHERTYPE;
    }
  }

  private static ParseError parseArp(byte[] b, int p, int end, PacketMeta m) {
    // Only Ethernet/IPv4 ARP (hlen 6, plen 4) carries addresses we key on.
    if (end - p < 28) {
      return ParseError.TRUNCATED_ARP;
    }
    m.l3 = PacketMeta.L3_ARP;
    m.protocol = u16(b, p + 6); // opcode: 1 request, 2 reply
    if (u8(b, p + 4) == 6 && u8(b, p + 5) == 4) {
      int spa = s32(b, p + 14);
      int tpa = s32(b, p + 24);
      m.srcHi = Addresses.mappedHi(spa);
      m.srcLo = Addresses.mappedLo(spa);
      m.dstHi = Addresses.mappedHi(tpa);
      m.dstLo = Addresses.mappedLo(tpa);
    }
    return ParseError.NONE;
  }

  private ParseError parseIpv4(byte[] b, int p, int end, PacketMeta m) {
    if (end - p < 20 || (u8(b, p) >>> 4) != 4) {
      return ParseError.BAD_IPV4_HEADER;
    }
    int ihl = (u8(b, p) & 0x0f) * 4;
    if (ihl < 20 || end - p < ihl) {
      return ParseError.BAD_IPV4_HEADER;
    }
    m.l3 = PacketMeta.L3_IPV4;
    int totalLength = u16(b, p + 2);
    int fragField = u16(b, p + 6);
    m.ttl = u8(b, p + 8);
    m.protocol = u8(b, p + 9);
    int src = s32(b, p + 12);
    int dst = s32(b, p + 16);
    m.srcHi = Addresses.mappedHi(src);
    m.srcLo = Addresses.mappedLo(src);
    m.dstHi = Addresses.mappedHi(dst);
    m.dstLo = Addresses.mappedLo(dst);
    int l4Length = Math.max(0, totalLength - ihl);
    if ((fragField & 0x1fff) != 0) {
      m.fragment = true; // not the first fragment: no transport header here
      m.payloadLength = l4Length;
      m.payloadOffset = p + ihl;
      return ParseError.NONE;
    }
    return parseTransport(b, p + ihl, end, l4Length, m);
  }

  private ParseError parseIpv6(byte[] b, int p, int end, PacketMeta m) {
    if (end - p < 40 || (u8(b, p) >>> 4) != 6) {
      return ParseError.BAD_IPV6_HEADER;
    }
    m.l3 = PacketMeta.L3_IPV6;
    int payloadLength = u16(b, p + 4);
    int next = u8(b, p + 6);
    m.ttl = u8(b, p + 7);
    m.srcHi = s64(b, p + 8);
    m.srcLo = s64(b, p + 16);
    m.dstHi = s64(b, p + 24);
    m.dstLo = s64(b, p + 32);
    p += 40;
    // Walk extension headers: hop-by-hop 0, routing 43, fragment 44, AH 51, destination options 60.
    for (int hops = 0; hops < 8; hops++) {
      if (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
        if (end - p < 8) {
          m.protocol = next;
          return ParseError.BAD_IPV6_HEADER;
        }
        int len;
        if (next == 44) {
          len = 8;
          if ((u16(b, p + 2) & 0xfff8) != 0) {
            m.fragment = true;
          }
        } else if (next == 51) {
          len = (u8(b, p + 1) + 2) * 4;
        } else {
          len = (u8(b, p + 1) + 1) * 8;
        }
        if (len > end - p) {
          // The header says it is longer than what was captured: no transport header can follow.
          m.protocol = next;
          return ParseError.BAD_IPV6_HEADER;
        }
        next = u8(b, p);
        p += len;
        payloadLength -= len;
        continue;
      }
      break;
    }
    m.protocol = next;
    if (m.fragment) {
      m.payloadLength = Math.max(0, payloadLength);
      m.payloadOffset = p;
      return ParseError.NONE;
    }
    return parseTransport(b, p, end, Math.max(0, payloadLength), m);
  }

  private ParseError parseTransport(byte[] b, int p, int end, int l4Length, PacketMeta m) {
    switch (m.protocol) {
      case PacketMeta.PROTO_TCP:
        {
          if (end - p < 20) {
            return ParseError.BAD_TCP_HEADER;
          }
          int dataOffset = (u8(b, p + 12) >>> 4) * 4;
          if (dataOffset < 20) {
            return ParseError.BAD_TCP_HEADER;
          }
          m.srcPort = u16(b, p);
          m.dstPort = u16(b, p + 2);
          m.tcpFlags = u8(b, p + 13);
          m.tcpWindow = u16(b, p + 14);
          if (dataOffset > 20 && !tcpOptions(b, p + 20, Math.min(end, p + dataOffset), m)) {
            tcpOptionsMalformed++;
          }
          m.payloadLength = Math.max(0, l4Length - dataOffset);
          m.payloadOffset = p + dataOffset;
          return ParseError.NONE;
        }
      case PacketMeta.PROTO_UDP:
        if (end - p < 8) {
          return ParseError.TRUNCATED_UDP;
        }
        m.srcPort = u16(b, p);
        m.dstPort = u16(b, p + 2);
        m.payloadLength = Math.max(0, l4Length - 8);
        m.payloadOffset = p + 8;
        return ParseError.NONE;
      case PacketMeta.PROTO_ICMP:
      case PacketMeta.PROTO_ICMPV6:
        if (end - p < 4) {
          return ParseError.TRUNCATED_ICMP;
        }
        // Type and code in the port fields keep ICMP sweeps visible to the port-based features.
        m.srcPort = u8(b, p);
        m.dstPort = u8(b, p + 1);
        m.icmpType = m.srcPort;
        m.icmpCode = m.dstPort;
        m.payloadLength = Math.max(0, l4Length - 4);
        m.payloadOffset = p + 4;
        if (m.protocol == PacketMeta.PROTO_ICMP
            ? m.icmpType == ICMP_UNREACHABLE
            : m.icmpType == ICMPV6_UNREACHABLE) {
          // The quote lies within the ICMP message as the IP header sizes it: Ethernet padding
          // after a short message must not be read as quoted bytes.
          icmpQuote(b, p + 8, Math.min(end, p + l4Length), m.protocol == PacketMeta.PROTO_ICMP, m);
        }
        return ParseError.NONE;
      default:
        m.payloadLength = l4Length;
        m.payloadOffset = p < end ? p : -1; // nothing captured beyond the IP headers
        return ParseError.NONE;
    }
  }

  private static final int ICMP_UNREACHABLE = 3;
  private static final int ICMPV6_UNREACHABLE = 1;

  /**
   * Reads the datagram an ICMP destination unreachable quotes (RFC 792: its IP header and the first
   * 8 bytes after it; RFC 4443: as much of it as fits) from {@code [q, limit)}: the quoted IP
   * protocol and addresses, and the TCP or UDP ports. A scanner's probes of closed UDP ports and of
   * filtered TCP ports are answered this way, and only the quote says which probe failed.
   *
   * <p>The quote is untrusted: its IP version must match the ICMP family ({@code v4}), the quoted
   * IP header (and any IPv6 extension headers before the transport header) must be complete within
   * the captured bytes, or nothing is set; the ports need the first four quoted transport bytes of
   * a first fragment. Reads nothing outside {@code [q, limit)}, never throws; the packet's own
   * parse result does not depend on the quote.
   */
  private static void icmpQuote(byte[] b, int q, int limit, boolean v4, PacketMeta m) {
    if (limit - q < (v4 ? 20 : 40) || (u8(b, q) >>> 4) != (v4 ? 4 : 6)) {
      return;
    }
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    int proto;
    int l4;
    boolean fragment = false;
    if (v4) {
      int ihl = (u8(b, q) & 0x0f) * 4;
      if (ihl < 20 || limit - q < ihl) {
        return;
      }
      fragment = (u16(b, q + 6) & 0x1fff) != 0;
      proto = u8(b, q + 9);
      int src = s32(b, q + 12);
      int dst = s32(b, q + 16);
      srcHi = Addresses.mappedHi(src);
      srcLo = Addresses.mappedLo(src);
      dstHi = Addresses.mappedHi(dst);
      dstLo = Addresses.mappedLo(dst);
      l4 = q + ihl;
    } else {
      proto = u8(b, q + 6);
      srcHi = s64(b, q + 8);
      srcLo = s64(b, q + 16);
      dstHi = s64(b, q + 24);
      dstLo = s64(b, q + 32);
      l4 = q + 40;
      for (int hops = 0; ; hops++) {
        if (proto != 0 && proto != 43 && proto != 60 && proto != 51 && proto != 44) {
          break;
        }
        if (hops == 8 || limit - l4 < 8) {
          return; // a chain too long, or cut short: the transport header is not in the quote
        }
        int len;
        if (proto == 44) {
          len = 8;
          fragment |= (u16(b, l4 + 2) & 0xfff8) != 0;
        } else if (proto == 51) {
          len = (u8(b, l4 + 1) + 2) * 4;
        } else {
          len = (u8(b, l4 + 1) + 1) * 8;
        }
        if (len > limit - l4) {
          return;
        }
        proto = u8(b, l4);
        l4 += len;
      }
    }
    m.icmpInnerProtocol = proto;
    m.icmpInnerSrcHi = srcHi;
    m.icmpInnerSrcLo = srcLo;
    m.icmpInnerDstHi = dstHi;
    m.icmpInnerDstLo = dstLo;
    if (!fragment
        && (proto == PacketMeta.PROTO_TCP || proto == PacketMeta.PROTO_UDP)
        && limit - l4 >= 4) {
      m.icmpInnerSrcPort = u16(b, l4);
      m.icmpInnerDstPort = u16(b, l4 + 2);
    }
  }

  /**
   * Reads the TCP options in {@code [p, end)} (the captured part of the option space): MSS, window
   * scale, SACK-permitted and timestamps. Returns false, keeping what was read, if an option's
   * length is invalid or runs past the option space (a snap length that cuts the options short is
   * not malformed: the walk just stops).
   */
  private boolean tcpOptions(byte[] b, int p, int end, PacketMeta m) {
    while (p < end) {
      int kind = u8(b, p);
      if (kind == 0) { // end of option list
        return true;
      }
      if (kind == 1) { // no-operation
        p++;
        continue;
      }
      if (p + 1 >= end) {
        return true; // length byte not captured
      }
      int len = u8(b, p + 1);
      if (len < 2) {
        return false;
      }
      if (p + len > end) {
        return true; // cut off by the snap length or data offset: stop, not malformed
      }
      switch (kind) {
        case 2 -> {
          if (len != 4) {
            return false;
          }
          m.tcpMss = u16(b, p + 2);
        }
        case 3 -> {
          if (len != 3) {
            return false;
          }
          m.tcpWindowScale = u8(b, p + 2);
        }
        case 4 -> m.tcpSackPermitted = true;
        case 8 -> m.tcpTimestamps = true;
        default -> {}
      }
      p += len;
    }
    return true;
  }

  /**
   * Returns how many TCP segments carried an option with an invalid length (the packet itself still
   * parsed).
   */
  public long tcpOptionsMalformedCount() {
    return tcpOptionsMalformed;
  }

  private static int u8(byte[] b, int i) {
    return b[i] & 0xff;
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  private static int s32(byte[] b, int i) {
    return ((b[i] & 0xff) << 24)
        | ((b[i + 1] & 0xff) << 16)
        | ((b[i + 2] & 0xff) << 8)
        | (b[i + 3] & 0xff);
  }

  private static long u48(byte[] b, int i) {
    return ((long) u16(b, i) << 32) | (s32(b, i + 2) & 0xffff_ffffL);
  }

  private static long s64(byte[] b, int i) {
    return ((long) s32(b, i) << 32) | (s32(b, i + 4) & 0xffff_ffffL);
  }
}
