package dev.vigil.features.binding;

import dev.vigil.features.flow.PacketObserver;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.table.SlotTable;

/**
 * Learns which MAC address each LAN address belongs to, and tells for an address which MAC sent
 * most of its recent packets: the attribution of a host's alert.
 *
 * <p><b>Bindings.</b> Only neighbour discovery and address assignment create a binding: an ARP
 * packet (request, reply or gratuitous) binds its sender protocol address, an ICMPv6 router or
 * neighbour solicitation or advertisement its source address, each to the frame's source MAC, and a
 * DHCP server's ACK binds the address it gives to the client MAC it names (so a device is known
 * from its lease, before its first ARP). Each is a claim under the same rules; a forged ACK is no
 * stronger than a forged ARP reply. An address with a binding is on the LAN; one without (a remote
 * host, whose packets arrive with the router's MAC) has no attribution and its alerts stay about
 * the address. A binding is <em>trusted</em> once it has held for {@code trustMicros} without
 * another MAC claiming the address: a claim by another MAC restarts the clock with the claimant as
 * candidate (a contest), unless the binding is trusted and its MAC claimed or used the address
 * within {@code trustMicros} (then the claim is refused and counted by {@link #conflicts()}; a
 * device replaced on its address is rebound once its old MAC fell silent). IP packets from the
 * bound MAC keep the binding fresh; they never create or move one.
 *
 * <p><b>Attribution.</b> Every packet from a bound address is counted by sender: from the bound MAC
 * (own) or not (foreign; a majority vote keeps the dominant foreign MAC). Counts are kept for the
 * current and the previous period of {@code periodMicros} (the host window's length), so that when
 * a window closes {@link #sender} covers it. A window of which at least a quarter of the packets
 * came from foreign MACs is attributed to the dominant foreign MAC, and marked spoofed when the
 * address's binding is trusted; otherwise to the bound MAC. A quarter, not a majority: a device
 * whose address is used for a SYN flood answers the victim's SYN-ACKs with as many RSTs of its own,
 * and a device that owns its address sees no foreign packets from it in normal operation.
 *
 * <p>The table holds at most {@code maxBindings} addresses; a new one at a full table evicts the
 * least recently claimed of a few sampled ones ({@link #evictions()}). {@link #update} allocates
 * nothing. Not thread-safe: feed and query it from one thread.
 */
public final class AddressBindings implements PacketObserver {
  private static final long UNSPECIFIED_V4 = 0x0000_ffff_0000_0000L; // ::ffff:0.0.0.0
  private static final int DHCP_ACK = 5;

  private final Table table;
  private final long trustMicros;
  private final long periodMicros;
  private long conflicts;
  private long contests;

  /**
   * Creates a table.
   *
   * @param maxBindings most addresses held at once, at least 16
   * @param trustMicros how long a binding must hold uncontested before it is trusted, microseconds
   *     (at least 0)
   * @param periodMicros length of an attribution period (the host window), microseconds, at least 1
   *     ms
   */
  public AddressBindings(int maxBindings, long trustMicros, long periodMicros) {
    if (maxBindings < 16) {
      throw new IllegalArgumentException("maxBindings must be at least 16, was " + maxBindings);
    }
    if (trustMicros < 0) {
      throw new IllegalArgumentException("trustMicros must be at least 0, was " + trustMicros);
    }
    if (periodMicros < 1000) {
      throw new IllegalArgumentException("periodMicros must be at least 1000, was " + periodMicros);
    }
    this.table = new Table(maxBindings);
    this.trustMicros = trustMicros;
    this.periodMicros = periodMicros;
  }

  /**
   * Who sent an address's recent packets.
   *
   * @param mac the sending MAC (low 48 bits): the dominant foreign MAC, else the bound one
   * @param spoofed whether {@code mac} is not the address's trusted binding
   * @param boundMac the MAC the address is bound to (trusted or not)
   * @param trusted whether the binding is trusted
   */
  public record Sender(long mac, boolean spoofed, long boundMac, boolean trusted) {}

  @Override
  public void update(PacketMeta m) {
    long mac = m.srcMac;
    if (mac == 0 || (mac & 0x0100_0000_0000L) != 0) {
      return; // no sender, or a group address (never a frame's real source)
    }
    long hi = m.srcHi;
    long lo = m.srcLo;
    if (hi == 0 && (lo == 0 || lo == UNSPECIFIED_V4)) {
      return; // 0.0.0.0 (an ARP probe) or :: (duplicate address detection): claims nothing
    }
    long t = m.timestampMicros;
    if (m.l3 == PacketMeta.L3_ARP || isNeighbourDiscovery(m)) {
      claim(hi, lo, mac, t);
    }
    if (m.dhcpMessageType == DHCP_ACK) {
      long client = m.dhcpClientMac;
      long given = m.dhcpYourAddress & 0xffff_ffffL;
      if (client != 0 && (client & 0x0100_0000_0000L) == 0 && given != 0) {
        claim(0, UNSPECIFIED_V4 | given, client, t);
      }
    }
    table.key[0] = hi;
    table.key[1] = lo;
    int s = table.find();
    if (s >= 0) {
      count(s, mac, t);
    }
  }

  private static boolean isNeighbourDiscovery(PacketMeta m) {
    return m.l3 == PacketMeta.L3_IPV6
        && m.protocol == PacketMeta.PROTO_ICMPV6
        && m.srcPort >= 133 // the parser keeps the ICMP type there: RS, RA, NS, NA
        && m.srcPort <= 136;
  }

  private void claim(long hi, long lo, long mac, long t) {
    table.key[0] = hi;
    table.key[1] = lo;
    int s = table.findOrInsert(t);
    Table b = table;
    if (table.inserted()) {
      b.bound[s] = mac;
      b.since[s] = t;
      b.lastClaim[s] = t;
      b.periodStart[s] = t;
      return;
    }
    if (b.bound[s] == mac) {
      b.lastClaim[s] = Math.max(b.lastClaim[s], t);
      return;
    }
    if (trusted(s, t) && t - b.lastClaim[s] < trustMicros) {
      conflicts++; // the trusted owner is alive: the claim is refused
      return;
    }
    contests++;
    b.bound[s] = mac;
    b.since[s] = t;
    b.lastClaim[s] = t;
  }

  private boolean trusted(int s, long now) {
    return table.bound[s] != 0 && now - table.since[s] >= trustMicros;
  }

  private void count(int s, long mac, long t) {
    Table b = table;
    long age = t - b.periodStart[s];
    if (age >= periodMicros) {
      int c = s * COUNTS;
      if (age >= 2 * periodMicros) {
        b.counts[c + PREV_TOTAL] = 0;
        b.counts[c + PREV_OWN] = 0;
        b.counts[c + PREV_VOTES] = 0;
        b.prevCandidate[s] = 0;
      } else {
        b.counts[c + PREV_TOTAL] = b.counts[c + TOTAL];
        b.counts[c + PREV_OWN] = b.counts[c + OWN];
        b.counts[c + PREV_VOTES] = b.counts[c + VOTES];
        b.prevCandidate[s] = b.candidate[s];
      }
      b.counts[c + TOTAL] = 0;
      b.counts[c + OWN] = 0;
      b.counts[c + VOTES] = 0;
      b.candidate[s] = 0;
      b.periodStart[s] = t;
    }
    int c = s * COUNTS;
    b.counts[c + TOTAL]++;
    if (mac == b.bound[s]) {
      b.counts[c + OWN]++;
      b.lastClaim[s] = Math.max(b.lastClaim[s], t);
    } else if (b.candidate[s] == mac) {
      b.counts[c + VOTES]++;
    } else if (b.counts[c + VOTES] == 0) {
      b.candidate[s] = mac;
      b.counts[c + VOTES] = 1;
    } else {
      b.counts[c + VOTES]--;
    }
  }

  /**
   * Returns who sent the recent packets (this and the previous period) of address {@code hi}/{@code
   * lo} (as in {@link PacketMeta}), judged at {@code nowMicros}; null when the address has no
   * binding (not seen in ARP, NDP or DHCP: a remote host, or one not yet learned). Allocates; for
   * an alert, not per packet.
   */
  public Sender sender(long hi, long lo, long nowMicros) {
    table.key[0] = hi;
    table.key[1] = lo;
    int s = table.find();
    if (s < 0) {
      return null;
    }
    Table b = table;
    int c = s * COUNTS;
    long total = (long) b.counts[c + TOTAL] + b.counts[c + PREV_TOTAL];
    long own = (long) b.counts[c + OWN] + b.counts[c + PREV_OWN];
    long bound = b.bound[s];
    boolean trusted = trusted(s, nowMicros);
    if (4 * (total - own) < total) {
      return new Sender(bound, false, bound, trusted);
    }
    long foreign = b.candidate[s];
    long prev = b.prevCandidate[s];
    if (foreign == 0
        || prev != 0 && prev != foreign && b.counts[c + PREV_VOTES] > b.counts[c + VOTES]) {
      foreign = prev;
    }
    if (foreign == 0) {
      return new Sender(bound, false, bound, trusted);
    }
    return new Sender(foreign, trusted, bound, trusted);
  }

  /** Returns the addresses held. */
  public int size() {
    return table.size();
  }

  /** Returns addresses evicted to make room. */
  public long evictions() {
    return table.evictions();
  }

  /** Returns claims refused because a trusted binding's MAC was still using the address. */
  public long conflicts() {
    return conflicts;
  }

  /** Returns claims that moved an untrusted (or abandoned) binding to another MAC. */
  public long contests() {
    return contests;
  }

  private static final int TOTAL = 0;
  private static final int OWN = 1;
  private static final int VOTES = 2;
  private static final int PREV_TOTAL = 3;
  private static final int PREV_OWN = 4;
  private static final int PREV_VOTES = 5;
  private static final int COUNTS = 6;

  /** Addresses, in the shared bounded table. */
  private static final class Table extends SlotTable {
    final long[] bound = longs(1);
    final long[] since = longs(1);
    final long[] lastClaim = longs(1);
    final long[] periodStart = longs(1);
    final long[] candidate = longs(1);
    final long[] prevCandidate = longs(1);
    final int[] counts = ints(COUNTS);

    Table(int max) {
      super(2, max);
    }

    @Override
    protected void initSlot(int s) {
      for (int j = 0; j < COUNTS; j++) {
        counts[s * COUNTS + j] = 0;
      }
      candidate[s] = 0;
      prevCandidate[s] = 0;
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(bound, 1, from, to);
      copy(since, 1, from, to);
      copy(lastClaim, 1, from, to);
      copy(periodStart, 1, from, to);
      copy(candidate, 1, from, to);
      copy(prevCandidate, 1, from, to);
      copy(counts, COUNTS, from, to);
    }
  }
}
