package dev.vigil.features.damped;

import dev.vigil.features.FeatureSchema;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.table.SlotTable;
import dev.vigil.features.table.WindowedHostTable;
import dev.vigil.features.window.WindowListener;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-scale damped traffic statistics (after Kitsune's AfterImage) plus per-window counts, kept
 * per host and emitted as one feature vector per host and window.
 *
 * <p>Every packet updates, in O(1) and without allocation: its source IP's packet-size and
 * inter-arrival (jitter) statistics; its source MAC-IP pair's size statistics (an IP seen from a
 * new MAC starts a new entry); its channel's (source IP to destination IP) and, for TCP and UDP,
 * its socket's (address and port pairs) size statistics per direction, with the two directions'
 * covariance; and the source host's window counters (packets in and out, protocol and TCP-flag mix,
 * distinct destination hosts and ports by 256-bit linear counting, new sockets, packets to
 * well-known ports). All statistics are kept at the five decay rates of {@link Decay}.
 *
 * <p>When a host's window (a fixed length from its first packet) has passed, its vector is emitted:
 * per decay rate the host's, MAC-IP pair's, jitter, and its most recent channel's and socket's
 * statistics (weight, mean, standard deviation, and for channel and socket the magnitude, radius,
 * covariance and correlation of the two directions), then the window features; see {@link #SCHEMA}.
 *
 * <p>Memory is bounded: each table holds at most its configured number of entries and evicts the
 * least recently seen of a few sampled ones when full (counted), so a flood of spoofed sources
 * cannot grow it. Not thread-safe.
 */
public final class DampedFeatureExtractor extends WindowedHostTable {
  /** Per-decay-rate feature names, in order; each is prefixed with {@code l<λ>_}. */
  private static final List<String> PER_RATE =
      List.of(
          "host_log_w",
          "host_mean",
          "host_std",
          "macip_log_w",
          "macip_mean",
          "macip_std",
          "jitter_mean",
          "jitter_std",
          "chan_log_w",
          "chan_mean",
          "chan_std",
          "chan_magnitude",
          "chan_radius",
          "chan_cov",
          "chan_pcc",
          "sock_log_w",
          "sock_mean",
          "sock_std",
          "sock_magnitude",
          "sock_radius",
          "sock_cov",
          "sock_pcc");

  /** Units of {@link #PER_RATE}, in order. */
  private static final List<String> PER_RATE_UNITS =
      List.of(
          "log1p(decayed packets)",
          "bytes",
          "bytes",
          "log1p(decayed packets)",
          "bytes",
          "bytes",
          "s",
          "s",
          "log1p(decayed packets)",
          "bytes",
          "bytes",
          "bytes",
          "bytes^2",
          "bytes^2",
          "correlation",
          "log1p(decayed packets)",
          "bytes",
          "bytes",
          "bytes",
          "bytes^2",
          "bytes^2",
          "correlation");

  /** Units of {@link #WINDOW}, in order. */
  private static final List<String> WINDOW_UNITS =
      List.of(
          "log1p(packets)",
          "log1p(packets)",
          "fraction",
          "log1p(hosts)",
          "log1p(ports)",
          "fraction",
          "fraction",
          "fraction",
          "fraction",
          "fraction",
          "fraction",
          "fraction",
          "log1p(sockets/s)",
          "log1p(s)",
          "fraction",
          "bits/byte");

  /** Window feature names, after the per-rate ones. */
  private static final List<String> WINDOW =
      List.of(
          "log_packets_out",
          "log_packets_in",
          "out_ratio",
          "log_distinct_dst_hosts",
          "log_distinct_dst_ports",
          "frac_tcp",
          "frac_udp",
          "frac_icmp",
          "frac_arp",
          "frac_syn",
          "frac_synack",
          "frac_rst",
          "log_new_sockets_per_s",
          "log_socket_duration_s",
          "frac_well_known_dst_port",
          "mean_payload_entropy");

  /** The vector layout this extractor emits. */
  public static final FeatureSchema SCHEMA = buildSchema();

  private static FeatureSchema buildSchema() {
    List<String> names = new ArrayList<>();
    List<String> units = new ArrayList<>();
    for (double l : Decay.LAMBDAS) {
      String p = "l" + (l == Math.rint(l) ? String.valueOf((int) l) : String.valueOf(l)) + "_";
      for (String n : PER_RATE) {
        names.add(p + n);
      }
      units.addAll(PER_RATE_UNITS);
    }
    names.addAll(WINDOW);
    units.addAll(WINDOW_UNITS);
    return new FeatureSchema("vigil.host-damped.v1", names, units);
  }

  /**
   * Table sizes.
   *
   * @param maxHosts IP addresses tracked (and as many MAC-IP pairs)
   * @param maxChannels address pairs tracked
   * @param maxSockets address-and-port pairs tracked
   */
  public record Limits(int maxHosts, int maxChannels, int maxSockets) {
    /** Validates. */
    public Limits {
      if (maxHosts < 16 || maxChannels < 16 || maxSockets < 16) {
        throw new IllegalArgumentException(
            "every limit must be at least 16, was "
                + maxHosts
                + "/"
                + maxChannels
                + "/"
                + maxSockets);
      }
    }

    /** Limits derived from a host count: 4 channels and 8 sockets per host. */
    public static Limits forHosts(int maxHosts) {
      return new Limits(maxHosts, maxHosts * 4, maxHosts * 8);
    }
  }

  // Window counter indices.
  private static final int OUT = 0;
  private static final int IN = 1;
  private static final int TCP = 2;
  private static final int UDP = 3;
  private static final int ICMP = 4;
  private static final int ARP = 5;
  private static final int SYN = 6;
  private static final int SYNACK = 7;
  private static final int RST = 8;
  private static final int NEWSOCK = 9;
  private static final int WELLKNOWN = 10;
  private static final int PAYLOAD = 11;
  private static final int COUNTERS = 12;

  private static final int BITMAP_WORDS = 4;
  private static final double LN_BITS = Math.log(BITMAP_WORDS * 64);
  private static final int FLAG_EMITTED = 1;
  private static final int FLAG_CHANNEL = 2;
  private static final int FLAG_SOCKET = 4;
  private static final int FLAG_FOLLOWS_EARLY = 8; // the window opened at an early close

  /** Where the window features start in the vector (after the per-rate ones). */
  private static final int WINDOW_AT = PER_RATE.size() * Decay.N;

  /**
   * The features that only grow within a window, offered to an {@link
   * dev.vigil.features.window.EarlyJudge}: packets out and in, distinct destination hosts and
   * ports, new sockets (per second of the window's full length, so a count too). The decayed
   * weights are not among them: they decay between packets.
   */
  private static final int[] GROWING = {
    WINDOW_AT, WINDOW_AT + 1, WINDOW_AT + 3, WINDOW_AT + 4, WINDOW_AT + 12
  };

  private final WindowListener listener;
  private final float[] vector = new float[SCHEMA.size()];
  private final double[] f = new double[Decay.N];
  private final double[] fNow = new double[Decay.N];

  private final Hosts hosts;
  private final MacIps macIps;
  private final Pairs channels;
  private final Pairs sockets;
  private long emitted;

  /**
   * Creates an extractor.
   *
   * @param windowMicros window length in microseconds, at least 1 ms
   * @param limits table sizes
   * @param listener receives each closed window's vector (reused after the call)
   */
  public DampedFeatureExtractor(long windowMicros, Limits limits, WindowListener listener) {
    super(windowMicros);
    this.listener = java.util.Objects.requireNonNull(listener, "listener");
    this.hosts = new Hosts(limits.maxHosts());
    this.macIps = new MacIps(limits.maxHosts());
    this.channels = new Pairs(4, limits.maxChannels());
    this.sockets = new Pairs(5, limits.maxSockets());
  }

  /** Accounts one parsed packet; packets without a layer-3 address are ignored. */
  @Override
  public void update(PacketMeta m) {
    if (m.l3 == PacketMeta.L3_NONE) {
      return;
    }
    long tMicros = m.timestampMicros;
    double t = tMicros / 1e6;
    double x = m.wireLength;
    int order = compare(m.srcHi, m.srcLo, m.dstHi, m.dstLo);
    boolean srcFirst = order <= 0;
    boolean hasSocket =
        m.l3 != PacketMeta.L3_ARP
            && (m.protocol == PacketMeta.PROTO_TCP || m.protocol == PacketMeta.PROTO_UDP)
            && m.srcPort >= 0;
    boolean sockSrcFirst = order < 0 || (order == 0 && m.srcPort <= m.dstPort);
    long ports =
        sockSrcFirst ? ((long) m.srcPort << 32 | m.dstPort) : ((long) m.dstPort << 32 | m.srcPort);
    long portsKey = ports << 8 | (m.protocol & 0xff);

    // Source host: sizes, jitter, window counters, fan-out; remembers its latest channel and
    // socket.
    hosts.key[0] = m.srcHi;
    hosts.key[1] = m.srcLo;
    int s = hosts.findOrInsert(tMicros);
    if (hosts.inserted()) {
      resetWindow(s, tMicros);
      hosts.lastT[s] = t;
    } else if (tMicros - hosts.winStart[s] >= windowMicros) {
      close(s, hosts.winStart[s] + windowMicros);
      resetWindow(s, tMicros);
    }
    double dt = t - hosts.lastT[s];
    Decay.factors(dt, f);
    Stats.update(hosts.size, s * Stats.STRIDE_1D, f, x);
    if (!hosts.inserted()) {
      Stats.update(hosts.jitter, s * Stats.STRIDE_1D, f, Math.max(0, dt));
    }
    hosts.lastT[s] = Math.max(hosts.lastT[s], t);
    hosts.mac[s] = m.srcMac;
    int c = s * COUNTERS;
    int[] k = hosts.counts;
    k[c + OUT]++;
    if (m.l3 == PacketMeta.L3_ARP) {
      k[c + ARP]++;
    } else if (m.protocol == PacketMeta.PROTO_TCP) {
      k[c + TCP]++;
      int fl = m.tcpFlags;
      if ((fl & PacketMeta.TCP_SYN) != 0) {
        k[c + ((fl & PacketMeta.TCP_ACK) != 0 ? SYNACK : SYN)]++;
      }
      if ((fl & PacketMeta.TCP_RST) != 0) {
        k[c + RST]++;
      }
    } else if (m.protocol == PacketMeta.PROTO_UDP) {
      k[c + UDP]++;
    } else if (m.protocol == PacketMeta.PROTO_ICMP || m.protocol == PacketMeta.PROTO_ICMPV6) {
      k[c + ICMP]++;
    }
    if (hasSocket && m.dstPort < 1024) {
      k[c + WELLKNOWN]++;
    }
    if (m.payloadCapturedLength > 0) {
      k[c + PAYLOAD]++;
      hosts.entropy[s] += m.payloadEntropy;
    }
    setBit(
        hosts.bits, s * 2 * BITMAP_WORDS, SlotTable.mix(m.dstHi * 0x9E3779B97F4A7C15L ^ m.dstLo));
    if (m.dstPort >= 0) {
      setBit(
          hosts.bits,
          s * 2 * BITMAP_WORDS + BITMAP_WORDS,
          SlotTable.mix(m.dstPort * 0xC2B2AE3D27D4EB4FL + m.protocol));
    }
    int ck = s * 4;
    hosts.chan[ck] = srcFirst ? m.srcHi : m.dstHi;
    hosts.chan[ck + 1] = srcFirst ? m.srcLo : m.dstLo;
    hosts.chan[ck + 2] = srcFirst ? m.dstHi : m.srcHi;
    hosts.chan[ck + 3] = srcFirst ? m.dstLo : m.srcLo;
    hosts.flags[s] |= FLAG_CHANNEL;
    if (hasSocket) {
      int sk = s * 5;
      hosts.sock[sk] = sockSrcFirst ? m.srcHi : m.dstHi;
      hosts.sock[sk + 1] = sockSrcFirst ? m.srcLo : m.dstLo;
      hosts.sock[sk + 2] = sockSrcFirst ? m.dstHi : m.srcHi;
      hosts.sock[sk + 3] = sockSrcFirst ? m.dstLo : m.srcLo;
      hosts.sock[sk + 4] = portsKey;
      hosts.flags[s] |= FLAG_SOCKET;
    }

    // MAC-IP pair.
    macIps.key[0] = m.srcMac;
    macIps.key[1] = m.srcHi;
    macIps.key[2] = m.srcLo;
    int mi = macIps.findOrInsert(tMicros);
    if (macIps.inserted()) {
      macIps.lastT[mi] = t;
    }
    Decay.factors(t - macIps.lastT[mi], f);
    Stats.update(macIps.size, mi * Stats.STRIDE_1D, f, x);
    macIps.lastT[mi] = Math.max(macIps.lastT[mi], t);

    // Channel and socket: per-direction sizes and the directions' covariance.
    channels.key[0] = hosts.chan[ck];
    channels.key[1] = hosts.chan[ck + 1];
    channels.key[2] = hosts.chan[ck + 2];
    channels.key[3] = hosts.chan[ck + 3];
    channels.update(tMicros, t, x, srcFirst, f);
    if (hasSocket) {
      System.arraycopy(hosts.sock, s * 5, sockets.key, 0, 5);
      sockets.update(tMicros, t, x, sockSrcFirst, f);
      if (sockets.inserted()) {
        k[c + NEWSOCK]++;
      }
    }

    checkpoint(s, k[c + OUT], tMicros);

    // Destination host: inbound count (last: inserting it may move the source's slot).
    hosts.key[0] = m.dstHi;
    hosts.key[1] = m.dstLo;
    int d = hosts.findOrInsert(tMicros);
    if (hosts.inserted()) {
      resetWindow(d, tMicros);
      hosts.lastT[d] = t;
    }
    hosts.counts[d * COUNTERS + IN]++;
  }

  @Override
  protected SlotTable hostTable() {
    return hosts;
  }

  @Override
  protected long windowStart(int i) {
    return hosts.winStart[i];
  }

  @Override
  protected long lastSeenMicros(int i) {
    return (long) (hosts.lastT[i] * 1e6);
  }

  @Override
  protected boolean hasOutbound(int i) {
    return hosts.counts[i * COUNTERS + OUT] > 0;
  }

  @Override
  protected boolean everEmitted(int i) {
    return (hosts.flags[i] & FLAG_EMITTED) != 0;
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
  protected void writeGrowing(int s, float[] out) {
    int c = s * COUNTERS;
    int[] k = hosts.counts;
    out[WINDOW_AT] = (float) Math.log1p(k[c + OUT]);
    out[WINDOW_AT + 1] = (float) Math.log1p(k[c + IN]);
    out[WINDOW_AT + 3] = (float) Math.log1p(distinct(hosts.bits, s * 2 * BITMAP_WORDS));
    out[WINDOW_AT + 4] =
        (float) Math.log1p(distinct(hosts.bits, s * 2 * BITMAP_WORDS + BITMAP_WORDS));
    out[WINDOW_AT + 12] = (float) Math.log1p(k[c + NEWSOCK] / (windowMicros / 1e6));
  }

  @Override
  protected boolean followsEarly(int i) {
    return (hosts.flags[i] & FLAG_FOLLOWS_EARLY) != 0;
  }

  @Override
  protected void markFollowsEarly(int i) {
    hosts.flags[i] |= FLAG_FOLLOWS_EARLY;
  }

  @Override
  public FeatureSchema schema() {
    return SCHEMA;
  }

  /** Returns the hosts currently tracked. */
  @Override
  public int hostCount() {
    return hosts.size();
  }

  /** Returns entries evicted from all tables to stay within the limits. */
  @Override
  public long evictions() {
    return hosts.evictions() + macIps.evictions() + channels.evictions() + sockets.evictions();
  }

  /** Returns windows emitted. */
  @Override
  public long emitted() {
    return emitted;
  }

  @Override
  protected void resetWindow(int s, long tMicros) {
    hosts.winStart[s] = tMicros;
    hosts.flags[s] &= ~FLAG_FOLLOWS_EARLY;
    windowOpened(tMicros);
    int c = s * COUNTERS;
    for (int j = 0; j < COUNTERS; j++) {
      hosts.counts[c + j] = 0;
    }
    int b = s * 2 * BITMAP_WORDS;
    for (int j = 0; j < 2 * BITMAP_WORDS; j++) {
      hosts.bits[b + j] = 0;
    }
    hosts.entropy[s] = 0;
  }

  private void close(int s, long endMicros) {
    int c = s * COUNTERS;
    int n = hosts.counts[c + OUT];
    if (n == 0) {
      return;
    }
    double tEnd = endMicros / 1e6;
    float[] v = vector;
    int p = 0;
    long hostHi = hosts.keyAt(s, 0);
    long hostLo = hosts.keyAt(s, 1);

    // Per-rate statistics, each decayed to the window's end.
    Decay.factors(tEnd - hosts.lastT[s], fNow);
    macIps.key[0] = hosts.mac[s];
    macIps.key[1] = hostHi;
    macIps.key[2] = hostLo;
    int mi = macIps.find();
    int ch = -1;
    boolean chA = true;
    if ((hosts.flags[s] & FLAG_CHANNEL) != 0) {
      System.arraycopy(hosts.chan, s * 4, channels.key, 0, 4);
      ch = channels.find();
      chA = channels.key[0] == hostHi && channels.key[1] == hostLo;
    }
    int so = -1;
    boolean soA = true;
    if ((hosts.flags[s] & FLAG_SOCKET) != 0) {
      System.arraycopy(hosts.sock, s * 5, sockets.key, 0, 5);
      so = sockets.find();
      soA = sockets.key[0] == hostHi && sockets.key[1] == hostLo;
    }
    int hOff = s * Stats.STRIDE_1D;
    for (int i = 0; i < Decay.N; i++) {
      v[p++] = (float) Math.log1p(Stats.weight(hosts.size, hOff, i, fNow[i]));
      v[p++] = (float) Stats.mean(hosts.size, hOff, i);
      v[p++] = (float) Math.sqrt(Stats.variance(hosts.size, hOff, i));
      if (mi >= 0) {
        int o = mi * Stats.STRIDE_1D;
        double fm = Math.pow(2, -Decay.LAMBDAS[i] * Math.max(0, tEnd - macIps.lastT[mi]));
        v[p++] = (float) Math.log1p(Stats.weight(macIps.size, o, i, fm));
        v[p++] = (float) Stats.mean(macIps.size, o, i);
        v[p++] = (float) Math.sqrt(Stats.variance(macIps.size, o, i));
      } else {
        v[p++] = 0;
        v[p++] = 0;
        v[p++] = 0;
      }
      v[p++] = (float) Stats.mean(hosts.jitter, hOff, i);
      v[p++] = (float) Math.sqrt(Stats.variance(hosts.jitter, hOff, i));
      p = channels.write(v, p, ch, chA, i, tEnd);
      p = sockets.write(v, p, so, soA, i, tEnd);
    }

    // Window features.
    int[] k = hosts.counts;
    int in = k[c + IN];
    double windowS = windowMicros / 1e6;
    v[p++] = (float) Math.log1p(n);
    v[p++] = (float) Math.log1p(in);
    v[p++] = (float) n / (n + in);
    v[p++] = (float) Math.log1p(distinct(hosts.bits, s * 2 * BITMAP_WORDS));
    v[p++] = (float) Math.log1p(distinct(hosts.bits, s * 2 * BITMAP_WORDS + BITMAP_WORDS));
    v[p++] = (float) k[c + TCP] / n;
    v[p++] = (float) k[c + UDP] / n;
    v[p++] = (float) k[c + ICMP] / n;
    v[p++] = (float) k[c + ARP] / n;
    v[p++] = (float) k[c + SYN] / n;
    v[p++] = (float) k[c + SYNACK] / n;
    v[p++] = (float) k[c + RST] / n;
    v[p++] = (float) Math.log1p(k[c + NEWSOCK] / windowS);
    v[p++] = (float) Math.log1p(so >= 0 ? Math.max(0, sockets.lastT[so] - sockets.firstT[so]) : 0);
    v[p++] = (float) k[c + WELLKNOWN] / n;
    v[p++] = k[c + PAYLOAD] > 0 ? (float) (hosts.entropy[s] / k[c + PAYLOAD]) : 0f;
    if (p != v.length) {
      throw new IllegalStateException("vector layout mismatch: wrote " + p + " of " + v.length);
    }
    emitted++;
    hosts.flags[s] |= FLAG_EMITTED;
    listener.onWindow(hostHi, hostLo, hosts.winStart[s], endMicros, v);
  }

  private static double distinct(long[] bits, int off) {
    int ones = 0;
    for (int w = 0; w < BITMAP_WORDS; w++) {
      ones += Long.bitCount(bits[off + w]);
    }
    int m = BITMAP_WORDS * 64;
    int zeros = m - ones;
    return zeros == 0 ? m * LN_BITS : -m * Math.log((double) zeros / m);
  }

  private static void setBit(long[] bits, int off, long hash) {
    int bit = (int) (hash >>> 56);
    bits[off + (bit >>> 6)] |= 1L << (bit & 63);
  }

  private static int compare(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }

  /** Hosts by IP address. */
  private static final class Hosts extends SlotTable {
    final double[] lastT = doubles(1);
    final double[] size = doubles(Stats.STRIDE_1D);
    final double[] jitter = doubles(Stats.STRIDE_1D);
    final long[] mac = longs(1);
    final long[] winStart = longs(1);
    final int[] counts = ints(COUNTERS);
    final long[] bits = longs(2 * BITMAP_WORDS);
    final long[] chan = longs(4);
    final long[] sock = longs(5);
    final int[] flags = ints(1);
    final double[] entropy = doubles(1);

    Hosts(int max) {
      super(2, max);
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(lastT, 1, from, to);
      copy(size, Stats.STRIDE_1D, from, to);
      copy(jitter, Stats.STRIDE_1D, from, to);
      copy(mac, 1, from, to);
      copy(winStart, 1, from, to);
      copy(counts, COUNTERS, from, to);
      copy(bits, 2 * BITMAP_WORDS, from, to);
      copy(chan, 4, from, to);
      copy(sock, 5, from, to);
      copy(flags, 1, from, to);
      copy(entropy, 1, from, to);
    }

    @Override
    protected void initSlot(int s) {
      java.util.Arrays.fill(size, s * Stats.STRIDE_1D, (s + 1) * Stats.STRIDE_1D, 0);
      java.util.Arrays.fill(jitter, s * Stats.STRIDE_1D, (s + 1) * Stats.STRIDE_1D, 0);
      flags[s] = 0;
      mac[s] = 0;
    }
  }

  /** MAC-IP pairs. */
  private static final class MacIps extends SlotTable {
    final double[] lastT = doubles(1);
    final double[] size = doubles(Stats.STRIDE_1D);

    MacIps(int max) {
      super(3, max);
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(lastT, 1, from, to);
      copy(size, Stats.STRIDE_1D, from, to);
    }

    @Override
    protected void initSlot(int s) {
      java.util.Arrays.fill(size, s * Stats.STRIDE_1D, (s + 1) * Stats.STRIDE_1D, 0);
    }
  }

  /** Channels (key: two addresses, lower first) or sockets (plus ports and protocol). */
  private static final class Pairs extends SlotTable {
    final double[] lastT = doubles(1);
    final double[] firstT = doubles(1);
    final double[] a = doubles(Stats.STRIDE_1D);
    final double[] b = doubles(Stats.STRIDE_1D);
    final double[] cov = doubles(Stats.STRIDE_2D);

    Pairs(int keyLongs, int max) {
      super(keyLongs, max);
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(lastT, 1, from, to);
      copy(firstT, 1, from, to);
      copy(a, Stats.STRIDE_1D, from, to);
      copy(b, Stats.STRIDE_1D, from, to);
      copy(cov, Stats.STRIDE_2D, from, to);
    }

    @Override
    protected void initSlot(int s) {
      java.util.Arrays.fill(a, s * Stats.STRIDE_1D, (s + 1) * Stats.STRIDE_1D, 0);
      java.util.Arrays.fill(b, s * Stats.STRIDE_1D, (s + 1) * Stats.STRIDE_1D, 0);
      java.util.Arrays.fill(cov, s * Stats.STRIDE_2D, (s + 1) * Stats.STRIDE_2D, 0);
    }

    void update(long tMicros, double t, double x, boolean dirA, double[] f) {
      int s = findOrInsert(tMicros);
      if (inserted()) {
        lastT[s] = t;
        firstT[s] = t;
      }
      Decay.factors(t - lastT[s], f);
      int o = s * Stats.STRIDE_1D;
      // Both directions decay together: the pair's clock is its last packet in either direction.
      double[] other = dirA ? b : a;
      for (int i = 0; i < Decay.N; i++) {
        int q = o + 3 * i;
        other[q] *= f[i];
        other[q + 1] *= f[i];
        other[q + 2] *= f[i];
      }
      Stats.update(dirA ? a : b, o, f, x);
      Stats.update2d(cov, s * Stats.STRIDE_2D, dirA ? a : b, o, f, x, dirA);
      lastT[s] = Math.max(lastT[s], t);
    }

    /**
     * Writes w, mean, std (of the host's direction), magnitude, radius, covariance, correlation at
     * rate i.
     */
    int write(float[] v, int p, int s, boolean hostIsA, int i, double tEnd) {
      if (s < 0) {
        for (int j = 0; j < 7; j++) {
          v[p++] = 0;
        }
        return p;
      }
      int o = s * Stats.STRIDE_1D;
      double[] mine = hostIsA ? a : b;
      double fd = Math.pow(2, -Decay.LAMBDAS[i] * Math.max(0, tEnd - lastT[s]));
      double meanA = Stats.mean(a, o, i);
      double meanB = Stats.mean(b, o, i);
      double varA = Stats.variance(a, o, i);
      double varB = Stats.variance(b, o, i);
      // Approximate covariance: the decayed residual-product sum over both directions' weights.
      double wSum = a[o + 3 * i] + b[o + 3 * i];
      double cv = wSum > 0 ? cov[s * Stats.STRIDE_2D + 3 * i] / wSum : 0;
      double sd = Math.sqrt(varA * varB);
      v[p++] = (float) Math.log1p(Stats.weight(mine, o, i, fd));
      v[p++] = (float) Stats.mean(mine, o, i);
      v[p++] = (float) Math.sqrt(Stats.variance(mine, o, i));
      v[p++] = (float) Math.sqrt(meanA * meanA + meanB * meanB);
      v[p++] = (float) Math.sqrt(varA * varA + varB * varB);
      v[p++] = (float) cv;
      v[p++] = (float) (sd > 0 ? Math.max(-1, Math.min(1, cv / sd)) : 0);
      return p;
    }
  }
}
