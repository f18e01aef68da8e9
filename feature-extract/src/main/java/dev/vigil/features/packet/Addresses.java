package dev.vigil.features.packet;

import dev.vigil.common.net.AddressText;

/** Converts between the two-long address form of {@link PacketMeta} and text. */
public final class Addresses {
  private static final long MAPPED_PREFIX_LO = 0x0000_ffff_0000_0000L;

  private Addresses() {}

  /** Returns the high half of the IPv4-mapped form of {@code ipv4} (always 0). */
  public static long mappedHi(int ipv4) {
    return 0L;
  }

  /** Returns the low half of the IPv4-mapped form of {@code ipv4}. */
  public static long mappedLo(int ipv4) {
    return MAPPED_PREFIX_LO | (ipv4 & 0xffff_ffffL);
  }

  /** Returns whether (hi, lo) is an IPv4-mapped IPv6 address. */
  public static boolean isMappedIpv4(long hi, long lo) {
    return AddressText.isMappedIpv4(hi, lo);
  }

  /**
   * Formats an address in the usual text form: dotted quad for IPv4-mapped addresses, RFC 5952
   * style for IPv6 (see {@link AddressText}). Allocates; for reporting, not for the packet path.
   */
  public static String format(long hi, long lo) {
    return isMappedIpv4(hi, lo) ? AddressText.ipv4((int) lo) : AddressText.ipv6(hi, lo);
  }

  /**
   * Returns whether (hi, lo) is a site-local address: IPv4 private (10/8, 172.16/12, 192.168/16) or
   * link-local (169.254/16), IPv6 unique-local (fc00::/7) or link-local (fe80::/10). Allocates
   * nothing.
   */
  public static boolean isSiteLocal(long hi, long lo) {
    if (isMappedIpv4(hi, lo)) {
      int a = (int) (lo >>> 24) & 0xff;
      int b = (int) (lo >>> 16) & 0xff;
      return a == 10
          || (a == 172 && (b & 0xf0) == 16)
          || (a == 192 && b == 168)
          || (a == 169 && b == 254);
    }
    int top = (int) (hi >>> 48) & 0xffff;
    return (top & 0xfe00) == 0xfc00 || (top & 0xffc0) == 0xfe80;
  }

  /** Formats a MAC address stored in the low 48 bits of {@code mac}. */
  public static String formatMac(long mac) {
    StringBuilder sb = new StringBuilder(17);
    for (int i = 5; i >= 0; i--) {
      int b = (int) (mac >>> (8 * i)) & 0xff;
      if (b < 16) {
        sb.append('0');
      }
      sb.append(Integer.toHexString(b));
      if (i > 0) {
        sb.append(':');
      }
    }
    return sb.toString();
  }
}
