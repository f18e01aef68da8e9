package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.api.Decision;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses and validates every value that may reach a command (addresses, prefixes, MAC addresses,
 * names of tables, interfaces and namespaces) into a canonical form, and refuses everything else
 * with the reason. Nothing here resolves names: a host name is refused, not looked up.
 *
 * <p>Self-contained on purpose (the backends' last line of defence, whatever policy checked
 * before). Thread-safe: stateless.
 */
final class NetValues {
  private NetValues() {}

  /** What kind of entity a {@link Target} names. */
  enum Kind {
    V4,
    V6,
    MAC
  }

  /**
   * A validated entity in canonical form.
   *
   * @param kind what it is
   * @param bytes its address bytes (4, 16, or 6 for a MAC), network bytes for a prefix
   * @param prefix the prefix length (32 or 128 for a single address, 48 for a MAC)
   * @param text canonical text: dotted quad, RFC 5952 IPv6, lower-case colon MAC, with "/len" for a
   *     proper prefix
   */
  record Target(Kind kind, byte[] bytes, int prefix, String text) {
    /** Returns whether this names one host (a full-length prefix or a MAC). */
    boolean isHost() {
      return prefix == bytes.length * 8;
    }

    /** Returns whether this and {@code o} share any address (same family, overlapping prefix). */
    boolean overlaps(Target o) {
      if (kind != o.kind) {
        return false;
      }
      return samePrefix(bytes, o.bytes, Math.min(prefix, o.prefix));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Target t && kind == t.kind && prefix == t.prefix && text.equals(t.text);
    }

    @Override
    public int hashCode() {
      return text.hashCode();
    }

    @Override
    public String toString() {
      return text;
    }
  }

  private static final Pattern V4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern V6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final Pattern PREFIX = Pattern.compile("0|[1-9]\\d{0,2}");
  private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");
  private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}");
  private static final Pattern NETNS = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

  /**
   * Parses one IPv4 or IPv6 address (no prefix, no zone, no leading zeros, no IPv4-mapped IPv6).
   *
   * @throws IllegalArgumentException naming the value and what is wrong with it
   */
  static Target address(String s) {
    check(s != null, s, "is null");
    if (V4.matcher(s).matches()) {
      String[] p = s.split("\\.");
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        b[i] = (byte) Integer.parseInt(p[i]);
      }
      return new Target(Kind.V4, b, 32, s);
    }
    check(V6_CHARS.matcher(s).matches() && s.indexOf(':') >= 0, s, "is not an IP address");
    InetAddress a;
    try {
      // Only hex digits, colons and dots with at least one colon: parsed as a literal, never looked
      // up.
      a = InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw bad(s, "is not an IP address");
    }
    check(!(a instanceof Inet4Address), s, "is an IPv4-mapped IPv6 address; use the IPv4 form");
    byte[] b = a.getAddress();
    return new Target(Kind.V6, b, 128, v6Text(b));
  }

  /**
   * Parses a prefix {@code address/len} with no host bits set; a full-length prefix gives the
   * single address.
   *
   * @throws IllegalArgumentException naming the value and what is wrong with it
   */
  static Target cidr(String s) {
    check(s != null, s, "is null");
    int slash = s.indexOf('/');
    check(slash > 0 && slash == s.lastIndexOf('/'), s, "is not a prefix (address/length)");
    String lenText = s.substring(slash + 1);
    check(PREFIX.matcher(lenText).matches(), s, "has a bad prefix length");
    Target a = address(s.substring(0, slash));
    int max = a.bytes().length * 8;
    int len = Integer.parseInt(lenText);
    check(len <= max, s, "has a prefix length over " + max);
    byte[] net = a.bytes().clone();
    for (int bit = len; bit < max; bit++) {
      check((net[bit / 8] & (0x80 >>> (bit % 8))) == 0, s, "has host bits set");
    }
    return len == max ? a : new Target(a.kind(), net, len, a.text() + "/" + len);
  }

  /**
   * Parses a unicast MAC address written as six colon-separated hex pairs; the canonical form is
   * lower case.
   *
   * @throws IllegalArgumentException naming the value and what is wrong with it
   */
  static Target mac(String s) {
    check(s != null && MAC.matcher(s).matches(), s, "is not a MAC address (xx:xx:xx:xx:xx:xx)");
    String t = s.toLowerCase(Locale.ROOT);
    byte[] b = new byte[6];
    String[] p = t.split(":");
    boolean zero = true;
    for (int i = 0; i < 6; i++) {
      b[i] = (byte) Integer.parseInt(p[i], 16);
      zero &= b[i] == 0;
    }
    check(!zero, s, "is the all-zero MAC address");
    check((b[0] & 1) == 0, s, "is a multicast or broadcast MAC address");
    return new Target(Kind.MAC, b, 48, t);
  }

  /**
   * Parses the value of a decision of {@code scope} and checks that it is safe to act on: not
   * unspecified, loopback, multicast or broadcast, and no prefix shorter than {@code minPrefix4} /
   * {@code minPrefix6}.
   *
   * @throws IllegalArgumentException naming the value and what is wrong with it; also for scope
   *     DEVICE, which these backends cannot resolve
   */
  static Target decisionTarget(Decision.Scope scope, String value, int minPrefix4, int minPrefix6) {
    Target t =
        switch (scope) {
          case IP -> address(value);
          case CIDR -> value != null && value.indexOf('/') < 0 ? address(value) : cidr(value);
          case MAC -> mac(value);
          case DEVICE -> throw bad(value, "is a device id; resolve it to an address or MAC first");
        };
    if (t.kind() == Kind.MAC) {
      return t;
    }
    InetAddress a;
    try {
      a = InetAddress.getByAddress(t.bytes());
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
    check(!a.isAnyLocalAddress(), value, "is the unspecified address");
    check(!a.isLoopbackAddress(), value, "is a loopback address");
    check(!a.isMulticastAddress(), value, "is a multicast address");
    check(!"255.255.255.255".equals(t.text()), value, "is the broadcast address");
    int min = t.kind() == Kind.V4 ? minPrefix4 : minPrefix6;
    check(t.prefix() >= min, value, "is wider than the smallest allowed prefix /" + min);
    return t;
  }

  /**
   * Parses allowlist entries: addresses, prefixes or MAC addresses.
   *
   * @throws IllegalArgumentException naming the first bad entry
   */
  static List<Target> allowlist(List<String> entries) {
    List<Target> out = new ArrayList<>();
    for (String e : entries) {
      if (e != null && MAC.matcher(e).matches()) {
        out.add(mac(e));
      } else if (e != null && e.indexOf('/') >= 0) {
        out.add(cidr(e));
      } else {
        out.add(address(e));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Returns the allowlist entry that {@code t} touches (an allowed address inside a target prefix
   * counts), or {@code null}.
   */
  static Target allowed(List<Target> allow, Target t) {
    for (Target a : allow) {
      if (a.overlaps(t)) {
        return a;
      }
    }
    return null;
  }

  /** Checks an nftables table name: a letter then up to 31 letters, digits or underscores. */
  static String tableName(String key, String s) {
    checkKey(s != null && NAME.matcher(s).matches(), key, s, "must be a letter then [A-Za-z0-9_]");
    return s;
  }

  /** Checks a network interface name (at most 15 characters, no leading dash or dot). */
  static String interfaceName(String key, String s) {
    checkKey(
        s != null && IFACE.matcher(s).matches(),
        key,
        s,
        "must be an interface name [A-Za-z0-9_.-]");
    return s;
  }

  /** Checks a network namespace name as {@code ip netns} names them under /run/netns. */
  static String netnsName(String key, String s) {
    checkKey(
        s != null && NETNS.matcher(s).matches(), key, s, "must be a namespace name [A-Za-z0-9_.-]");
    return s;
  }

  private static boolean samePrefix(byte[] a, byte[] b, int bits) {
    for (int bit = 0; bit < bits; bit++) {
      int m = 0x80 >>> (bit % 8);
      if ((a[bit / 8] & m) != (b[bit / 8] & m)) {
        return false;
      }
    }
    return true;
  }

  /**
   * RFC 5952 text of a 16-byte address, as {@link dev.vigil.mitigate.api.Targets#format} writes it
   * (IPv4-mapped addresses never get here: {@link #address} refuses them).
   */
  static String v6Text(byte[] b) {
    return dev.vigil.mitigate.api.Targets.format(b);
  }

  private static void check(boolean ok, String value, String why) {
    if (!ok) {
      throw bad(value, why);
    }
  }

  private static void checkKey(boolean ok, String key, String value, String why) {
    if (!ok) {
      throw new IllegalArgumentException(key + " [" + printable(value) + "] " + why);
    }
  }

  private static IllegalArgumentException bad(String value, String why) {
    return new IllegalArgumentException("[" + printable(value) + "] " + why);
  }

  /** Escapes control characters so a hostile value cannot forge log lines. */
  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return s.length() > 100 ? sb + "..." : sb.toString();
  }
}
