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

  /** Application protocols recognised from the ports and the first payload bytes. */
  public static final int APP_NONE = 0;

  public static final int APP_DNS = 1;
  public static final int APP_MQTT = 2;
  public static final int APP_COAP = 3;
  public static final int APP_HTTP = 4;
  public static final int APP_TLS = 5;

  /** Number of {@code APP_*} values (for arrays indexed by them). */
  public static final int APP_COUNT = 6;

  /** HTTP request methods as stored in {@link #httpMethod}. */
  public static final int HTTP_GET = 1;

  public static final int HTTP_POST = 2;
  public static final int HTTP_PUT = 3;
  public static final int HTTP_HEAD = 4;
  public static final int HTTP_DELETE = 5;
  public static final int HTTP_OPTIONS = 6;
  public static final int HTTP_PATCH = 7;
  public static final int HTTP_CONNECT = 8;
  public static final int HTTP_TRACE = 9;

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

  /** TCP receive window as on the wire (unscaled), or -1. */
  public int tcpWindow = -1;

  /**
   * TCP options seen in this segment's captured header: MSS value or -1, window scale shift or -1.
   */
  public int tcpMss = -1;

  public int tcpWindowScale = -1;

  /** Whether the SACK-permitted and timestamp options were present. */
  public boolean tcpSackPermitted;

  public boolean tcpTimestamps;

  /**
   * ICMP or ICMPv6 type and code, or -1 when the packet is not ICMP (they are in {@link #srcPort}
   * and {@link #dstPort} too, where the port-based features see them).
   */
  public int icmpType = -1;

  public int icmpCode = -1;

  /**
   * The quoted original datagram of an ICMP destination unreachable (ICMPv4 type 3, ICMPv6 type 1):
   * its IP protocol, or -1 when there is no quote or it was cut short or malformed. Set with the
   * quoted addresses below once the quoted IP header is complete within the captured bytes of the
   * ICMP message. A port scan's closed UDP ports and a firewall's filtered TCP ports answer this
   * way; the quote tells which attempt failed.
   */
  public int icmpInnerProtocol = -1;

  /** Quoted source address (the host that sent the original datagram), IPv4 mapped; 0 absent. */
  public long icmpInnerSrcHi;

  public long icmpInnerSrcLo;

  /** Quoted destination address (the unreachable host), IPv4 mapped; 0 absent. */
  public long icmpInnerDstHi;

  public long icmpInnerDstLo;

  /**
   * Quoted TCP or UDP source and destination ports, or -1: set only for a quoted TCP or UDP header
   * whose first four bytes were captured, in a first (or only) fragment.
   */
  public int icmpInnerSrcPort = -1;

  public int icmpInnerDstPort = -1;

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

  /**
   * Application protocol, one of {@code APP_*}: set only when the port is one the protocol uses and
   * the first payload bytes pass its sanity checks. The hint fields of other protocols stay absent
   * (-1 or false).
   */
  public int appProtocol;

  /**
   * TLS or DTLS record content type of the first record (20 change cipher spec, 21 alert, 22
   * handshake, 23 application data), or -1. Set for {@link #APP_TLS}, and for MQTT on 8883 and CoAP
   * on 5684, whose messages are inside TLS/DTLS: then the MQTT/CoAP fields stay absent.
   */
  public int tlsContentType = -1;

  /** Handshake message type (1 ClientHello, 2 ServerHello, ...) of a handshake record, or -1. */
  public int tlsHandshakeType = -1;

  /** DNS: whether the QR bit says response. */
  public boolean dnsResponse;

  /** DNS opcode (0 query, 4 notify, 5 update, ...), or -1. */
  public int dnsOpcode = -1;

  /** DNS response code (0 no error, 3 name error, ...), or -1. */
  public int dnsRcode = -1;

  /** DNS question count from the header, or -1. */
  public int dnsQuestionCount = -1;

  /** DNS answer count from the header, or -1. */
  public int dnsAnswerCount = -1;

  /**
   * Length of the first question's name in dotted form without the final dot ({@code "example.com"}
   * is 11, the root 0), or -1 when there is no question or the name was not fully captured.
   */
  public int dnsQueryNameLength = -1;

  /** MQTT control packet type of the first packet in the segment, 1 (CONNECT) to 15, or -1. */
  public int mqttType = -1;

  /** MQTT fixed header's remaining length (bytes after the fixed header), or -1. */
  public int mqttRemainingLength = -1;

  /** MQTT CONNACK return code (3.1/3.1.1) or reason code (5.0), or -1. */
  public int mqttReturnCode = -1;

  /** MQTT PUBLISH topic name length in bytes, or -1. */
  public int mqttTopicLength = -1;

  /**
   * MQTT PUBLISH packets whose fixed header starts in this segment's captured payload, the first
   * packet included (a client that does not set TCP_NODELAY sends several in one segment), or 0.
   */
  public int mqttPublishes;

  /** CoAP message type (0 CON, 1 NON, 2 ACK, 3 RST), or -1. */
  public int coapType = -1;

  /** CoAP code class (0 request/empty, 2 success, 4 client error, 5 server error), or -1. */
  public int coapCodeClass = -1;

  /** CoAP code detail (0.01 GET is class 0 detail 1; 2.05 Content is 2 and 5), or -1. */
  public int coapCodeDetail = -1;

  /** CoAP token length, 0 to 8, or -1. */
  public int coapTokenLength = -1;

  /** HTTP request method, one of {@code HTTP_*}, or -1. */
  public int httpMethod = -1;

  /** HTTP response status code, 100 to 599, or -1. */
  public int httpStatus = -1;

  /** DHCP message type of a server's reply (option 53: 2 OFFER, 5 ACK, 6 NAK), or -1. */
  public int dhcpMessageType = -1;

  /** The address a DHCP server's reply gives the client ({@code yiaddr}), as an unsigned int. */
  public int dhcpYourAddress;

  /** The client's MAC in a DHCP server's reply ({@code chaddr}, Ethernet only), or 0. */
  public long dhcpClientMac;

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
    tcpWindow = -1;
    tcpMss = -1;
    tcpWindowScale = -1;
    tcpSackPermitted = false;
    tcpTimestamps = false;
    icmpType = -1;
    icmpCode = -1;
    clearIcmpInner();
    payloadLength = 0;
    fragment = false;
    payloadOffset = -1;
    payloadCapturedLength = 0;
    payloadEntropy = 0f;
    dhcpMessageType = -1;
    dhcpYourAddress = 0;
    dhcpClientMac = 0;
    clearAppHints();
  }

  /** Resets the quoted-datagram fields of an ICMP error to "absent". */
  private void clearIcmpInner() {
    icmpInnerProtocol = -1;
    icmpInnerSrcHi = 0;
    icmpInnerSrcLo = 0;
    icmpInnerDstHi = 0;
    icmpInnerDstLo = 0;
    icmpInnerSrcPort = -1;
    icmpInnerDstPort = -1;
  }

  /** Resets {@link #appProtocol} and every application hint field to "absent". */
  void clearAppHints() {
    appProtocol = APP_NONE;
    tlsContentType = -1;
    tlsHandshakeType = -1;
    dnsResponse = false;
    dnsOpcode = -1;
    dnsRcode = -1;
    dnsQuestionCount = -1;
    dnsAnswerCount = -1;
    dnsQueryNameLength = -1;
    mqttType = -1;
    mqttRemainingLength = -1;
    mqttReturnCode = -1;
    mqttTopicLength = -1;
    mqttPublishes = 0;
    coapType = -1;
    coapCodeClass = -1;
    coapCodeDetail = -1;
    coapTokenLength = -1;
    httpMethod = -1;
    httpStatus = -1;
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
