package dev.vigil.features.window;

import dev.vigil.features.FeatureSchema;
import dev.vigil.features.packet.PacketMeta;
import java.util.List;

/**
 * Keeps per-host tumbling-window statistics in primitive arrays and emits one feature vector per
 * host and window.
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
public final class HostWindowTable implements dev.vigil.features.HostFeatures {
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

  private static final int BITMAP_WORDS = 4; // 256 bits
  private static final int SAMPLE = 8;
  private static final double LN_BITS = Math.log(BITMAP_WORDS * 64);

  private final long windowMicros;
  private final int maxHosts;
  private final int mask;
  private final WindowListener listener;
  private final float[] vector = new float[SCHEMA.size()];

  private final boolean[] used;
  private final long[] keyHi;
  private final long[] keyLo;
  private final long[] start;
  private final long[] lastSeen;
  private final int[] pktsOut;
  private final int[] pktsIn;
  private final int[] tcp;
  private final int[] udp;
  private final int[] icmp;
  private final int[] arp;
  private final int[] syn;
  private final int[] rst;
  private final double[] bytes;
  private final double[] bytesSq;
  private final double[] entropySum;
  private final int[] payloadPkts;
  private final long[] dstHostBits;
  private final long[] dstPortBits;

  private final boolean[] hasEmitted;

  private int size;
  private long rng = 0x2545F4914F6CDD1DL;
  private long nextDue = Long.MAX_VALUE; // no window ends before this (a lower bound)
  private long droppedTails;
  private long evictions;
  private long emitted;

  /**
   * Creates a table.
   *
   * @param windowMicros window length in microseconds, at least 1 ms
   * @param maxHosts most hosts kept at once, at least 16
   * @param listener receives closed windows
   */
  public HostWindowTable(long windowMicros, int maxHosts, WindowListener listener) {
    if (windowMicros < 1000) {
      throw new IllegalArgumentException("windowMicros must be at least 1000, was " + windowMicros);
    }
    if (maxHosts < 16) {
      throw new IllegalArgumentException("maxHosts must be at least 16, was " + maxHosts);
    }
    this.windowMicros = windowMicros;
    this.maxHosts = maxHosts;
    this.listener = java.util.Objects.requireNonNull(listener, "listener");
    int cap = Integer.highestOneBit(maxHosts * 2 - 1) << 1; // power of two, load factor <= 0.5
    this.mask = cap - 1;
    used = new boolean[cap];
    hasEmitted = new boolean[cap];
    keyHi = new long[cap];
    keyLo = new long[cap];
    start = new long[cap];
    lastSeen = new long[cap];
    pktsOut = new int[cap];
    pktsIn = new int[cap];
    tcp = new int[cap];
    udp = new int[cap];
    icmp = new int[cap];
    arp = new int[cap];
    syn = new int[cap];
    rst = new int[cap];
    bytes = new double[cap];
    bytesSq = new double[cap];
    entropySum = new double[cap];
    payloadPkts = new int[cap];
    dstHostBits = new long[cap * BITMAP_WORDS];
    dstPortBits = new long[cap * BITMAP_WORDS];
  }

  /** Accounts one parsed packet; packets without a layer-3 address are ignored. */
  @Override
  public void update(PacketMeta m) {
    if (m.l3 == PacketMeta.L3_NONE) {
      return;
    }
    long t = m.timestampMicros;
    int s = slotFor(m.srcHi, m.srcLo, t);
    pktsOut[s]++;
    double len = m.wireLength;
    bytes[s] += len;
    bytesSq[s] += len * len;
    if (m.payloadCapturedLength > 0) {
      entropySum[s] += m.payloadEntropy;
      payloadPkts[s]++;
    }
    switch (m.l3 == PacketMeta.L3_ARP ? -1 : m.protocol) {
      case -1 -> arp[s]++;
      case PacketMeta.PROTO_TCP -> {
        tcp[s]++;
        int f = m.tcpFlags;
        if ((f & PacketMeta.TCP_SYN) != 0 && (f & PacketMeta.TCP_ACK) == 0) {
          syn[s]++;
        }
        if ((f & PacketMeta.TCP_RST) != 0) {
          rst[s]++;
        }
      }
      case PacketMeta.PROTO_UDP -> udp[s]++;
      case PacketMeta.PROTO_ICMP, PacketMeta.PROTO_ICMPV6 -> icmp[s]++;
      default -> {}
    }
    setBit(dstHostBits, s, hashKey(m.dstHi, m.dstLo));
    if (m.dstPort >= 0) {
      setBit(dstPortBits, s, mix(m.dstPort * 0xC2B2AE3D27D4EB4FL + m.protocol));
    }
    int d = slotFor(m.dstHi, m.dstLo, t);
    pktsIn[d]++;
  }

  /** Closes and emits every window that ended at or before {@code nowMicros}. */
  @Override
  public void expire(long nowMicros) {
    if (nowMicros < nextDue) {
      return; // no window is due yet: skip the sweep over the whole table
    }
    long due = Long.MAX_VALUE;
    for (int i = 0; i <= mask; i++) {
      if (used[i]) {
        if (nowMicros - start[i] >= windowMicros) {
          close(i, start[i] + windowMicros);
          reset(i, nowMicros);
        }
        due = Math.min(due, start[i] + windowMicros);
      }
    }
    nextDue = due;
  }

  /**
   * Closes every open window at the end of input. A trailing partial window is emitted only if it
   * spans at least half a window, or if its host never had a window emitted (a short-lived host,
   * such as a brief scanner, must still be scored); other short tails are dropped and counted by
   * {@link #droppedTails()}, since their few packets would make an ordinary host look anomalous.
   */
  @Override
  public void flush() {
    for (int i = 0; i <= mask; i++) {
      if (used[i]) {
        if (pktsOut[i] > 0) {
          if (lastSeen[i] - start[i] >= windowMicros / 2 || !hasEmitted[i]) {
            close(i, Math.max(lastSeen[i], start[i] + 1));
          } else {
            droppedTails++;
          }
        }
        reset(i, lastSeen[i]);
      }
    }
  }

  /** Returns how many short trailing windows {@link #flush} dropped. */
  @Override
  public long droppedTails() {
    return droppedTails;
  }

  @Override
  public dev.vigil.features.FeatureSchema schema() {
    return SCHEMA;
  }

  /** Returns the number of hosts currently held. */
  public int size() {
    return size;
  }

  @Override
  public int hostCount() {
    return size;
  }

  /** Returns how many hosts were evicted to make room. */
  @Override
  public long evictions() {
    return evictions;
  }

  /** Returns how many windows were emitted. */
  @Override
  public long emitted() {
    return emitted;
  }

  private int slotFor(long hi, long lo, long t) {
    int i = (int) hashKey(hi, lo) & mask;
    while (used[i]) {
      if (keyHi[i] == hi && keyLo[i] == lo) {
        if (t - start[i] >= windowMicros) {
          close(i, start[i] + windowMicros);
          reset(i, t);
        }
        lastSeen[i] = Math.max(lastSeen[i], t);
        return i;
      }
      i = (i + 1) & mask;
    }
    if (size >= maxHosts) {
      evictSampled();
      return slotFor(
          hi, lo, t); // the table changed shape; probe again (bounded: one eviction per insert)
    }
    used[i] = true;
    keyHi[i] = hi;
    keyLo[i] = lo;
    hasEmitted[i] = false;
    reset(i, t);
    lastSeen[i] = t;
    size++;
    return i;
  }

  /**
   * Evicts the least recently seen of a few hosts sampled at a pseudo-random place (see SlotTable
   * for why).
   */
  private void evictSampled() {
    rng ^= rng << 13;
    rng ^= rng >>> 7;
    rng ^= rng << 17;
    int near = (int) rng & mask;
    int victim = -1;
    long oldest = Long.MAX_VALUE;
    int seen = 0;
    for (int k = 0, i = near; k <= mask && seen < SAMPLE; k++, i = (i + 1) & mask) {
      if (used[i]) {
        seen++;
        if (lastSeen[i] < oldest) {
          oldest = lastSeen[i];
          victim = i;
        }
      }
    }
    remove(victim);
    evictions++;
  }

  /** Removes slot {@code i}, shifting later entries of its probe run back (no tombstones). */
  private void remove(int i) {
    used[i] = false;
    size--;
    int hole = i;
    int j = (i + 1) & mask;
    while (used[j]) {
      int home = (int) hashKey(keyHi[j], keyLo[j]) & mask;
      // Move j into the hole if its home is not cyclically within (hole, j].
      boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!between) {
        move(j, hole);
        hole = j;
      }
      j = (j + 1) & mask;
    }
  }

  private void move(int from, int to) {
    used[to] = true;
    used[from] = false;
    keyHi[to] = keyHi[from];
    keyLo[to] = keyLo[from];
    hasEmitted[to] = hasEmitted[from];
    start[to] = start[from];
    lastSeen[to] = lastSeen[from];
    pktsOut[to] = pktsOut[from];
    pktsIn[to] = pktsIn[from];
    tcp[to] = tcp[from];
    udp[to] = udp[from];
    icmp[to] = icmp[from];
    arp[to] = arp[from];
    syn[to] = syn[from];
    rst[to] = rst[from];
    bytes[to] = bytes[from];
    bytesSq[to] = bytesSq[from];
    entropySum[to] = entropySum[from];
    payloadPkts[to] = payloadPkts[from];
    System.arraycopy(
        dstHostBits, from * BITMAP_WORDS, dstHostBits, to * BITMAP_WORDS, BITMAP_WORDS);
    System.arraycopy(
        dstPortBits, from * BITMAP_WORDS, dstPortBits, to * BITMAP_WORDS, BITMAP_WORDS);
  }

  private void reset(int i, long t) {
    start[i] = t;
    nextDue = Math.min(nextDue, t + windowMicros);
    pktsOut[i] = 0;
    pktsIn[i] = 0;
    tcp[i] = 0;
    udp[i] = 0;
    icmp[i] = 0;
    arp[i] = 0;
    syn[i] = 0;
    rst[i] = 0;
    bytes[i] = 0;
    bytesSq[i] = 0;
    entropySum[i] = 0;
    payloadPkts[i] = 0;
    for (int w = 0; w < BITMAP_WORDS; w++) {
      dstHostBits[i * BITMAP_WORDS + w] = 0;
      dstPortBits[i * BITMAP_WORDS + w] = 0;
    }
  }

  private void close(int i, long end) {
    int n = pktsOut[i];
    if (n == 0) {
      return;
    }
    double mean = bytes[i] / n;
    double var = Math.max(0, bytesSq[i] / n - mean * mean);
    float[] v = vector;
    v[0] = (float) Math.log1p(n);
    v[1] = (float) Math.log1p(bytes[i]);
    v[2] = (float) mean;
    v[3] = (float) Math.sqrt(var);
    v[4] = (float) Math.log1p(distinct(dstHostBits, i));
    v[5] = (float) Math.log1p(distinct(dstPortBits, i));
    v[6] = (float) tcp[i] / n;
    v[7] = (float) udp[i] / n;
    v[8] = (float) icmp[i] / n;
    v[9] = (float) arp[i] / n;
    v[10] = (float) syn[i] / n;
    v[11] = (float) rst[i] / n;
    v[12] = (float) Math.log1p(pktsIn[i]);
    v[13] = (float) n / (n + pktsIn[i]);
    v[14] = payloadPkts[i] > 0 ? (float) (entropySum[i] / payloadPkts[i]) : 0f;
    emitted++;
    hasEmitted[i] = true;
    listener.onWindow(keyHi[i], keyLo[i], start[i], end, v);
  }

  private static double distinct(long[] bits, int slot) {
    int ones = 0;
    for (int w = 0; w < BITMAP_WORDS; w++) {
      ones += Long.bitCount(bits[slot * BITMAP_WORDS + w]);
    }
    int m = BITMAP_WORDS * 64;
    int zeros = m - ones;
    if (zeros == 0) {
      return m * LN_BITS;
    }
    return -m * Math.log((double) zeros / m);
  }

  private static void setBit(long[] bits, int slot, long hash) {
    int bit = (int) (hash >>> 56); // 0..255
    bits[slot * BITMAP_WORDS + (bit >>> 6)] |= 1L << (bit & 63);
  }

  private static long hashKey(long hi, long lo) {
    return mix(hi * 0x9E3779B97F4A7C15L ^ lo);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
