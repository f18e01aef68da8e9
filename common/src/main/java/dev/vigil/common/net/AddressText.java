package dev.vigil.common.net;

/**
 * Writes IPv4 and IPv6 addresses in their one text form: IPv4 as dotted decimal without leading
 * zeros, IPv6 as RFC 5952 recommends (lower-case hex without leading zeros, the first longest run
 * of two or more zero groups written {@code ::}, IPv4-mapped addresses as {@code ::ffff:a.b.c.d}).
 *
 * <p>An IPv6 address is given as its two 64-bit halves (most significant first), an IPv4 address as
 * an {@code int} (most significant byte first); {@link #hi(byte[])} and {@link #lo(byte[])} turn 16
 * bytes into the halves. The {@code append} methods allocate nothing when the builder has room (at
 * most {@link #MAX_LENGTH} characters), so they may serve a per-packet path; the methods that
 * return a {@code String} allocate it.
 *
 * <p>Stateless and thread-safe.
 */
public final class AddressText {
  /** Longest text it writes: eight groups of four hex digits and seven colons. */
  public static final int MAX_LENGTH = 39;

  private static final long MAPPED_PREFIX_LO = 0x0000_ffff_0000_0000L;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AddressText() {}

  /** Returns {@code ipv4} as dotted decimal. */
  public static String ipv4(int ipv4) {
    return appendIpv4(new StringBuilder(15), ipv4).toString();
  }

  /** Returns the RFC 5952 text of the IPv6 address {@code (hi, lo)}. */
  public static String ipv6(long hi, long lo) {
    return appendIpv6(new StringBuilder(MAX_LENGTH), hi, lo).toString();
  }

  /**
   * Appends {@code ipv4} as dotted decimal to {@code out}; allocates nothing if {@code out} has
   * room for 15 more characters.
   *
   * @return {@code out}
   */
  public static StringBuilder appendIpv4(StringBuilder out, int ipv4) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.append((ipv4 >>> shift) & 0xff);
      if (shift > 0) {
        out.append('.');
      }
    }
    return out;
  }

  /**
   * Appends the RFC 5952 text of the IPv6 address {@code (hi, lo)} to {@code out}; allocates
   * nothing if {@code out} has room for {@link #MAX_LENGTH} more characters.
   *
   * @return {@code out}
   */
  public static StringBuilder appendIpv6(StringBuilder out, long hi, long lo) {
    if (isMappedIpv4(hi, lo)) {
      return appendIpv4(out.append("::ffff:"), (int) lo);
    }
    // The first longest run of zero groups (two or more) becomes "::".
    int bestStart = -1;
    int bestLen = 1;
    int runStart = -1;
    for (int i = 0; i <= 8; i++) {
      if (i < 8 && group(hi, lo, i) == 0) {
        if (runStart < 0) {
          runStart = i;
        }
      } else if (runStart >= 0) {
        if (i - runStart > bestLen) {
          bestStart = runStart;
          bestLen = i - runStart;
        }
        runStart = -1;
      }
    }
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLen - 1;
        continue;
      }
      if (i > 0 && i != bestStart + bestLen) {
        out.append(':');
      }
      appendHex(out, group(hi, lo, i));
    }
    return out;
  }

  /** Returns whether {@code (hi, lo)} is an IPv4-mapped IPv6 address ({@code ::ffff:0:0/96}). */
  public static boolean isMappedIpv4(long hi, long lo) {
    return hi == 0 && (lo & 0xffff_ffff_0000_0000L) == MAPPED_PREFIX_LO;
  }

  /** Returns the high half of a 16-byte address (network order). */
  public static long hi(byte[] address16) {
    return half(address16, 0);
  }

  /** Returns the low half of a 16-byte address (network order). */
  public static long lo(byte[] address16) {
    return half(address16, 8);
  }

  private static long half(byte[] b, int from) {
    if (b.length != 16) {
      throw new IllegalArgumentException("an IPv6 address has 16 bytes, not " + b.length);
    }
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  private static int group(long hi, long lo, int i) {
    long half = i < 4 ? hi : lo;
    return (int) (half >>> (48 - 16 * (i & 3))) & 0xffff;
  }

  private static void appendHex(StringBuilder out, int group) {
    boolean started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int digit = (group >>> shift) & 0xf;
      if (digit != 0 || started || shift == 0) {
        out.append(HEX[digit]);
        started = true;
      }
    }
  }
}
