package dev.vigil.mitigate.policy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Targets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Entities no decision may ever name: IP addresses and CIDR blocks, MAC addresses and device ids.
 * An IP verdict is allowlisted when its address lies in a listed block; a CIDR verdict when it
 * overlaps one (quarantining a block that holds a management host would lock it out).
 *
 * <p>Immutable and thread-safe.
 *
 * @param networks listed addresses (as {@code /32} or {@code /128}) and blocks
 * @param macs listed MAC addresses, canonical
 * @param devices listed device ids
 */
public record Allowlist(List<Targets.Cidr> networks, Set<String> macs, Set<String> devices) {
  /** Copies. */
  public Allowlist {
    networks = List.copyOf(networks);
    macs = Set.copyOf(macs);
    devices = Set.copyOf(devices);
  }

  /** Returns an empty allowlist. */
  public static Allowlist empty() {
    return new Allowlist(List.of(), Set.of(), Set.of());
  }

  /** Returns the block for an address or CIDR text ({@code /32} or {@code /128} for an address). */
  static Targets.Cidr network(String text) {
    if (text.indexOf('/') >= 0) {
      return Targets.parseCidr(text);
    }
    byte[] b = Targets.ipBytes(text);
    return new Targets.Cidr(b, b.length * 8);
  }

  /**
   * Returns this allowlist with the gateway's identity added: its own addresses and MACs, its
   * default routes' next hops, its DNS and DHCP servers.
   */
  public Allowlist with(GatewayIdentity self) {
    List<Targets.Cidr> n = new ArrayList<>(networks);
    for (String a : self.allAddresses()) {
      n.add(network(a));
    }
    Set<String> m = new LinkedHashSet<>(macs);
    m.addAll(self.macs());
    return new Allowlist(n, m, devices);
  }

  /** Returns this allowlist with more addresses or CIDRs added. */
  public Allowlist withNetworks(Collection<String> addressesOrCidrs) {
    List<Targets.Cidr> n = new ArrayList<>(networks);
    for (String a : addressesOrCidrs) {
      n.add(network(a));
    }
    return new Allowlist(n, macs, devices);
  }

  /**
   * Returns whether {@code value} of {@code scope} is listed (or, for an IP or CIDR, covered by or
   * overlapping a listed block). An invalid value counts as listed: never act on it.
   */
  public boolean contains(Decision.Scope scope, String value) {
    try {
      switch (scope) {
        case IP -> {
          byte[] a = Targets.ipBytes(value);
          return networks.stream().anyMatch(c -> c.contains(a));
        }
        case CIDR -> {
          Targets.Cidr c = Targets.parseCidr(value);
          return networks.stream().anyMatch(n -> overlaps(n, c));
        }
        case MAC -> {
          return macs.contains(Targets.mac(value));
        }
        case DEVICE -> {
          return devices.contains(Targets.device(value));
        }
        default -> {
          return true;
        }
      }
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  private static boolean overlaps(Targets.Cidr a, Targets.Cidr b) {
    return a.contains(b.network()) || b.contains(a.network());
  }
}
