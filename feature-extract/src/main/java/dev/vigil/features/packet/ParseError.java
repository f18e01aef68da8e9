package dev.vigil.features.packet;

/** Why a packet could not be parsed completely; counted by {@link PacketParser}, never thrown. */
public enum ParseError {
  /** The packet parsed completely. */
  NONE,
  /** Shorter than an Ethernet header. */
  TRUNCATED_ETHERNET,
  /** VLAN tags ran past the captured bytes, or more than two were stacked. */
  BAD_VLAN,
  /** Shorter than the ARP header it announced. */
  TRUNCATED_ARP,
  /** IPv4 header shorter than 20 bytes, wrong version, or header length past the captured bytes. */
  BAD_IPV4_HEADER,
  /** IPv6 header or an extension header ran past the captured bytes. */
  BAD_IPV6_HEADER,
  /** TCP header shorter than its data offset, or a data offset below 5. */
  BAD_TCP_HEADER,
  /** UDP header shorter than 8 bytes. */
  TRUNCATED_UDP,
  /** ICMP header shorter than 4 bytes. */
  TRUNCATED_ICMP,
  /** An EtherType this parser does not decode (counted, the layer-2 fields are still filled). */
  UNSUPPORTED_ETHERTYPE;

  private static final ParseError[] VALUES = values();

  /** Returns the error with this ordinal. */
  public static ParseError of(int ordinal) {
    return VALUES[ordinal];
  }
}
