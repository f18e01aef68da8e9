package dev.vigil.mitigate.policy;

import dev.vigil.mitigate.api.Targets;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The gateway's own addresses, which a policy's allowlist always contains: a gateway must never
 * quarantine itself.
 *
 * @param addresses own IP addresses, canonicalised
 * @param macs own MAC addresses, canonicalised
 */
public record GatewayIdentity(List<String> addresses, List<String> macs) {
  /**
   * Canonicalises and copies.
   *
   * @throws IllegalArgumentException if an entry is not a valid address
   */
  public GatewayIdentity {
    addresses = addresses.stream().map(Targets::ip).toList();
    macs = macs.stream().map(Targets::mac).toList();
  }

  /** Returns an identity with no addresses (for tests and replays). */
  public static GatewayIdentity none() {
    return new GatewayIdentity(List.of(), List.of());
  }

  /**
   * Returns the addresses and MACs of every network interface of this host, up or down, loopback
   * included (IPv6 zone ids dropped).
   *
   * @throws SocketException if the interfaces cannot be listed
   */
  public static GatewayIdentity local() throws SocketException {
    List<String> ips = new ArrayList<>();
    List<String> macs = new ArrayList<>();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        ips.add(Targets.format(a.getAddress()));
      }
      byte[] hw = ni.getHardwareAddress();
      if (hw != null && hw.length == 6) {
        StringBuilder s = new StringBuilder();
        for (byte b : hw) {
          s.append(s.length() == 0 ? "" : ":").append(String.format("%02x", b & 0xff));
        }
        macs.add(s.toString());
      }
    }
    return new GatewayIdentity(ips.stream().distinct().toList(), macs.stream().distinct().toList());
  }
}
