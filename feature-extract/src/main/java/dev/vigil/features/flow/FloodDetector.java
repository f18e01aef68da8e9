package dev.vigil.features.flow;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.table.SlotTable;
import java.util.Arrays;

/**
 * Finds packet floods within tens of milliseconds: a host that sends (or receives) SYNs, UDP
 * datagrams, ICMP messages or MQTT PUBLISHes far faster than it did while learning. The window
 * detector sees a flood only when a window closes (seconds); the daemon must quarantine within
 * about 100 ms of the first attack packet, so this detector judges every packet as it arrives.
 *
 * <p><b>Keys.</b> Every counted packet counts for its {@link Kind} twice: for its source address
 * ({@link Role#SOURCE}) and for its destination ({@link Role#TARGET}). Packets to broadcast or
 * multicast destinations are not counted: service announcements (mDNS, SSDP) come in bursts (a
 * camera at setup sent 23 to 39 in 50 ms in the shared captures), and a flood of them is left to
 * the window detector. A spoofed-source flood spreads over random source keys, none of them busy,
 * but piles onto one target key, whose report names the attacker's MAC.
 *
 * <p><b>Answers are not counted</b> (ICMP echo replies and errors, DNS responses, SYN-ACKs): they
 * are a flood's consequence, not its cause. Counted, the victim of a ping flood would be reported
 * as the source of an echo-reply flood, and the flooder as its target with the victim's MAC as the
 * dominant source: the daemon would quarantine the victim. SYN-ACKs are only tallied for the SYN
 * keys' {@link Report#halfOpenRatio()}. A reflection flood is seen at its trigger instead: the
 * spoofed queries (the victim's address as SOURCE, with the attacker's MAC).
 *
 * <p><b>The test: a one-sided CUSUM on bin counts.</b> Time is cut into bins of {@link
 * Options#binMicros()} (packet time). Per key, with x the packets in a bin, μ the key's learned
 * mean packets per bin and k its slack: {@code S = max(0, S + x - (μ + k))}, reported when {@code S
 * > h}. CUSUM is the sequential test with the least detection delay for a given false-alarm rate
 * for a step change in a mean (Page 1954, Lorden 1971): it accumulates evidence over bins, so a
 * sustained rate just above the reference is found in time, while a short burst must be as large as
 * h to alarm. It is evaluated within the current bin as well ({@code S + x_so_far - (μ + k) > h};
 * counts only grow), so a flood is found at the packet that crosses, not at the end of a bin. Empty
 * bins each subtract μ + k (floored at 0) in closed form: a gap of hours costs one multiplication.
 *
 * <p><b>Baselines.</b> For the first {@link Options#learnMicros()} of traffic (the daemon sets it
 * to its model's learning time) the detector only learns, per key, the mean count per bin μ (over
 * the whole learning time) and the peak bin count p. Then baselines freeze, so that a flood cannot
 * teach itself; keys first seen later get μ = 0, p = 0. From them:
 *
 * <ul>
 *   <li>{@code h = max(minPackets, peakFactor × p)}: the burst a key may make in one go. {@code
 *       minPackets} (20) is above the benign bursts of a device never seen while learning that the
 *       tests and the shared captures hold (10 connections at once, 15 DNS queries); a host never
 *       seen that sends 20 retained MQTT messages or 20 DNS queries at once is reported. That is
 *       the price of the reaction time (below); a device seen while learning is judged against its
 *       own busiest bin instead.
 *   <li>{@code k = max(minSlack, (4p - μ) / 2)}, so that the reference μ + k is at least twice the
 *       peak bin. CUSUM's slack is half the smallest shift worth detecting (Page's k = δ/2); the
 *       shift worth detecting for a learned host is to 4 times its peak bin, so a host that keeps
 *       up even 1.5 or 2 times its own busiest 50 ms never grows S, and one at 10 times its peak is
 *       found within its first bin. The peak rather than a multiple of σ: IoT traffic is bursty (a
 *       camera's snapshot upload, a firmware check), its tail far heavier than a normal
 *       distribution's; the peak over ten minutes (12,000 bins) is the tail as observed. {@code
 *       minSlack} (40 packets/s) is the sustained rate any key may keep up without ever alarming.
 * </ul>
 *
 * <p>At the defaults an unseen host flooding 500 SYN/s (one every 2 ms, hping3's {@code -i u2000})
 * from the start of a bin: S + x - 2 > 20 at the 23rd packet of the first bin: reported 44 ms after
 * the first packet. (With {@code minPackets} 32, which lets a burst of 30 messages pass, it was the
 * 37th packet, 72 ms: too slow for a quarantine within 100 ms of the first packet once the decision
 * and nftables have had their share.) MQTT PUBLISHes are counted by message ({@link
 * PacketMeta#mqttPublishes}): a client without TCP_NODELAY sends several in one segment.
 *
 * <p><b>Reports.</b> A key is reported when S first exceeds h; not again until S has returned to 0
 * (the flood stopped) and then exceeded h again, or until {@link Options#repeatMicros()} has passed
 * while it still exceeds h (a long flood is reminded, not spammed). A run starts at the first
 * packet after S was 0; the report's counts are the run's. S is capped at h + μ + k when a bin
 * closes: uncapped, a flood of minutes would leave an S that takes as long to drain, so a flood
 * that stopped and restarted would count as one run; capped, 17 quiet bins (850 ms) end a run at
 * the defaults.
 *
 * <p><b>Memory.</b> Two bounded tables: the live keys (at most {@link Options#maxKeys()}, about 300
 * bytes each, so 16,384 keys take about 10 MiB), evicting the least recently seen of a few sampled
 * entries; and the frozen baselines, filled once from the live keys when learning ends and never
 * written again. A spoofed-source flood churns the live table (each random source is one key) but
 * cannot evict a learned baseline: a real host evicted from the live table gets its baseline back
 * when it sends again. During learning there is only the live table, so a flood then does cost
 * learned keys (and teaches its own rate). Evictions are counted by {@link #evictions()}.
 *
 * <p>Nothing is allocated per packet (only per report). Not thread-safe: feed it from the thread
 * that parses.
 */
public final class FloodDetector implements PacketObserver {
  /**
   * Settings.
   *
   * @param binMicros the bin width, in microseconds of packet time (1 ms to 10 s)
   * @param learnMicros how long, from the first packet, baselines are learned
   * @param minPackets the least threshold h, in packets (2 to 1,000,000)
   * @param peakFactor h is at least this times a key's learned peak bin count (at least 1)
   * @param minSlack the least slack k, in packets per second (positive): the sustained rate any key
   *     may keep up without being reported
   * @param repeatMicros how long a still-flooding key waits before it is reported again
   * @param maxKeys most keys (role, host, kind) tracked at once, and most learned baselines
   */
  public record Options(
      long binMicros,
      long learnMicros,
      int minPackets,
      double peakFactor,
      double minSlack,
      long repeatMicros,
      int maxKeys) {
    /** Validates. */
    public Options {
      if (binMicros < 1_000 || binMicros > 10_000_000) {
        throw new IllegalArgumentException("bin must be 1 ms to 10 s, was " + binMicros + " us");
      }
      if (learnMicros < 0) {
        throw new IllegalArgumentException("learn must not be negative, was " + learnMicros);
      }
      if (minPackets < 2 || minPackets > 1_000_000) {
        throw new IllegalArgumentException("min-packets must be 2 to 1000000, was " + minPackets);
      }
      if (!(peakFactor >= 1 && peakFactor <= 1000)) {
        throw new IllegalArgumentException("peak-factor must be 1 to 1000, was " + peakFactor);
      }
      if (!(minSlack > 0 && minSlack <= 1e9)) {
        throw new IllegalArgumentException("min-slack must be positive, was " + minSlack);
      }
      if (repeatMicros <= 0) {
        throw new IllegalArgumentException("repeat must be positive, was " + repeatMicros);
      }
      if (maxKeys < 16) {
        throw new IllegalArgumentException("max-keys must be at least 16, was " + maxKeys);
      }
    }

    /**
     * Bins of 50 ms, ten minutes of learning, h at least 20 packets or 3 times the learned peak,
     * slack at least 40 packets/s, a reminder every 10 s, 16,384 keys (about 10 MiB with the
     * baselines).
     */
    public static Options defaults() {
      return new Options(50_000L, 600_000_000L, 20, 3.0, 40.0, 10_000_000L, 16_384);
    }

    /** Returns these settings with learning lasting {@code micros}. */
    public Options withLearn(long micros) {
      return new Options(
          binMicros, micros, minPackets, peakFactor, minSlack, repeatMicros, maxKeys);
    }
  }

  /** Whether a key is a host as the sender or as the receiver of the packets it counts. */
  public enum Role {
    SOURCE,
    TARGET
  }

  /** What is counted. */
  public enum Kind {
    /** TCP segments with SYN and without ACK. */
    SYN,
    /** UDP datagrams (DNS responses excepted). */
    UDP,
    /** ICMP and ICMPv6 messages other than replies and errors. */
    ICMP,
    /** MQTT PUBLISH packets (plain-text MQTT). */
    MQTT_PUBLISH;

    /**
     * Returns the lower-case name ({@code syn}, {@code udp}, {@code icmp}, {@code mqtt_publish}).
     */
    public String label() {
      return switch (this) {
        case SYN -> "syn";
        case UDP -> "udp";
        case ICMP -> "icmp";
        case MQTT_PUBLISH -> "mqtt_publish";
      };
    }
  }

  /**
   * One report: the evidence of one alarm run of one key.
   *
   * @param role whether {@code host} sent or received the flood
   * @param hostHi the host's address, high half (IPv4 mapped as {@link PacketMeta} keeps it)
   * @param hostLo the host's address, low half
   * @param kind what was counted
   * @param packets packets of the key counted in the run so far
   * @param ratePerSecond the run's rate: (packets - 1) over the time from its first to its last
   *     packet (packets per bin width when they share one timestamp)
   * @param baselinePerSecond the key's learned mean rate (0 for a key unseen while learning)
   * @param cusum the CUSUM value S at the report
   * @param threshold the key's threshold h
   * @param halfOpenRatio for {@link Kind#SYN}, the run's SYN-ACKs answered by this target (or
   *     received by this source) over its SYNs, at most 1: near 1 for a flood against an open port
   *     (every SYN answered, none completed), near 0 against a closed or filtered one; -1 for other
   *     kinds
   * @param peers distinct peers in the run, approximately: the packets whose peer (the target for a
   *     source, the source for a target) was not among the last 16 distinct peers of the run; exact
   *     up to 16, about {@code packets} for a spoofed-source flood
   * @param mac for a target, the run's dominant source MAC (majority vote); for a source, its MAC
   * @param macShare the share of the run's packets sent from {@code mac}, approximately (counted
   *     since it last became the majority candidate)
   * @param firstMicros the time of the run's first packet (packet time): the first evidence
   * @param lastMicros the time of the packet that made the report
   */
  public record Report(
      Role role,
      long hostHi,
      long hostLo,
      Kind kind,
      long packets,
      double ratePerSecond,
      double baselinePerSecond,
      double cusum,
      double threshold,
      double halfOpenRatio,
      int peers,
      long mac,
      double macShare,
      long firstMicros,
      long lastMicros) {
    /** Returns the host's address as text. */
    public String host() {
      return Addresses.format(hostHi, hostLo);
    }
  }

  /** Receives reports, on the thread that feeds the detector. */
  @FunctionalInterface
  public interface Listener {
    /** A flood. */
    void onFlood(Report r);
  }

  /** Peers remembered per key to count distinct ones. */
  static final int PEERS = 16;

  /** The learned host's flood worth detecting, in multiples of its peak bin (see the class doc). */
  private static final double FLOOD_OVER_PEAK = 4;

  private final Options options;
  private final Listener listener;
  private final Keys keys;
  private final Baselines baselines;
  private final double minSlackPerBin;
  private long learnUntil = Long.MIN_VALUE;
  private boolean learning = true;
  private long reports;

  /** Creates a detector. */
  public FloodDetector(Options options, Listener listener) {
    this.options = options;
    this.listener = listener;
    this.keys = new Keys(options.maxKeys());
    this.baselines = new Baselines(options.maxKeys());
    this.minSlackPerBin = options.minSlack() * options.binMicros() / 1e6;
  }

  /** Returns the settings. */
  public Options options() {
    return options;
  }

  /** Returns whether baselines are still being learned (true before the first packet). */
  public boolean learning() {
    return learning;
  }

  /** Returns the number of keys tracked now. */
  public int keys() {
    return keys.size();
  }

  /** Returns the number of frozen baselines (0 while learning). */
  public int learnedKeys() {
    return baselines.size();
  }

  /** Returns how many live keys were evicted to make room. */
  public long evictions() {
    return keys.evictions() + baselines.evictions();
  }

  /** Returns the number of reports made. */
  public long reports() {
    return reports;
  }

  @Override
  public void update(PacketMeta m) {
    if (m.l3 != PacketMeta.L3_IPV4 && m.l3 != PacketMeta.L3_IPV6) {
      return;
    }
    long ts = m.timestampMicros;
    if (learnUntil == Long.MIN_VALUE) {
      long l = options.learnMicros();
      learnUntil = ts > Long.MAX_VALUE - l ? Long.MAX_VALUE : ts + l;
    }
    if (learning && ts >= learnUntil) {
      freeze();
    }
    Kind kind;
    int weight = 1;
    switch (m.protocol) {
      case PacketMeta.PROTO_TCP -> {
        int sa = m.tcpFlags & (PacketMeta.TCP_SYN | PacketMeta.TCP_ACK);
        if (sa == PacketMeta.TCP_SYN) {
          kind = Kind.SYN;
        } else if (sa == (PacketMeta.TCP_SYN | PacketMeta.TCP_ACK)) {
          synAck(m);
          return;
        } else if (m.appProtocol == PacketMeta.APP_MQTT && m.mqttPublishes > 0) {
          kind = Kind.MQTT_PUBLISH; // counted by message: a segment may hold several
          weight = m.mqttPublishes;
        } else {
          return;
        }
      }
      case PacketMeta.PROTO_UDP -> {
        if (m.appProtocol == PacketMeta.APP_DNS && m.dnsResponse) {
          return;
        }
        kind = Kind.UDP;
      }
      case PacketMeta.PROTO_ICMP -> {
        if (icmpAnswer(m.icmpType)) {
          return;
        }
        kind = Kind.ICMP;
      }
      case PacketMeta.PROTO_ICMPV6 -> {
        if (icmpv6Answer(m.icmpType)) {
          return;
        }
        kind = Kind.ICMP;
      }
      default -> {
        return;
      }
    }
    if (BeaconTracker.groupDestination(m)) {
      // Broadcast and multicast: service announcements come in bursts (a camera's mDNS and SSDP
      // at setup sent 23 to 39 datagrams in 50 ms in the shared captures), and no one host is
      // flooded by them. A flood of them is left to the window detector.
      return;
    }
    count(Role.SOURCE, m.srcHi, m.srcLo, kind, m.dstHi, m.dstLo, m.srcMac, ts, weight);
    count(Role.TARGET, m.dstHi, m.dstLo, kind, m.srcHi, m.srcLo, m.srcMac, ts, weight);
  }

  /** ICMPv4 replies (echo, timestamp, information, mask) and errors, by type. */
  private static boolean icmpAnswer(int type) {
    return switch (type) {
      case 0, 3, 4, 5, 11, 12, 14, 16, 18 -> true;
      default -> false;
    };
  }

  /** ICMPv6 errors (types 1 to 127) and echo replies. */
  private static boolean icmpv6Answer(int type) {
    return (type >= 0 && type < 128) || type == 129;
  }

  /** Tallies a SYN-ACK for the SYN keys of its sender (a target) and its receiver (a source). */
  private void synAck(PacketMeta m) {
    long[] k = keys.key;
    k[0] = code(Role.TARGET, Kind.SYN);
    k[1] = m.srcHi;
    k[2] = m.srcLo;
    int s = keys.find();
    if (s >= 0) {
      keys.synAcks[s]++;
    }
    k[0] = code(Role.SOURCE, Kind.SYN);
    k[1] = m.dstHi;
    k[2] = m.dstLo;
    s = keys.find();
    if (s >= 0) {
      keys.synAcks[s]++;
    }
  }

  private static long code(Role role, Kind kind) {
    return role.ordinal() * 4L + kind.ordinal();
  }

  private void count(
      Role role,
      long hi,
      long lo,
      Kind kind,
      long peerHi,
      long peerLo,
      long mac,
      long ts,
      int weight) {
    Keys t = keys;
    long[] k = t.key;
    k[0] = code(role, kind);
    k[1] = hi;
    k[2] = lo;
    int s = t.findOrInsert(ts);
    long b = Math.floorDiv(ts, options.binMicros());
    if (t.inserted()) {
      t.bin[s] = b;
      if (!learning) {
        applyBaseline(s);
      }
    } else if (b > t.bin[s]) {
      closeBins(s, b);
    } // a timestamp that went back counts in the current bin
    int x = t.count[s] += weight;
    if (learning) {
      t.learnPackets[s] += weight;
      return;
    }
    if (t.runPackets[s] == 0) {
      t.runFirst[s] = ts;
      t.synAcks[s] = 0;
      t.newPeers[s] = 0;
      t.candMac[s] = mac;
      t.candVotes[s] = 0;
      t.candHits[s] = 0;
      Arrays.fill(t.peers, s * PEERS, (s + 1) * PEERS, 0);
    }
    t.runPackets[s] += weight;
    t.runLast[s] = ts;
    notePeer(s, peerHi, peerLo);
    if (t.candMac[s] == mac) {
      t.candVotes[s]++;
      t.candHits[s]++;
    } else if (t.candVotes[s] == 0) {
      t.candMac[s] = mac;
      t.candVotes[s] = 1;
      t.candHits[s] = 1;
    } else {
      t.candVotes[s]--;
    }
    double v = t.cusum[s] + x - t.drain[s];
    if (v > t.threshold[s] && (!t.alarmed[s] || ts - t.reportedAt[s] >= options.repeatMicros())) {
      t.alarmed[s] = true;
      t.reportedAt[s] = ts;
      report(s, role, kind, v);
    }
  }

  /** Counts a peer as new unless it is among the run's last {@link #PEERS} distinct peers. */
  private void notePeer(int s, long peerHi, long peerLo) {
    int h = (int) SlotTable.mix(peerHi * 0x9E3779B97F4A7C15L ^ peerLo) | 1; // 0 marks a free entry
    int[] p = keys.peers;
    int base = s * PEERS;
    for (int i = 0; i < PEERS; i++) {
      if (p[base + i] == h) {
        return;
      }
    }
    int n = keys.newPeers[s]++;
    p[base + (n & (PEERS - 1))] = h;
  }

  /** Closes the key's bin and the empty ones up to bin {@code b}, in closed form. */
  private void closeBins(int s, long b) {
    Keys t = keys;
    if (learning) {
      t.learnPeak[s] = Math.max(t.learnPeak[s], t.count[s]);
    } else {
      double r = t.drain[s];
      // Capped at h + r: enough that every bin of a flood still alarms at its first packet
      // (h + r + 1 - r > h), while a flood that stops is over after (h + r) / r bins (850 ms at the
      // defaults) instead of after as long as it lasted (S grows by x - r in every flood bin).
      double c = Math.min(t.threshold[s] + r, Math.max(0, t.cusum[s] + t.count[s] - r));
      long empty = b - t.bin[s] - 1;
      if (empty > 0 && c > 0) {
        c = Math.max(0, c - empty * r);
      }
      t.cusum[s] = c;
      if (c == 0) {
        t.runPackets[s] = 0; // the run is over: the next packet starts a new one
        t.alarmed[s] = false;
      }
    }
    t.bin[s] = b;
    t.count[s] = 0;
  }

  /** Ends learning: closes every key's bin, stores its baseline, and applies it. */
  private void freeze() {
    learning = false;
    Keys t = keys;
    double bins = Math.max(1.0, (double) options.learnMicros() / options.binMicros());
    long[] bk = baselines.key;
    for (int s = 0; s < t.capacity; s++) {
      if (!t.isUsed(s)) {
        continue;
      }
      int peak = Math.max(t.learnPeak[s], t.count[s]);
      double mean = t.learnPackets[s] / bins;
      bk[0] = t.keyAt(s, 0);
      bk[1] = t.keyAt(s, 1);
      bk[2] = t.keyAt(s, 2);
      int bs = baselines.findOrInsert(0);
      baselines.mean[bs] = mean;
      baselines.peak[bs] = peak;
      setBaseline(s, mean, peak);
      t.count[s] = 0; // the bin's learned packets are not evidence
    }
  }

  /** Gives a newly inserted key its frozen baseline, or the default one. */
  private void applyBaseline(int s) {
    long[] bk = baselines.key;
    bk[0] = keys.key[0];
    bk[1] = keys.key[1];
    bk[2] = keys.key[2];
    int bs = baselines.find();
    if (bs >= 0) {
      setBaseline(s, baselines.mean[bs], baselines.peak[bs]);
    } else {
      setBaseline(s, 0, 0);
    }
  }

  private void setBaseline(int s, double mean, int peak) {
    Keys t = keys;
    double slack = Math.max(minSlackPerBin, (FLOOD_OVER_PEAK * peak - mean) / 2);
    t.mean[s] = mean;
    t.drain[s] = mean + slack;
    t.threshold[s] = Math.max(options.minPackets(), options.peakFactor() * peak);
    t.cusum[s] = 0;
    t.runPackets[s] = 0;
    t.alarmed[s] = false;
  }

  private void report(int s, Role role, Kind kind, double v) {
    Keys t = keys;
    long n = t.runPackets[s];
    long first = t.runFirst[s];
    long last = t.runLast[s];
    double rate =
        n > 1 && last > first ? (n - 1) * 1e6 / (last - first) : n * 1e6 / options.binMicros();
    double halfOpen = kind == Kind.SYN ? Math.min(1.0, (double) t.synAcks[s] / n) : -1;
    reports++;
    listener.onFlood(
        new Report(
            role,
            t.keyAt(s, 1),
            t.keyAt(s, 2),
            kind,
            n,
            rate,
            t.mean[s] * 1e6 / options.binMicros(),
            v,
            t.threshold[s],
            halfOpen,
            t.newPeers[s],
            t.candMac[s],
            (double) t.candHits[s] / n,
            first,
            last));
  }

  /** Live keys (role and kind, address): bins, CUSUM, the run's evidence, learning sums. */
  private static final class Keys extends SlotTable {
    final long[] bin;
    final int[] count;
    final double[] cusum;
    final double[] mean;
    final double[] drain;
    final double[] threshold;
    final long[] runFirst;
    final long[] runLast;
    final long[] runPackets;
    final long[] reportedAt;
    final boolean[] alarmed;
    final int[] synAcks;
    final int[] newPeers;
    final int[] peers;
    final long[] candMac;
    final int[] candVotes;
    final int[] candHits;
    final long[] learnPackets;
    final int[] learnPeak;

    Keys(int max) {
      super(3, max);
      bin = longs(1);
      count = ints(1);
      cusum = doubles(1);
      mean = doubles(1);
      drain = doubles(1);
      threshold = doubles(1);
      runFirst = longs(1);
      runLast = longs(1);
      runPackets = longs(1);
      reportedAt = longs(1);
      alarmed = new boolean[capacity];
      synAcks = ints(1);
      newPeers = ints(1);
      peers = ints(PEERS);
      candMac = longs(1);
      candVotes = ints(1);
      candHits = ints(1);
      learnPackets = longs(1);
      learnPeak = ints(1);
    }

    @Override
    protected void initSlot(int slot) {
      count[slot] = 0;
      cusum[slot] = 0;
      runPackets[slot] = 0;
      reportedAt[slot] = 0;
      alarmed[slot] = false;
      synAcks[slot] = 0;
      learnPackets[slot] = 0;
      learnPeak[slot] = 0;
      // bin, the baseline and the run's evidence are set by the caller before they are read
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(bin, 1, from, to);
      copy(count, 1, from, to);
      copy(cusum, 1, from, to);
      copy(mean, 1, from, to);
      copy(drain, 1, from, to);
      copy(threshold, 1, from, to);
      copy(runFirst, 1, from, to);
      copy(runLast, 1, from, to);
      copy(runPackets, 1, from, to);
      copy(reportedAt, 1, from, to);
      alarmed[to] = alarmed[from];
      copy(synAcks, 1, from, to);
      copy(newPeers, 1, from, to);
      copy(peers, PEERS, from, to);
      copy(candMac, 1, from, to);
      copy(candVotes, 1, from, to);
      copy(candHits, 1, from, to);
      copy(learnPackets, 1, from, to);
      copy(learnPeak, 1, from, to);
    }
  }

  /** Frozen baselines: the mean count per bin and the peak bin count learned per key. */
  private static final class Baselines extends SlotTable {
    final double[] mean;
    final int[] peak;

    Baselines(int max) {
      super(3, max);
      mean = doubles(1);
      peak = ints(1);
    }

    @Override
    protected void initSlot(int slot) {
      mean[slot] = 0;
      peak[slot] = 0;
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(mean, 1, from, to);
      copy(peak, 1, from, to);
    }
  }
}
