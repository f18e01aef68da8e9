package dev.vigil.mitigate.api;

import dev.vigil.common.net.AddressText;
import dev.vigil.common.settings.StrictSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Parses and canonicalises the values a decision may name: IPv4 and IPv6 addresses, CIDR blocks,
 * MAC addresses and device ids. Parsing is strict and done here by hand (never by a resolver, so no
 * text ever triggers a DNS lookup); anything else is refused with an {@link
 * IllegalArgumentException} whose message says why and shows the offending text escaped and cut
 * short, so it is safe to log.
 *
 * <p>The canonical forms are: IPv4 dotted decimal without leading zeros; IPv6 as RFC 5952 (lower
 * case, the longest run of two or more zero groups compressed, IPv4-mapped addresses as {@code
 * ::ffff:a.b.c.d}); CIDR as {@code address/length} with the host bits zero; MAC as six lower-case
 * hex pairs joined by colons; device ids unchanged. None of them can start with {@code -} or hold
 * white space, quotes, shell metacharacters or control characters, so a canonical value is safe as
 * one element of a command's argument vector.
 *
 * <p>Stateless and thread-safe.
 */
public final class Targets {
  /** Longest text accepted for any target (an IPv6 CIDR in its longest form is 49 characters). */
  public static final int MAX_LENGTH = 64;

  private Targets() {}

  /**
   * Returns the canonical form of {@code text} read as a value of {@code scope}.
   *
   * @throws IllegalArgumentException if it is not one, saying why
   */
  public static String canonical(Decision.Scope scope, String text) {
    Objects.requireNonNull(scope, "scope");
    return switch (scope) {
      case IP -> ip(text);
      case CIDR -> cidr(text);
      case MAC -> mac(text);
      case DEVICE -> device(text);
    };
  }

  /** Returns whether {@code text} is already the canonical form of a value of {@code scope}. */
  public static boolean isCanonical(Decision.Scope scope, String text) {
    try {
      return canonical(scope, text).equals(text);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Returns the canonical text of an IPv4 or IPv6 address; see the class comment. */
  public static String ip(String text) {
    return format(ipBytes(text));
  }

  /**
   * Returns the bytes (4 for IPv4, 16 for IPv6) of an IPv4 or IPv6 address written as text.
   *
   * @throws IllegalArgumentException if {@code text} is not an address
   */
  public static byte[] ipBytes(String text) {
    String t = precheck("ip", text);
    byte[] b = t.indexOf(':') >= 0 ? parse6(t) : parse4(t);
    if (b == null) {
      throw bad("ip", text, "not an IPv4 or IPv6 address");
    }
    return b;
  }

  /** Returns the address {@code text} names, without any name lookup; see {@link #ipBytes}. */
  public static InetAddress inetAddress(String text) {
    try {
      return InetAddress.getByAddress(ipBytes(text));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("unreachable: byte length is checked", e);
    }
  }

  /**
   * Returns the canonical text of an address given as bytes (4 or 16 of them), as {@link
   * AddressText} writes it.
   */
  public static String format(byte[] b) {
    if (b.length == 4) {
      return AddressText.ipv4(
          ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff));
    }
    if (b.length != 16) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + b.length);
    }
    return AddressText.ipv6(AddressText.hi(b), AddressText.lo(b));
  }

  /**
   * Returns the canonical text of a CIDR block {@code address/length}; a bare address is refused
   * (say {@code /32} or {@code /128}), as are host bits that are not zero.
   */
  public static String cidr(String text) {
    Cidr c = parseCidr(text);
    return format(c.network()) + "/" + c.prefix();
  }

  /**
   * Parses a CIDR block; see {@link #cidr}.
   *
   * @throws IllegalArgumentException if {@code text} is not one
   */
  public static Cidr parseCidr(String text) {
    String t = precheck("cidr", text);
    int slash = t.indexOf('/');
    if (slash < 0) {
      throw bad("cidr", text, "expected address/prefix-length");
    }
    byte[] net;
    try {
      net = ipBytes(t.substring(0, slash));
    } catch (IllegalArgumentException e) {
      throw bad("cidr", text, "the address part is not an IPv4 or IPv6 address");
    }
    String len = t.substring(slash + 1);
    if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Targets::isDigit)) {
      throw bad("cidr", text, "the prefix length is not a number");
    }
    if (len.length() > 1 && len.charAt(0) == '0') {
      throw bad("cidr", text, "the prefix length has a leading zero");
    }
    int prefix = Integer.parseInt(len);
    if (prefix > net.length * 8) {
      throw bad("cidr", text, "the prefix length is over " + net.length * 8);
    }
    for (int bit = prefix; bit < net.length * 8; bit++) {
      if ((net[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        throw bad(
            "cidr",
            text,
            "host bits are set (did you mean " + format(mask(net, prefix)) + "/" + prefix + "?)");
      }
    }
    return new Cidr(net, prefix);
  }

  private static byte[] mask(byte[] b, int prefix) {
    byte[] out = b.clone();
    for (int bit = prefix; bit < out.length * 8; bit++) {
      out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return out;
  }

  /**
   * Returns the canonical text of a MAC address: six hex pairs separated by colons or by hyphens
   * (not mixed), in either case.
   */
  public static String mac(String text) {
    String t = precheck("mac", text);
    if (t.length() != 17) {
      throw bad("mac", text, "expected six hex pairs such as 02:00:5e:10:00:01");
    }
    char sep = t.charAt(2);
    if (sep != ':' && sep != '-') {
      throw bad("mac", text, "expected six hex pairs such as 02:00:5e:10:00:01");
    }
    StringBuilder s = new StringBuilder(17);
    for (int i = 0; i < 17; i++) {
      char c = t.charAt(i);
      if (i % 3 == 2) {
        if (c != sep) {
          throw bad("mac", text, "expected six hex pairs such as 02:00:5e:10:00:01");
        }
        s.append(':');
      } else {
        if (Character.digit(c, 16) < 0 || c > 'f') {
          throw bad("mac", text, "expected six hex pairs such as 02:00:5e:10:00:01");
        }
        s.append(Character.toLowerCase(c));
      }
    }
    return s.toString();
  }

  /**
   * Returns a device id unchanged if it is 1 to {@value #MAX_LENGTH} characters of ASCII letters,
   * digits, {@code . _ -}, starting with a letter or digit.
   */
  public static String device(String text) {
    String t = precheck("device", text);
    char first = t.charAt(0);
    if (!isAlnum(first)) {
      throw bad("device", text, "must start with a letter or digit");
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (!isAlnum(c) && c != '.' && c != '_' && c != '-') {
        throw bad("device", text, "only letters, digits, '.', '_' and '-' are allowed");
      }
    }
    return t;
  }

  /**
   * Returns {@code text} made safe to show in a log line or error: control and non-ASCII characters
   * escaped, cut to {@value #MAX_LENGTH} characters.
   */
  public static String quote(String text) {
    return StrictSettings.quote(text);
  }

  private static String precheck(String what, String text) {
    if (text == null) {
      throw new IllegalArgumentException(what + ": missing value");
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException(what + ": empty value");
    }
    if (text.length() > MAX_LENGTH) {
      throw bad(what, text, "longer than " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw bad(what, text, "holds white space, a control or a non-ASCII character");
      }
    }
    if (text.charAt(0) == '-') {
      throw bad(what, text, "must not start with '-'");
    }
    return text;
  }

  private static IllegalArgumentException bad(String what, String text, String why) {
    return new IllegalArgumentException(what + " [" + quote(text) + "]: " + why);
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAlnum(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** Strict dotted decimal: four parts 0-255, no leading zeros (which some tools read as octal). */
  private static byte[] parse4(String t) {
    String[] parts = t.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Targets::isDigit)) {
        return null;
      }
      if (p.length() > 1 && p.charAt(0) == '0') {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      b[i] = (byte) v;
    }
    return b;
  }

  /** RFC 4291 text: hex groups, at most one {@code ::}, an optional trailing IPv4; no zone id. */
  private static byte[] parse6(String t) {
    int dbl = t.indexOf("::");
    if (dbl >= 0 && t.indexOf("::", dbl + 1) >= 0) {
      return null;
    }
    String head = dbl >= 0 ? t.substring(0, dbl) : t;
    String tail = dbl >= 0 ? t.substring(dbl + 2) : "";
    int[] h = groups(head, dbl < 0);
    int[] tl = dbl >= 0 ? groups(tail, true) : new int[0];
    if (h == null || tl == null) {
      return null;
    }
    // An embedded IPv4 counts as two groups.
    int n = h.length + tl.length;
    if (dbl >= 0 ? n > 7 : n != 8) {
      return null;
    }
    int[] all = new int[8];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(tl, 0, all, 8 - tl.length, tl.length);
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[2 * i] = (byte) (all[i] >>> 8);
      b[2 * i + 1] = (byte) all[i];
    }
    return b;
  }

  /**
   * Parses colon-separated hex groups; the last may be a dotted IPv4 when {@code ipv4Last}. Returns
   * null on any error; an empty string is no groups.
   */
  private static int[] groups(String s, boolean ipv4Last) {
    if (s.isEmpty()) {
      return new int[0];
    }
    String[] parts = s.split(":", -1);
    int[] out = new int[parts.length + 1];
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i == parts.length - 1 && ipv4Last && p.indexOf('.') >= 0) {
        byte[] v4 = parse4(p);
        if (v4 == null) {
          return null;
        }
        out[n++] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
        out[n++] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
        continue;
      }
      if (p.isEmpty() || p.length() > 4) {
        return null;
      }
      int v = 0;
      for (int k = 0; k < p.length(); k++) {
        int d = Character.digit(p.charAt(k), 16);
        if (d < 0) {
          return null;
        }
        v = v * 16 + d;
      }
      out[n++] = v;
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * A parsed CIDR block.
   *
   * @param network the network address (4 or 16 bytes), host bits zero; a copy is kept
   * @param prefix the prefix length in bits
   */
  public record Cidr(byte[] network, int prefix) {
    /** Copies and validates. */
    public Cidr {
      network = network.clone();
      if (network.length != 4 && network.length != 16) {
        throw new IllegalArgumentException("an address has 4 or 16 bytes");
      }
      if (prefix < 0 || prefix > network.length * 8) {
        throw new IllegalArgumentException("prefix out of range: " + prefix);
      }
    }

    /** Returns a copy of the network address. */
    @Override
    public byte[] network() {
      return network.clone();
    }

    /**
     * Returns whether {@code address} (4 or 16 bytes) lies in this block; an IPv4 address and its
     * IPv4-mapped IPv6 form are treated alike.
     */
    public boolean contains(byte[] address) {
      byte[] a = widen(address);
      byte[] n = widen(network);
      int bits = network.length == 4 ? prefix + 96 : prefix;
      for (int bit = 0; bit < bits; bit++) {
        int m = 0x80 >>> (bit % 8);
        if ((a[bit / 8] & m) != (n[bit / 8] & m)) {
          return false;
        }
      }
      return true;
    }

    /** Returns whether the canonical address {@code text} lies in this block. */
    public boolean contains(String text) {
      return contains(ipBytes(text));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
      return format(network) + "/" + prefix;
    }
  }

  /** Returns an address as 16 bytes: IPv4 as its IPv4-mapped IPv6 form, IPv6 unchanged. */
  static byte[] widen(byte[] b) {
    if (b.length == 16) {
      return b;
    }
    if (b.length != 4) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + b.length);
    }
    byte[] w = new byte[16];
    w[10] = (byte) 0xff;
    w[11] = (byte) 0xff;
    System.arraycopy(b, 0, w, 12, 4);
    return w;
  }
}
