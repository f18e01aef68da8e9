package dev.vigil.mitigate.policy;

import dev.vigil.mitigate.api.Targets;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a policy's allowlist always contains, because quarantining it would cut the gateway off: the
 * gateway's own addresses and MACs, its default routes' next hops, and the DNS and DHCP servers it
 * uses. {@link #read(Sources)} takes it from the running system; {@link GatewayIdentityRefresher}
 * reads it again while the daemon runs, since DHCP and SLAAC change these.
 *
 * <p>Every list is bounded ({@link #MAX_ENTRIES} entries, each file read up to {@link
 * #MAX_FILE_LINES} lines): an attacker who floods the gateway with router advertisements cannot
 * make it grow without bound. Entries that are not addresses are skipped.
 *
 * @param addresses own IP addresses, canonicalised
 * @param macs own MAC addresses, canonicalised
 * @param nextHops the next hops of the default routes (IPv4 and IPv6), canonicalised
 * @param dnsServers the name servers of the resolver files, canonicalised
 * @param dhcpServers the DHCP servers of the lease files, canonicalised
 */
public record GatewayIdentity(
    List<String> addresses,
    List<String> macs,
    List<String> nextHops,
    List<String> dnsServers,
    List<String> dhcpServers) {
  /** The most entries of each list kept; the rest are dropped. */
  public static final int MAX_ENTRIES = 1024;

  /** The most lines read from one file of the kernel or the resolver. */
  public static final int MAX_FILE_LINES = 100_000;

  /** The most lease files read from one folder. */
  static final int MAX_LEASE_FILES = 64;

  /**
   * Canonicalises, de-duplicates, bounds and copies.
   *
   * @throws IllegalArgumentException if an entry is not a valid address
   */
  public GatewayIdentity {
    addresses = canonical(addresses, Targets::ip);
    macs = canonical(macs, Targets::mac);
    nextHops = canonical(nextHops, Targets::ip);
    dnsServers = canonical(dnsServers, Targets::ip);
    dhcpServers = canonical(dhcpServers, Targets::ip);
  }

  /** Creates an identity of own addresses and MACs only. */
  public GatewayIdentity(List<String> addresses, List<String> macs) {
    this(addresses, macs, List.of(), List.of(), List.of());
  }

  private static List<String> canonical(
      List<String> in, java.util.function.UnaryOperator<String> f) {
    return in.stream().map(f).distinct().limit(MAX_ENTRIES).toList();
  }

  /** Returns an identity with no addresses (for tests and replays). */
  public static GatewayIdentity none() {
    return new GatewayIdentity(List.of(), List.of());
  }

  /** Returns every IP address to allowlist: own, next hops, DNS and DHCP servers. */
  public Set<String> allAddresses() {
    Set<String> all = new LinkedHashSet<>(addresses);
    all.addAll(nextHops);
    all.addAll(dnsServers);
    all.addAll(dhcpServers);
    return all;
  }

  /**
   * Where {@link #read(Sources)} looks.
   *
   * @param procNet the kernel's network tables of the namespace ({@code /proc/self/net}): {@code
   *     fib_trie} and {@code if_inet6} (own addresses), {@code route} and {@code ipv6_route}
   *     (default routes)
   * @param resolverFiles resolv.conf files whose {@code nameserver} lines name DNS servers; missing
   *     ones are skipped
   * @param leaseFolders folders of DHCP lease files (dhclient's {@code dhcp-server-identifier},
   *     systemd-networkd's and NetworkManager's {@code SERVER_ADDRESS=}); missing ones are skipped
   * @param javaInterfaces whether to add the addresses and MACs the JVM lists for its own namespace
   */
  public record Sources(
      Path procNet, List<Path> resolverFiles, List<Path> leaseFolders, boolean javaInterfaces) {
    /** Copies. */
    public Sources {
      resolverFiles = List.copyOf(resolverFiles);
      leaseFolders = List.copyOf(leaseFolders);
    }

    /** Returns this system's sources: its own namespace and the usual Debian places. */
    public static Sources system() {
      return new Sources(
          Path.of("/proc/self/net"),
          List.of(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf")),
          List.of(
              Path.of("/var/lib/dhcp"),
              Path.of("/run/systemd/netif/leases"),
              Path.of("/var/lib/NetworkManager")),
          true);
    }
  }

  /**
   * Returns the addresses and MACs of every network interface of this host, up or down, loopback
   * included (IPv6 zone ids dropped), with its default routes' next hops and its DNS and DHCP
   * servers: {@link #read(Sources)} of {@link Sources#system()}.
   *
   * @throws SocketException if the interfaces cannot be listed
   */
  public static GatewayIdentity local() throws SocketException {
    return read(Sources.system());
  }

  /**
   * Reads the identity from {@code sources}. A file that is missing or unreadable adds nothing.
   *
   * @throws SocketException if the JVM's interfaces are asked for and cannot be listed
   */
  public static GatewayIdentity read(Sources sources) throws SocketException {
    List<String> ips = new ArrayList<>();
    List<String> macs = new ArrayList<>();
    if (sources.javaInterfaces()) {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          ips.add(Targets.format(a.getAddress()));
        }
        byte[] hw = ni.getHardwareAddress();
        if (hw != null && hw.length == 6) {
          macs.add(HexFormat.ofDelimiter(":").formatHex(hw));
        }
      }
    }
    ips.addAll(localIpv4(sources.procNet().resolve("fib_trie")));
    ips.addAll(localIpv6(sources.procNet().resolve("if_inet6")));
    List<String> hops = new ArrayList<>(ipv4NextHops(sources.procNet().resolve("route")));
    hops.addAll(ipv6NextHops(sources.procNet().resolve("ipv6_route")));
    List<String> dns = new ArrayList<>();
    for (Path f : sources.resolverFiles()) {
      dns.addAll(nameServers(f));
    }
    List<String> dhcp = new ArrayList<>();
    for (Path d : sources.leaseFolders()) {
      dhcp.addAll(dhcpServers(d));
    }
    return new GatewayIdentity(ips, macs, hops, dns, dhcp);
  }

  /** The host addresses of {@code fib_trie}: an address line followed by {@code /32 host LOCAL}. */
  static Collection<String> localIpv4(Path fibTrie) {
    Set<String> out = new LinkedHashSet<>();
    String last = null;
    for (String line : lines(fibTrie)) {
      String t = line.strip();
      if (t.startsWith("|-- ")) {
        last = t.substring(4).strip();
      } else if (last != null && t.startsWith("/32 host LOCAL")) {
        addIfValid(out, last);
      }
    }
    return out;
  }

  /** The addresses of {@code if_inet6}: 32 hex digits first on each line. */
  static Collection<String> localIpv6(Path ifInet6) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : lines(ifInet6)) {
      String[] f = line.strip().split("\\s+");
      if (f.length > 0 && f[0].length() == 32) {
        addIfValid(out, hex6(f[0]));
      }
    }
    return out;
  }

  /**
   * The gateways of {@code /proc/net/route}'s default routes (destination and mask 0), which the
   * kernel prints as 8 hex digits of the address in host byte order.
   */
  static Collection<String> ipv4NextHops(Path route) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : lines(route)) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 8 || !"00000000".equals(f[1]) || !"00000000".equals(f[7])) {
        continue;
      }
      try {
        int v = Integer.parseUnsignedInt(f[2], 16);
        if (v == 0) {
          continue;
        }
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
          v = Integer.reverseBytes(v);
        }
        addIfValid(
            out,
            (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff));
      } catch (NumberFormatException ignored) {
        // not a route line (the header)
      }
    }
    return out;
  }

  /** The next hops of {@code ipv6_route}'s default routes ({@code ::/0} with a next hop). */
  static Collection<String> ipv6NextHops(Path route) {
    Set<String> out = new LinkedHashSet<>();
    String zero = "0".repeat(32);
    for (String line : lines(route)) {
      String[] f = line.strip().split("\\s+");
      if (f.length >= 5 && zero.equals(f[0]) && "00".equals(f[1]) && !zero.equals(f[4])) {
        addIfValid(out, hex6(f[4]));
      }
    }
    return out;
  }

  /** The {@code nameserver} lines of a resolv.conf (an IPv6 zone id dropped). */
  static Collection<String> nameServers(Path resolvConf) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : lines(resolvConf)) {
      String[] f = line.strip().split("\\s+");
      if (f.length >= 2 && "nameserver".equals(f[0])) {
        int zone = f[1].indexOf('%');
        addIfValid(out, zone < 0 ? f[1] : f[1].substring(0, zone));
      }
    }
    return out;
  }

  /**
   * The DHCP servers named by the lease files in {@code folder} (at most {@link #MAX_LEASE_FILES}).
   */
  static Collection<String> dhcpServers(Path folder) {
    Set<String> out = new LinkedHashSet<>();
    if (!Files.isDirectory(folder)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
      int n = 0;
      for (Path f : files) {
        if (n++ >= MAX_LEASE_FILES) {
          break;
        }
        if (!Files.isRegularFile(f)) {
          continue;
        }
        for (String line : lines(f)) {
          String t = line.strip();
          if (t.startsWith("option dhcp-server-identifier ")) {
            addIfValid(out, t.substring(30).replace(";", "").strip());
          } else if (t.startsWith("SERVER_ADDRESS=")) {
            addIfValid(out, t.substring(15).strip());
          }
        }
      }
    } catch (IOException | SecurityException ignored) {
      // an unreadable folder adds nothing
    }
    return out;
  }

  private static String hex6(String hex) {
    StringBuilder s = new StringBuilder(39);
    for (int i = 0; i < 32; i += 4) {
      s.append(i == 0 ? "" : ":").append(hex, i, i + 4);
    }
    return s.toString();
  }

  private static void addIfValid(Set<String> out, String text) {
    if (out.size() >= MAX_ENTRIES) {
      return;
    }
    try {
      out.add(Targets.ip(text));
    } catch (IllegalArgumentException ignored) {
      // not an address: skipped
    }
  }

  /** The first {@link #MAX_FILE_LINES} lines of {@code file}, or none when it cannot be read. */
  private static List<String> lines(Path file) {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
        Stream<String> s = r.lines()) {
      return s.limit(MAX_FILE_LINES).toList();
    } catch (IOException | java.io.UncheckedIOException | SecurityException e) {
      return List.of();
    }
  }
}
