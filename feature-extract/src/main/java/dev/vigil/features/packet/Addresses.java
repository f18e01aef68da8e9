package dev.vigil.features.packet;

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
    return hi == 0 && (lo & 0xffff_ffff_0000_0000L) == MAPPED_PREFIX_LO;
  }

  /**
   * Formats an address in the usual text form: dotted quad for IPv4-mapped addresses, RFC 5952
   * style for IPv6. Allocates; for reporting, not for the packet path.
   */
  public static String format(long hi, long lo) {
    if (isMappedIpv4(hi, lo)) {
      int v = (int) lo;
      return ((v >>> 24) & 0xff)
          + "."
          + ((v >>> 16) & 0xff)
          + "."
          + ((v >>> 8) & 0xff)
          + "."
          + (v & 0xff);
    }
    int[] g = new int[8];
    for (int i = 0; i < 4; i++) {
      g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
      g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
    }
    // Longest run of zero groups (length >= 2) becomes "::".
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
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
