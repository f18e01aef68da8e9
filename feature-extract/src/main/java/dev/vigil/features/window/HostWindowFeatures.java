package dev.vigil.features.window;

import dev.vigil.features.FeatureSchema;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.table.SlotTable;
import dev.vigil.features.table.WindowedHostTable;
import java.util.List;

/**
 * The host-window feature set ({@link #SCHEMA}, {@code host-window} in the configuration): keeps
 * per-host tumbling-window statistics in primitive arrays and emits one feature vector per host and
 * window.
 *
 * <p>A host is an IP address (IPv4 as IPv4-mapped IPv6). Each packet updates its source's outbound
 * statistics and its destination's inbound count in O(1) with no allocation. A host's window opens
 * at its first packet and closes at the first packet (or {@link #expire} call) at least {@code
 * windowMicros} later; a closed window with outbound traffic is emitted to the {@link
 * WindowListener}. The table holds at most {@code maxHosts} hosts: a new host arriving at a full
 * table evicts the least recently seen of a few sampled hosts (counted by {@link #evictions()}), so
 * a flood of spoofed sources keeps memory bounded.
 *
 * <p>Distinct destination hosts and ports are estimated with 256-bit linear counting (exact for
 * small counts, saturating near 1,400).
 *
 * <p>Not thread-safe: one table per processing thread.
 */
public final class HostWindowFeatures extends WindowedHostTable {
  /** The vector layout this table emits. */
  public static final FeatureSchema SCHEMA =
      new FeatureSchema(
          "vigil.host-window.v2",
          List.of(
              "log_packets_out",
              "log_bytes_out",
              "mean_size",
              "std_size",
              "log_distinct_dst_hosts",
              "log_distinct_dst_ports",
              "frac_tcp",
              "frac_udp",
              "frac_icmp",
              "frac_arp",
              "frac_syn",
              "frac_rst",
              "log_packets_in",
              "out_ratio",
              "mean_payload_entropy"),
          List.of(
              "log1p(packets)",
              "log1p(bytes)",
              "bytes",
              "bytes",
              "log1p(hosts)",
              "log1p(ports)",
              "fraction",
              "fraction",
              "fraction",
              "fraction",
              "fraction",
              "fraction",
              "log1p(packets)",
              "fraction",
              "bits/byte"));

  /**
   * The features that only grow within a window, offered to an {@link EarlyJudge}: packets and
   * bytes out, distinct destination hosts and ports, packets in.
   */
  private static final int[] GROWING = {0, 1, 4, 5, 12};

  private static final int BITMAP_WORDS = 4; // 256 bits
  private static final double LN_BITS = Math.log(BITMAP_WORDS * 64);

  // Per-host counters (ints) and sums (doubles), by index.
  private static final int OUT = 0;
  private static final int IN = 1;
  private static final int TCP = 2;
  private static final int UDP = 3;
  private static final int ICMP = 4;
  private static final int ARP = 5;
  private static final int SYN = 6;
  private static final int RST = 7;
  private static final int PAYLOAD = 8;
  private static final int EMITTED = 9;
  private static final int INITIATED = 10;
  private static final int REPLIED = 11;
  private static final int FOLLOWS_EARLY = 12; // 1: the window opened at an early close
  private static final int COUNTERS = 13;
  private static final int BYTES = 0;
  private static final int BYTES_SQ = 1;
  private static final int ENTROPY = 2;
  private static final int SUMS = 3;

  private final WindowListener listener;
  private final float[] vector = new float[SCHEMA.size()];
  private final Hosts hosts;
  private long emitted;
  private boolean emittingResponder; // of the window being emitted, see emittingResponder()

  /**
   * Creates a table.
   *
   * @param windowMicros window length in microseconds, at least 1 ms
   * @param maxHosts most hosts kept at once, at least 16
   * @param listener receives closed windows
   */
  public HostWindowFeatures(long windowMicros, int maxHosts, WindowListener listener) {
    this(windowMicros, maxHosts, listener, false);
  }

  /**
   * As {@link #HostWindowFeatures(long, int, WindowListener)}; with {@code sweepWholeTable}, {@link
   * #expire} is {@link WindowedHostTable}'s sweep over every slot (the reference the idle groups
   * are tested against).
   */
  HostWindowFeatures(
      long windowMicros, int maxHosts, WindowListener listener, boolean sweepWholeTable) {
    super(windowMicros);
    this.sweepWholeTable = sweepWholeTable;
    if (maxHosts < 16) {
      throw new IllegalArgumentException("maxHosts must be at least 16, was " + maxHosts);
    }
    this.listener = java.util.Objects.requireNonNull(listener, "listener");
    this.hosts = new Hosts(maxHosts);
  }

  /** Accounts one parsed packet; packets without a layer-3 address are ignored. */
  @Override
  public void update(PacketMeta m) {
    if (m.l3 == PacketMeta.L3_NONE) {
      return;
    }
    long t = m.timestampMicros;
    int s = slotFor(m.srcHi, m.srcLo, t);
    int c = s * COUNTERS;
    int[] k = hosts.counts;
    double[] sum = hosts.sums;
    k[c + OUT]++;
    double len = m.wireLength;
    sum[s * SUMS + BYTES] += len;
    sum[s * SUMS + BYTES_SQ] += len * len;
    if (m.payloadCapturedLength > 0) {
      sum[s * SUMS + ENTROPY] += m.payloadEntropy;
      k[c + PAYLOAD]++;
    }
    switch (m.l3 == PacketMeta.L3_ARP ? -1 : m.protocol) {
      case -1 -> {
        k[c + ARP]++;
        if (m.protocol == 2) {
          k[c + REPLIED]++; // is-at: answering a peer (a who-has says nothing: a scanned host asks
          // for its scanner's address to answer it)
        }
      }
      case PacketMeta.PROTO_TCP -> {
        k[c + TCP]++;
        int f = m.tcpFlags;
        if ((f & PacketMeta.TCP_SYN) != 0 && (f & PacketMeta.TCP_ACK) == 0) {
          k[c + SYN]++;
          k[c + INITIATED]++;
        } else if ((f & PacketMeta.TCP_SYN) != 0 || (f & PacketMeta.TCP_RST) != 0) {
          k[c + REPLIED]++; // SYN-ACK: accepting; RST: refusing
        }
        if ((f & PacketMeta.TCP_RST) != 0) {
          k[c + RST]++;
        }
      }
      case PacketMeta.PROTO_UDP -> k[c + UDP]++;
      case PacketMeta.PROTO_ICMP -> {
        k[c + ICMP]++;
        int type = m.srcPort; // the parser keeps the ICMP type there
        if (type == 8 || type == 13) {
          k[c + INITIATED]++; // echo or timestamp request
        } else if (type == 0 || type == 3 || type == 11 || type == 12 || type == 14) {
          k[c + REPLIED]++; // echo reply, unreachable, time exceeded, parameter problem,
          // timestamp reply
        }
      }
      case PacketMeta.PROTO_ICMPV6 -> {
        k[c + ICMP]++;
        int type = m.srcPort;
        if (type == 128) {
          k[c + INITIATED]++;
        } else if (type >= 1 && type <= 4 || type == 129) {
          k[c + REPLIED]++;
        }
      }
      default -> {}
    }
    setBit(
        hosts.bits, s * 2 * BITMAP_WORDS, SlotTable.mix(m.dstHi * 0x9E3779B97F4A7C15L ^ m.dstLo));
    if (m.dstPort >= 0) {
      setBit(
          hosts.bits,
          s * 2 * BITMAP_WORDS + BITMAP_WORDS,
          SlotTable.mix(m.dstPort * 0xC2B2AE3D27D4EB4FL + m.protocol));
    }
    checkpoint(s, k[c + OUT], t);
    // Last: inserting the destination may evict an entry and move the source's slot.
    int d = slotFor(m.dstHi, m.dstLo, t);
    hosts.counts[d * COUNTERS + IN]++;
  }

  /**
   * During {@link WindowListener#onWindow}: whether the window being emitted is a responder's: one
   * in which the host answered others (TCP SYN-ACK or RST, ICMP echo replies and errors, ARP
   * replies) at least twice and at least twice as often as it reached out (pure SYNs, echo
   * requests), or one in which it received at least twice the packets it sent, or one made at least
   * half of ARP towards at most 3 hosts (a scanned host looking up its scanner; a scanner sweeping
   * the LAN with ARP reaches many). What a scanned or flooded host looks like (also when a
   * quarantine drops the attack before it reaches the host, so that it answers nothing), as opposed
   * to a scanner, a flooder or a host sending data out.
   */
  @Override
  public boolean emittingResponder() {
    return emittingResponder;
  }

  @Override
  protected SlotTable hostTable() {
    return hosts;
  }

  @Override
  protected long windowStart(int i) {
    int g = hosts.group[i];
    return g == 0 ? hosts.start[i] : groupStart[root(g)];
  }

  @Override
  protected long lastSeenMicros(int i) {
    return hosts.lastSeen[i];
  }

  @Override
  protected boolean hasOutbound(int i) {
    return hosts.counts[i * COUNTERS + OUT] > 0;
  }

  @Override
  protected boolean everEmitted(int i) {
    return hosts.counts[i * COUNTERS + EMITTED] != 0;
  }

  @Override
  protected void closeWindow(int i, long endMicros) {
    close(i, endMicros);
  }

  @Override
  protected int[] growing() {
    return GROWING;
  }

  /** Writes the {@link #GROWING} features as {@link #close} computes them. */
  @Override
  protected void writeGrowing(int i, float[] out) {
    int c = i * COUNTERS;
    int b = i * 2 * BITMAP_WORDS;
    out[0] = (float) Math.log1p(hosts.counts[c + OUT]);
    out[1] = (float) Math.log1p(hosts.sums[i * SUMS + BYTES]);
    out[4] = (float) Math.log1p(distinct(hosts.bits, b));
    out[5] = (float) Math.log1p(distinct(hosts.bits, b + BITMAP_WORDS));
    out[12] = (float) Math.log1p(hosts.counts[c + IN]);
  }

  @Override
  protected boolean followsEarly(int i) {
    return hosts.counts[i * COUNTERS + FOLLOWS_EARLY] != 0;
  }

  @Override
  protected void markFollowsEarly(int i) {
    hosts.counts[i * COUNTERS + FOLLOWS_EARLY] = 1;
  }

  @Override
  public dev.vigil.features.FeatureSchema schema() {
    return SCHEMA;
  }

  /** Returns the number of hosts currently held. */
  public int size() {
    return hosts.size();
  }

  @Override
  public int hostCount() {
    return hosts.size();
  }

  /** Returns how many hosts were evicted to make room. */
  @Override
  public long evictions() {
    return hosts.evictions();
  }

  /** Returns how many windows were emitted. */
  @Override
  public long emitted() {
    return emitted;
  }

  /**
   * Returns the host's slot, opening its table entry and window as needed, closing a passed one.
   */
  private int slotFor(long hi, long lo, long t) {
    hosts.key[0] = hi;
    hosts.key[1] = lo;
    int s = hosts.findOrInsert(t);
    if (hosts.group[s] != 0) {
      // An idle window (reset by a sweep, untouched since): its start is its group's.
      hosts.start[s] = groupStart[root(hosts.group[s])];
      perSlot(s);
    }
    if (hosts.inserted()) {
      resetWindow(s, t);
      hosts.lastSeen[s] = t;
    } else {
      if (t - hosts.start[s] >= windowMicros) {
        close(s, hosts.start[s] + windowMicros);
        resetWindow(s, t);
      }
      hosts.lastSeen[s] = Math.max(hosts.lastSeen[s], t);
    }
    return s;
  }

  @Override
  protected void resetWindow(int i, long t) {
    perSlot(i);
    hosts.start[i] = t;
    windowOpened(t);
    clearCounters(i);
  }

  /** Zeroes the window's counters, sums and bitmaps (not whether the host ever emitted). */
  private void clearCounters(int i) {
    int c = i * COUNTERS;
    for (int j = 0; j < COUNTERS; j++) {
      if (j != EMITTED) {
        hosts.counts[c + j] = 0;
      }
    }
    for (int j = 0; j < SUMS; j++) {
      hosts.sums[i * SUMS + j] = 0;
    }
    for (int w = 0; w < 2 * BITMAP_WORDS; w++) {
      hosts.bits[i * 2 * BITMAP_WORDS + w] = 0;
    }
  }

  private void close(int i, long end) {
    int c = i * COUNTERS;
    int[] k = hosts.counts;
    int n = k[c + OUT];
    if (n == 0) {
      return;
    }
    double mean = hosts.sums[i * SUMS + BYTES] / n;
    double var = Math.max(0, hosts.sums[i * SUMS + BYTES_SQ] / n - mean * mean);
    int in = k[c + IN];
    int b = i * 2 * BITMAP_WORDS;
    float[] v = vector;
    v[0] = (float) Math.log1p(n);
    v[1] = (float) Math.log1p(hosts.sums[i * SUMS + BYTES]);
    v[2] = (float) mean;
    v[3] = (float) Math.sqrt(var);
    v[4] = (float) Math.log1p(distinct(hosts.bits, b));
    v[5] = (float) Math.log1p(distinct(hosts.bits, b + BITMAP_WORDS));
    v[6] = (float) k[c + TCP] / n;
    v[7] = (float) k[c + UDP] / n;
    v[8] = (float) k[c + ICMP] / n;
    v[9] = (float) k[c + ARP] / n;
    v[10] = (float) k[c + SYN] / n;
    v[11] = (float) k[c + RST] / n;
    v[12] = (float) Math.log1p(in);
    v[13] = (float) n / (n + in);
    int payload = k[c + PAYLOAD];
    v[14] = payload > 0 ? (float) (hosts.sums[i * SUMS + ENTROPY] / payload) : 0f;
    emitted++;
    k[c + EMITTED] = 1;
    int replied = k[c + REPLIED];
    emittingResponder =
        replied >= 2 && replied >= 2 * k[c + INITIATED]
            || in >= 2L * n
            || 2 * k[c + ARP] >= n && distinct(hosts.bits, b) <= 3;
    listener.onWindow(hosts.keyAt(i, 0), hosts.keyAt(i, 1), hosts.start[i], end, v);
  }

  private static double distinct(long[] bits, int off) {
    int ones = 0;
    for (int w = 0; w < BITMAP_WORDS; w++) {
      ones += Long.bitCount(bits[off + w]);
    }
    int m = BITMAP_WORDS * 64;
    int zeros = m - ones;
    if (zeros == 0) {
      return m * LN_BITS;
    }
    return -m * Math.log((double) zeros / m);
  }

  private static void setBit(long[] bits, int off, long hash) {
    int bit = (int) (hash >>> 56); // 0..255
    bits[off + (bit >>> 6)] |= 1L << (bit & 63);
  }

  // Idle windows. A sweep (expire) resets every window that ended; a window with no packet since
  // (most hosts of a full table, on a quiet network or a replay of one) would be reset again at
  // every later sweep, each to the sweep's time: one pass over the whole table per window length.
  // Instead, a window reset by a sweep joins an idle group, which holds the start all its members
  // share (the sweep's time); a later sweep moves a due group's start forward once, for all its
  // members, and a packet for an idle host copies its group's start back into the slot. Groups
  // due together merge (union by size, no path compression; freed by reference counts: members
  // plus merged groups). The per-slot windows (a packet since their last reset) are a bitset, so
  // a sweep visits them in slot order, as a sweep over the table does: the same windows close,
  // at the same times, in the same order.
  private int[] groupParent = new int[16]; // by group id (0: none); a root is its own parent
  private long[] groupStart = new long[16];
  private int[] groupRefs = new int[16];
  private int[] freeGroups = new int[16];
  private int freeCount;
  private int nextGroup = 1;
  private int[] roots = new int[16];
  private int rootCount;
  private final boolean sweepWholeTable;

  /**
   * Closes and resets every window that ended by {@code nowMicros}, as the sweep of {@link
   * WindowedHostTable} does (same windows, same order), visiting only the windows that saw a packet
   * since their last reset and the idle groups.
   */
  @Override
  public void expire(long nowMicros) {
    if (sweepWholeTable) {
      super.expire(nowMicros);
      return;
    }
    if (nowMicros < nextDue()) {
      return;
    }
    long due = Long.MAX_VALUE;
    int target = 0; // the group every window reset by this sweep ends in
    int kept = 0;
    for (int r = 0; r < rootCount; r++) {
      int g = roots[r];
      if (nowMicros - groupStart[g] < windowMicros) {
        roots[kept++] = g;
        due = Math.min(due, groupStart[g] + windowMicros);
      } else if (target == 0) {
        target = g;
      } else {
        int big = groupRefs[g] > groupRefs[target] ? g : target;
        int small = big == g ? target : g;
        groupParent[small] = big;
        groupRefs[big]++;
        target = big;
      }
    }
    rootCount = kept;
    long[] active = hosts.perSlot;
    for (int w = 0; w < active.length; w++) {
      long word = active[w];
      while (word != 0) {
        int i = (w << 6) | Long.numberOfTrailingZeros(word);
        word &= word - 1;
        long start = hosts.start[i];
        if (nowMicros - start >= windowMicros) {
          close(i, start + windowMicros);
          clearCounters(i);
          if (target == 0) {
            target = newGroup();
          }
          hosts.group[i] = target;
          groupRefs[target]++;
          active[w] &= ~(1L << i);
        } else {
          due = Math.min(due, start + windowMicros);
        }
      }
    }
    if (target != 0) {
      groupStart[target] = nowMicros;
      if (rootCount == roots.length) {
        roots = java.util.Arrays.copyOf(roots, 2 * roots.length);
      }
      roots[rootCount++] = target;
      due = Math.min(due, nowMicros + windowMicros);
    }
    nextDue(due);
  }

  /** Makes slot {@code i}'s window a per-slot one: out of its idle group, if any. */
  private void perSlot(int i) {
    int g = hosts.group[i];
    if (g != 0) {
      hosts.group[i] = 0;
      release(g);
    }
    hosts.perSlot[i >>> 6] |= 1L << i;
  }

  private int root(int g) {
    while (groupParent[g] != g) {
      g = groupParent[g];
    }
    return g;
  }

  private int newGroup() {
    int g;
    if (freeCount > 0) {
      g = freeGroups[--freeCount];
    } else {
      g = nextGroup++;
      if (g == groupParent.length) {
        int n = 2 * g;
        groupParent = java.util.Arrays.copyOf(groupParent, n);
        groupStart = java.util.Arrays.copyOf(groupStart, n);
        groupRefs = java.util.Arrays.copyOf(groupRefs, n);
        freeGroups = java.util.Arrays.copyOf(freeGroups, n);
      }
    }
    groupParent[g] = g;
    groupRefs[g] = 0;
    return g;
  }

  /** Drops one reference to group {@code g}, freeing it (and so on up) when none is left. */
  private void release(int g) {
    while (--groupRefs[g] == 0) {
      int parent = groupParent[g];
      freeGroups[freeCount++] = g;
      if (parent == g) {
        for (int r = 0; r < rootCount; r++) {
          if (roots[r] == g) {
            roots[r] = roots[--rootCount];
            break;
          }
        }
        return;
      }
      g = parent;
    }
  }

  /** Hosts by IP address, in the shared bounded table. */
  private final class Hosts extends SlotTable {
    final long[] start = longs(1);
    final long[] lastSeen = longs(1);
    final int[] counts = ints(COUNTERS);
    final double[] sums = doubles(SUMS);
    final long[] bits = longs(2 * BITMAP_WORDS);
    final int[] group = ints(1); // the idle group of the slot's window, 0 if per-slot
    final long[] perSlot = new long[(capacity + 63) >>> 6]; // slots with a per-slot window

    Hosts(int max) {
      super(2, max);
    }

    @Override
    protected void initSlot(int s) {
      counts[s * COUNTERS + EMITTED] = 0;
      group[s] = 0;
      perSlot[s >>> 6] &= ~(1L << s);
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(start, 1, from, to);
      copy(lastSeen, 1, from, to);
      copy(counts, COUNTERS, from, to);
      copy(sums, SUMS, from, to);
      copy(bits, 2 * BITMAP_WORDS, from, to);
      group[to] = group[from];
      group[from] = 0;
      if ((perSlot[from >>> 6] & 1L << from) != 0) {
        perSlot[to >>> 6] |= 1L << to;
      } else {
        perSlot[to >>> 6] &= ~(1L << to);
      }
      perSlot[from >>> 6] &= ~(1L << from);
    }

    @Override
    protected void removing(int s) {
      int g = group[s];
      if (g != 0) {
        group[s] = 0;
        release(g);
      }
      perSlot[s >>> 6] &= ~(1L << s);
    }
  }
}
