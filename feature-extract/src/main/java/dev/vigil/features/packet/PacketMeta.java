package dev.vigil.features.packet;

/**
 * Holds the header fields of one packet in flat primitive form.
 *
 * <p>One instance is reused for every packet a parser sees, so nothing is allocated per packet; a
 * consumer must copy what it keeps before the next packet is parsed. Addresses are stored as two
 * longs each: IPv6 as is, IPv4 (and ARP protocol addresses) as IPv4-mapped IPv6 ({@code
 * ::ffff:a.b.c.d}), so one key type serves both families.
 *
 * <p>Not thread-safe: it belongs to the thread that parses.
 */
public final class PacketMeta {
  /** Layer-3 kinds. */
  public static final int L3_NONE = 0;

  public static final int L3_IPV4 = 4;
  public static final int L3_IPV6 = 6;
  public static final int L3_ARP = 0x806;

  /** IP protocol numbers used by the features. */
  public static final int PROTO_ICMP = 1;

  public static final int PROTO_TCP = 6;
  public static final int PROTO_UDP = 17;
  public static final int PROTO_ICMPV6 = 58;

  /** TCP flag bits as on the wire. */
  public static final int TCP_FIN = 0x01;

  public static final int TCP_SYN = 0x02;
  public static final int TCP_RST = 0x04;
  public static final int TCP_PSH = 0x08;
  public static final int TCP_ACK = 0x10;

  /** Capture time in microseconds since the epoch. */
  public long timestampMicros;

  /** Length on the wire and captured length, in bytes. */
  public int wireLength;

  public int capturedLength;

  public long srcMac;
  public long dstMac;
  public int etherType;
  public int vlanId = -1;

  /** One of {@code L3_*}. */
  public int l3;

  public long srcHi;
  public long srcLo;
  public long dstHi;
  public long dstLo;

  /** IP protocol (next header after extension headers), or -1. */
  public int protocol = -1;

  public int ttl;
  public int srcPort = -1;
  public int dstPort = -1;
  public int tcpFlags;

  /**
   * Transport payload length in bytes, from the headers' length fields (not limited by snap
   * length).
   */
  public int payloadLength;

  /** Non-first IPv4/IPv6 fragment: no transport header. */
  public boolean fragment;

  /**
   * Index in the parsed buffer (not relative to the frame) where the transport payload starts, or
   * -1 when the packet has none (ARP, or parsing stopped before it). It may lie at or past the end
   * of the captured bytes; read only {@link #payloadCapturedLength} bytes from it.
   */
  public int payloadOffset = -1;

  /**
   * Transport payload bytes actually captured from {@link #payloadOffset}: at most {@link
   * #payloadLength}, less when the snap length cut the frame; Ethernet padding is not counted.
   */
  public int payloadCapturedLength;

  /**
   * Shannon entropy of the first captured payload bytes (how many: {@link
   * PacketParser#PacketParser(int)}), in bits per byte, 0 to 8; 0 when nothing was captured.
   */
  public float payloadEntropy;

  /** Resets every field to "absent". */
  public void clear() {
    timestampMicros = 0;
    wireLength = 0;
    capturedLength = 0;
    srcMac = 0;
    dstMac = 0;
    etherType = 0;
    vlanId = -1;
    l3 = L3_NONE;
    srcHi = 0;
    srcLo = 0;
    dstHi = 0;
    dstLo = 0;
    protocol = -1;
    ttl = 0;
    srcPort = -1;
    dstPort = -1;
    tcpFlags = 0;
    payloadLength = 0;
    fragment = false;
    payloadOffset = -1;
    payloadCapturedLength = 0;
    payloadEntropy = 0f;
  }

  /** Returns whether the packet carried an IPv4 or IPv6 header. */
  public boolean isIp() {
    return l3 == L3_IPV4 || l3 == L3_IPV6;
  }

  /** Returns whether the stored source address is an IPv4-mapped one. */
  public boolean srcIsIpv4() {
    return Addresses.isMappedIpv4(srcHi, srcLo);
  }
}
