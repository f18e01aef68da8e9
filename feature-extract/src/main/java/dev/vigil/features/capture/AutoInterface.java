package dev.vigil.features.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Picks the interface to capture when the configuration says {@code interface: auto}, as an
 * installed gateway's default configuration does: the LAN bridge if there is one (IoT gateways
 * bridge their LAN ports and Wi-Fi: {@code br0}, OpenWrt's {@code br-lan}), else the interface of
 * the default route (a single-homed host watching its own segment).
 *
 * <p>Bridges made by container and VM managers ({@code docker0}, Docker's {@code br-<12 hex>},
 * {@code virbr*}, {@code lxcbr*}, {@code cni*}) are not a LAN and are skipped, as are bridges that
 * are down. Among several LAN bridges the one with the most ports wins (then the first by name).
 * Read from {@code /sys/class/net} and {@code /proc/net/route} (IPv4), then {@code
 * /proc/net/ipv6_route}; the roots are parameters so tests can give a made-up system.
 */
public final class AutoInterface {
  /** The configuration value that asks for this choice. */
  public static final String AUTO = "auto";

  private static final Pattern NOT_LAN =
      Pattern.compile("docker\\d*|br-[0-9a-f]{12}|virbr\\d*(-nic)?|lxcbr\\d*|lxdbr\\d*|cni\\d*");

  private final Path sysClassNet;
  private final Path procNet;

  /**
   * @param sysClassNet the folder of network interfaces ({@code /sys/class/net})
   * @param procNet the kernel's network tables ({@code /proc/net})
   */
  public AutoInterface(Path sysClassNet, Path procNet) {
    this.sysClassNet = sysClassNet;
    this.procNet = procNet;
  }

  /** This machine's interfaces. */
  public static AutoInterface system() {
    return new AutoInterface(Path.of("/sys/class/net"), Path.of("/proc/net"));
  }

  /**
   * An interface chosen, and why (for the log).
   *
   * @param name the interface's name
   * @param reason how it was chosen, in words
   */
  public record Choice(String name, String reason) {}

  /**
   * Chooses the capture interface.
   *
   * @throws IOException when there is neither a LAN bridge nor a default route (the message says
   *     what was looked at)
   */
  public Choice choose() throws IOException {
    List<String> bridges = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    if (Files.isDirectory(sysClassNet)) {
      try (DirectoryStream<Path> ifs = Files.newDirectoryStream(sysClassNet)) {
        for (Path p : ifs) {
          String name = p.getFileName().toString();
          if (!Files.isDirectory(p.resolve("bridge"))) {
            continue;
          }
          if (NOT_LAN.matcher(name).matches() || "down".equals(operstate(p))) {
            skipped.add(name);
          } else {
            bridges.add(name);
          }
        }
      }
    }
    if (!bridges.isEmpty()) {
      bridges.sort(
          Comparator.comparingInt((String b) -> -ports(sysClassNet.resolve(b)))
              .thenComparing(Comparator.naturalOrder()));
      String b = bridges.get(0);
      return new Choice(
          b,
          "the LAN bridge ("
              + ports(sysClassNet.resolve(b))
              + " port(s))"
              + (bridges.size() > 1 ? "; other bridges: " + bridges.subList(1, bridges.size()) : "")
              + (skipped.isEmpty() ? "" : "; skipped (container/VM or down): " + skipped));
    }
    String v4 = defaultRouteV4();
    if (v4 != null) {
      return new Choice(v4, "the interface of the IPv4 default route (no LAN bridge)");
    }
    String v6 = defaultRouteV6();
    if (v6 != null) {
      return new Choice(v6, "the interface of the IPv6 default route (no LAN bridge)");
    }
    throw new IOException(
        "capture.interface auto: no LAN bridge in "
            + sysClassNet
            + (skipped.isEmpty() ? "" : " (skipped: " + skipped + ")")
            + " and no default route in "
            + procNet.resolve("route")
            + " or "
            + procNet.resolve("ipv6_route")
            + "; name the interface in capture.interface");
  }

  private static String operstate(Path iface) {
    try {
      return Files.readString(iface.resolve("operstate"), StandardCharsets.US_ASCII)
          .trim()
          .toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static int ports(Path bridge) {
    Path brif = bridge.resolve("brif");
    if (!Files.isDirectory(brif)) {
      return 0;
    }
    int n = 0;
    try (DirectoryStream<Path> ports = Files.newDirectoryStream(brif)) {
      for (Path ignored : ports) {
        n++;
      }
    } catch (IOException e) {
      return 0;
    }
    return n;
  }

  /** The interface of the lowest-metric IPv4 default route that is up, or null. */
  private String defaultRouteV4() throws IOException {
    Path route = procNet.resolve("route");
    if (!Files.isReadable(route)) {
      return null;
    }
    String best = null;
    long bestMetric = Long.MAX_VALUE;
    // Iface Destination Gateway Flags RefCnt Use Metric Mask ...; hex fields
    for (String line : Files.readAllLines(route, StandardCharsets.US_ASCII)) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 8 || "Iface".equals(f[0])) {
        continue;
      }
      if (!"00000000".equals(f[1]) || !"00000000".equals(f[7])) {
        continue;
      }
      long flags = parseHex(f[3]);
      long metric = parseDec(f[6]);
      if ((flags & 1) == 0 || metric < 0) { // RTF_UP
        continue;
      }
      if (metric < bestMetric) {
        bestMetric = metric;
        best = f[0];
      }
    }
    return best;
  }

  /** The interface of the lowest-metric IPv6 default route (not loopback), or null. */
  private String defaultRouteV6() throws IOException {
    Path route = procNet.resolve("ipv6_route");
    if (!Files.isReadable(route)) {
      return null;
    }
    String best = null;
    long bestMetric = Long.MAX_VALUE;
    // dest destlen src srclen nexthop metric refcnt use flags iface
    for (String line : Files.readAllLines(route, StandardCharsets.US_ASCII)) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 10 || !"00".equals(f[1]) || !f[0].matches("0{32}")) {
        continue;
      }
      String iface = f[9];
      long metric = parseHex(f[5]);
      long flags = parseHex(f[8]);
      if ("lo".equals(iface) || (flags & 1) == 0 || metric < 0) {
        continue;
      }
      if (metric < bestMetric) {
        bestMetric = metric;
        best = iface;
      }
    }
    return best;
  }

  private static long parseHex(String s) {
    try {
      return Long.parseLong(s, 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long parseDec(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
