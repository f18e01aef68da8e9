package dev.vigil.features.flow;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.table.SlotTable;

/**
 * Finds command-and-control beacons: a host that keeps opening conversations with the same new peer
 * at a steady period. The traffic of a beacon is small and slow (a poll every few seconds to every
 * hour), so it never moves a host's traffic window; what gives it away is its clock.
 *
 * <p>Three tests, all needed:
 *
 * <ol>
 *   <li><b>A new peer.</b> For the first {@link Options#learnMicros()} of traffic the tracker only
 *       learns which pairs of hosts talk (in either direction), and which services (destination
 *       address, protocol and port) conversations were started to. Afterwards conversations between
 *       a learned pair are ignored: a device's own periodic NTP, DNS, MQTT or cloud polling was
 *       there while learning; and so are conversations to a learned service, whoever starts them: a
 *       device that joins later polls the LAN's DNS, NTP, MQTT or HTTP service as the others did,
 *       which is no command-and-control channel (found in the traffic lab, where a new speaker was
 *       quarantined as a beacon for polling the gateway's HTTP service).
 *   <li><b>Repeated starts.</b> A conversation is one source, destination, protocol and destination
 *       port. It starts at a TCP SYN without ACK, at an ICMP echo request, or at a UDP datagram
 *       after at least half the least period of silence on that conversation. A SYN repeated within
 *       half the least period is the same start (a retransmission).
 *   <li><b>A steady clock.</b> From the {@code minRepeats}-th start on, over every interval between
 *       starts since the conversation began, the last {@value #HISTORY} once there are more, the
 *       mean lies in [{@link Options#minPeriodMicros()}, {@link Options#maxPeriodMicros()}] and the
 *       coefficient of variation is at most {@link Options#maxJitter()}. The least period keeps
 *       floods and scans (many starts a second) out: they are the window detector's business.
 * </ol>
 *
 * <p>Why a dozen intervals and not the last few: a conversation that starts at random (Poisson, the
 * way people and event-driven apps talk) shows five intervals as steady as a beacon's (jitter 0.25)
 * about once in 120 tries; judged at every start, a long random conversation is reported sooner or
 * later (a test of 512 of them reported 40). Twelve intervals at jitter 0.2 came out steady in none
 * of 4 million random draws. In simulation (the defaults: 8 starts, jitter 0.2, 12 intervals), 16
 * of 20,000 random conversations of 400 starts were reported; a beacon sleeping a uniform 50 to 100
 * % of its period was reported by its 8th start half the time and by its 15th 9 times in 10; at 80
 * to 100 %, always at the 8th. An irregular start (an earlier connection to the same server,
 * minutes before) delays the report until it has left the last 12 intervals.
 *
 * <p>A beacon is reported to the {@link Listener} when it first passes, then again after every
 * further {@code minRepeats} starts while it stays steady. Broadcast and multicast destinations are
 * ignored (service announcements are periodic by design).
 *
 * <p>Memory is bounded: at most {@link Options#maxPeers()} learned pairs, as many learned services,
 * and {@link Options#maxConversations()} conversations; at a full table the least recently seen of
 * a few sampled entries is evicted. Nothing is allocated per packet (only per report). Not
 * thread-safe: feed it from the thread that parses.
 */
public final class BeaconTracker implements PacketObserver {
  /**
   * Settings.
   *
   * @param learnMicros how long, from the first packet, pairs of hosts are learned
   * @param minRepeats starts of a conversation needed to judge its clock (3 to 33)
   * @param maxJitter largest coefficient of variation of the intervals between starts
   * @param minPeriodMicros least mean interval
   * @param maxPeriodMicros largest mean interval
   * @param maxPeers most learned pairs
   * @param maxConversations most conversations tracked at once
   */
  public record Options(
      long learnMicros,
      int minRepeats,
      double maxJitter,
      long minPeriodMicros,
      long maxPeriodMicros,
      int maxPeers,
      int maxConversations) {
    /** Validates. */
    public Options {
      if (learnMicros < 0) {
        throw new IllegalArgumentException("learn must not be negative");
      }
      if (minRepeats < 3 || minRepeats > 33) {
        throw new IllegalArgumentException("min-repeats must be 3 to 33, was " + minRepeats);
      }
      if (!(maxJitter > 0 && maxJitter <= 1)) {
        throw new IllegalArgumentException("max-jitter must be in (0, 1], was " + maxJitter);
      }
      if (minPeriodMicros <= 0 || maxPeriodMicros < minPeriodMicros) {
        throw new IllegalArgumentException(
            "need 0 < min-period <= max-period, were "
                + minPeriodMicros
                + " and "
                + maxPeriodMicros);
      }
      if (maxPeers < 16 || maxConversations < 16) {
        throw new IllegalArgumentException("max-peers and max-conversations must be at least 16");
      }
    }

    /**
     * Ten minutes of learning, 8 starts, jitter 0.2, periods from 2 s to 1 h, 65,536 pairs (and as
     * many services) and 4,096 conversations (about 7 MiB together).
     */
    public static Options defaults() {
      return new Options(600_000_000L, 8, 0.2, 2_000_000L, 3_600_000_000L, 65_536, 4_096);
    }

    /** Returns these settings with learning lasting {@code micros}. */
    public Options withLearn(long micros) {
      return new Options(
          micros,
          minRepeats,
          maxJitter,
          minPeriodMicros,
          maxPeriodMicros,
          maxPeers,
          maxConversations);
    }
  }

  /**
   * One report.
   *
   * @param srcHi source address, high half (IPv4 mapped as {@link PacketMeta} keeps it)
   * @param srcLo source address, low half
   * @param dstHi destination address, high half
   * @param dstLo destination address, low half
   * @param protocol IP protocol number
   * @param dstPort destination port (TCP, UDP), or -1
   * @param firstStartMicros the first of the starts judged
   * @param lastStartMicros the start that completed the judgement
   * @param periodSeconds mean interval between the starts judged
   * @param jitter their coefficient of variation
   * @param starts starts of the conversation seen so far
   */
  public record Beacon(
      long srcHi,
      long srcLo,
      long dstHi,
      long dstLo,
      int protocol,
      int dstPort,
      long firstStartMicros,
      long lastStartMicros,
      double periodSeconds,
      double jitter,
      int starts) {
    /** Returns the source address as text. */
    public String source() {
      return Addresses.format(srcHi, srcLo);
    }

    /** Returns the destination address as text. */
    public String destination() {
      return Addresses.format(dstHi, dstLo);
    }

    /** Returns the protocol's name (tcp, udp, icmp, icmpv6, or its number). */
    public String protocolName() {
      return switch (protocol) {
        case PacketMeta.PROTO_TCP -> "tcp";
        case PacketMeta.PROTO_UDP -> "udp";
        case PacketMeta.PROTO_ICMP -> "icmp";
        case PacketMeta.PROTO_ICMPV6 -> "icmpv6";
        default -> Integer.toString(protocol);
      };
    }
  }

  /** Receives reports, on the thread that feeds the tracker. */
  @FunctionalInterface
  public interface Listener {
    /** A steady beacon to a new peer. */
    void onBeacon(Beacon beacon);
  }

  /** Intervals between starts kept per conversation. */
  static final int HISTORY = 12;

  private static final int ICMP_ECHO_REQUEST = 8;
  private static final int ICMPV6_ECHO_REQUEST = 128;

  private final Options options;
  private final Listener listener;
  private final Keys peers;
  private final Keys services;
  private final Conversations conversations;
  private final int intervals;
  private long learnUntil = Long.MIN_VALUE;
  private boolean learning = true;
  private long reports;

  /** Creates a tracker. */
  public BeaconTracker(Options options, Listener listener) {
    this.options = options;
    this.listener = listener;
    this.intervals = Math.max(HISTORY, options.minRepeats() - 1);
    this.peers = new Keys(4, options.maxPeers());
    this.services = new Keys(3, options.maxPeers());
    this.conversations = new Conversations(options.maxConversations(), intervals);
  }

  /** Returns the settings. */
  public Options options() {
    return options;
  }

  /** Returns whether the tracker is still learning pairs (true before the first packet). */
  public boolean learning() {
    return learning;
  }

  /** Returns the number of learned pairs. */
  public int learnedPairs() {
    return peers.size();
  }

  /** Returns the number of conversations tracked now. */
  public int conversations() {
    return conversations.size();
  }

  /** Returns the number of learned services (destination address, protocol and port). */
  public int learnedServices() {
    return services.size();
  }

  /** Returns how many learned pairs, services and conversations were evicted to make room. */
  public long evictions() {
    return peers.evictions() + services.evictions() + conversations.evictions();
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
      learnUntil = ts + options.learnMicros();
    }
    if (groupDestination(m) || (m.srcHi == m.dstHi && m.srcLo == m.dstLo)) {
      return;
    }
    boolean learnNow = false;
    if (learning) {
      if (ts < learnUntil) {
        pairKey(m);
        peers.findOrInsert(ts);
        learnNow = true;
      } else {
        learning = false;
      }
    }
    boolean tcpStart = false;
    switch (m.protocol) {
      case PacketMeta.PROTO_TCP -> {
        if ((m.tcpFlags & (PacketMeta.TCP_SYN | PacketMeta.TCP_ACK)) != PacketMeta.TCP_SYN) {
          return;
        }
        tcpStart = true;
      }
      case PacketMeta.PROTO_UDP -> {}
      case PacketMeta.PROTO_ICMP -> {
        if (m.srcPort != ICMP_ECHO_REQUEST) {
          return;
        }
      }
      case PacketMeta.PROTO_ICMPV6 -> {
        if (m.srcPort != ICMPV6_ECHO_REQUEST) {
          return;
        }
      }
      default -> {
        return;
      }
    }
    int port =
        m.protocol == PacketMeta.PROTO_TCP || m.protocol == PacketMeta.PROTO_UDP ? m.dstPort : -1;
    long[] sk = services.key;
    sk[0] = m.dstHi;
    sk[1] = m.dstLo;
    sk[2] = ((long) m.protocol << 32) | (port & 0xffff_ffffL);
    if (learnNow) {
      services.findOrInsert(ts); // a conversation started to this service while learning
      return;
    }
    if (services.find() >= 0) {
      return; // a service the LAN's hosts used while learning
    }
    pairKey(m);
    if (peers.find() >= 0) {
      return; // a pair that talked while learning
    }
    long[] k = conversations.key;
    k[0] = m.srcHi;
    k[1] = m.srcLo;
    k[2] = m.dstHi;
    k[3] = m.dstLo;
    k[4] = ((long) m.protocol << 32) | (port & 0xffff_ffffL);
    int s = conversations.findOrInsert(ts);
    boolean fresh = conversations.inserted();
    long half = options.minPeriodMicros() / 2;
    long last = conversations.lastSeen[s];
    conversations.lastSeen[s] = ts;
    if (!fresh) {
      if (tcpStart ? ts - conversations.lastStart[s] < half : ts - last < half) {
        return; // a retransmitted SYN, or the same UDP / ICMP exchange
      }
    }
    onStart(s, fresh, ts, m.protocol, port);
  }

  private void onStart(int s, boolean fresh, long ts, int protocol, int port) {
    Conversations c = conversations;
    int n = c.starts[s];
    if (!fresh && n > 0) {
      long interval = ts - c.lastStart[s];
      c.ring[s * intervals + (n - 1) % intervals] = interval;
    }
    c.starts[s] = ++n;
    c.lastStart[s] = ts;
    if (n < options.minRepeats()) {
      return;
    }
    if (c.reportedAt[s] > 0 && n - c.reportedAt[s] < options.minRepeats()) {
      return;
    }
    int b = s * intervals;
    int k = Math.min(n - 1, intervals); // the ring fills from its start, so these are its first k
    double sum = 0;
    for (int i = 0; i < k; i++) {
      sum += c.ring[b + i];
    }
    double mean = sum / k;
    if (mean < options.minPeriodMicros() || mean > options.maxPeriodMicros()) {
      return;
    }
    double q = 0;
    for (int i = 0; i < k; i++) {
      double d = c.ring[b + i] - mean;
      q += d * d;
    }
    double cv = Math.sqrt(q / k) / mean;
    if (cv > options.maxJitter()) {
      return;
    }
    c.reportedAt[s] = n;
    reports++;
    listener.onBeacon(
        new Beacon(
            c.keyAt(s, 0),
            c.keyAt(s, 1),
            c.keyAt(s, 2),
            c.keyAt(s, 3),
            protocol,
            port,
            ts - Math.round(sum),
            ts,
            mean / 1e6,
            cv,
            n));
  }

  private void pairKey(PacketMeta m) {
    long[] k = peers.key;
    boolean srcFirst = m.srcHi < m.dstHi || (m.srcHi == m.dstHi && m.srcLo < m.dstLo);
    k[0] = srcFirst ? m.srcHi : m.dstHi;
    k[1] = srcFirst ? m.srcLo : m.dstLo;
    k[2] = srcFirst ? m.dstHi : m.srcHi;
    k[3] = srcFirst ? m.dstLo : m.srcLo;
  }

  /**
   * A broadcast or multicast destination, by the frame's MAC or the IP address (shared with {@link
   * FloodDetector} and {@link ScanDetector}: one definition of "group", not two copies that could
   * differ).
   */
  static boolean groupDestination(PacketMeta m) {
    if (((m.dstMac >>> 40) & 1) != 0) {
      return true;
    }
    if (Addresses.isMappedIpv4(m.dstHi, m.dstLo)) {
      int v = (int) m.dstLo;
      return (v >>> 28) == 0xE || v == -1;
    }
    return (m.dstHi >>> 56) == 0xff;
  }

  /** Learned pairs of hosts, or services: key only. */
  private static final class Keys extends SlotTable {
    Keys(int width, int max) {
      super(width, max);
    }

    @Override
    protected void initSlot(int slot) {}

    @Override
    protected void moveValues(int from, int to) {}
  }

  /** Conversations with novel peers. */
  private static final class Conversations extends SlotTable {
    final long[] lastStart;
    final long[] lastSeen;
    final int[] starts;
    final int[] reportedAt;
    final long[] ring;
    final int stride;

    Conversations(int max, int stride) {
      super(5, max);
      this.stride = stride;
      lastStart = longs(1);
      lastSeen = longs(1);
      starts = ints(1);
      reportedAt = ints(1);
      ring = longs(stride);
    }

    @Override
    protected void initSlot(int slot) {
      lastStart[slot] = 0;
      lastSeen[slot] = 0;
      starts[slot] = 0;
      reportedAt[slot] = 0;
      // The ring is not cleared: onStart reads only the intervals this conversation wrote (its
      // first min(starts - 1, stride)), so a new entry never sees an old one's; not touching it
      // keeps a scan (every pair new) from pulling two cache lines per insert.
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(lastStart, 1, from, to);
      copy(lastSeen, 1, from, to);
      copy(starts, 1, from, to);
      copy(reportedAt, 1, from, to);
      // Only the intervals written are ever read (see initSlot): the first starts - 1, at most
      // the ring's length.
      int written = Math.min(Math.max(starts[from] - 1, 0), stride);
      System.arraycopy(ring, from * stride, ring, to * stride, written);
    }
  }
}
