package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.backend.NetValues.Target;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The five nftables sets a command backend keeps its targets in, each element with a timeout (the
 * decision's remaining TTL), so that what it did lapses in the kernel even when the daemon is dead:
 * {@code <prefix>4} and {@code <prefix>6} for addresses, {@code <prefix>4_net} and {@code
 * <prefix>6_net} for prefixes (interval sets), {@code <prefix>_mac} for MACs. It writes the lines
 * of {@code nft -f -} scripts: declarations, one element's replacement or removal, and a refill of
 * all sets with the live targets; the backends add their own chains and rules around them.
 */
final class TimedSets {
  final String set4;
  final String net4;
  final String set6;
  final String net6;
  final String mac;

  /** Sets named after {@code prefix} ("quarantine", "reroute"). */
  TimedSets(String prefix) {
    this.set4 = prefix + "4";
    this.net4 = prefix + "4_net";
    this.set6 = prefix + "6";
    this.net6 = prefix + "6_net";
    this.mac = prefix + "_mac";
  }

  /** Returns the set names, in declaration order. */
  List<String> names() {
    return List.of(set4, net4, set6, net6, mac);
  }

  /** Returns each set with the nft match that tests a packet's source against it, e.g. "ip". */
  List<String[]> matches() {
    return List.of(
        new String[] {"ip", set4},
        new String[] {"ip", net4},
        new String[] {"ip6", set6},
        new String[] {"ip6", net6},
        new String[] {"ether", mac});
  }

  /**
   * Appends the declarations of the sets in {@code table} ("family name"); nft adds idempotently.
   */
  void declare(StringBuilder sb, String table) {
    declare(sb, table, set4, "ipv4_addr", "timeout");
    declare(sb, table, net4, "ipv4_addr", "interval, timeout");
    declare(sb, table, set6, "ipv6_addr", "timeout");
    declare(sb, table, net6, "ipv6_addr", "interval, timeout");
    declare(sb, table, mac, "ether_addr", "timeout");
  }

  /** Appends the lines that put {@code t} in its set with a timeout of {@code ttlSeconds}. */
  void replace(StringBuilder sb, String table, Target t, long ttlSeconds) {
    String elem = element(table, t);
    // Adding first makes the delete succeed whether or not the element was there; the last add
    // then sets the new timeout.
    sb.append("add ").append(elem).append(" }\n");
    sb.append("delete ").append(elem).append(" }\n");
    sb.append("add ").append(elem).append(" timeout ").append(ttlSeconds).append("s }\n");
  }

  /** Appends the lines that take {@code t} out of its set; an absent element is not an error. */
  void remove(StringBuilder sb, String table, Target t) {
    String elem = element(table, t);
    sb.append("add ").append(elem).append(" }\n");
    sb.append("delete ").append(elem).append(" }\n");
  }

  /**
   * Appends the lines that make the sets hold exactly {@code want}'s targets (with their timeouts
   * in seconds), which {@link #insertable} has already filtered.
   */
  void refill(StringBuilder sb, String table, Map<Target, Long> want) {
    for (String set : names()) {
      sb.append("flush set ").append(table).append(' ').append(set).append('\n');
    }
    for (Map.Entry<Target, Long> e : want.entrySet()) {
      sb.append("add ")
          .append(element(table, e.getKey()))
          .append(" timeout ")
          .append(e.getValue())
          .append("s }\n");
    }
  }

  /**
   * Returns the targets of {@code targets} one transaction can hold: every address and MAC, and the
   * prefixes from the widest down that overlap none kept before (nftables refuses overlapping
   * intervals; a narrower one is added by a later reconcile once the wider one lapses), each
   * skipped prefix logged.
   */
  static Set<Target> insertable(Collection<Target> targets, Logger log) {
    List<Target> nets = new ArrayList<>();
    targets.stream()
        .filter(t -> t.kind() != NetValues.Kind.MAC && !t.isHost())
        .sorted(Comparator.comparingInt(Target::prefix))
        .forEach(
            t -> {
              for (Target n : nets) {
                if (n.overlaps(t)) {
                  log.warn("reconcile skips prefix [{}] for now: it overlaps [{}]", t, n);
                  return;
                }
              }
              nets.add(t);
            });
    Set<Target> out = new LinkedHashSet<>();
    for (Target t : targets) {
      if (t.kind() == NetValues.Kind.MAC || t.isHost() || nets.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  private String element(String table, Target t) {
    String set =
        switch (t.kind()) {
          case V4 -> t.isHost() ? set4 : net4;
          case V6 -> t.isHost() ? set6 : net6;
          case MAC -> mac;
        };
    return "element " + table + " " + set + " { " + t.text();
  }

  private static void declare(
      StringBuilder sb, String table, String name, String type, String flags) {
    sb.append("add set ")
        .append(table)
        .append(' ')
        .append(name)
        .append(" { type ")
        .append(type)
        .append("; flags ")
        .append(flags)
        .append("; }\n");
  }
}
