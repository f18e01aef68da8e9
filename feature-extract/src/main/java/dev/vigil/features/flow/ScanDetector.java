package dev.vigil.features.flow;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.table.SlotTable;

/**
 * Finds port scanners by Threshold Random Walk (Jung, Paxson, Berger and Balakrishnan, "Fast
 * Portscan Detection Using Sequential Hypothesis Testing", IEEE S&amp;P 2004): a sequential
 * hypothesis test, per source address, on whether its first contacts with other hosts' services
 * succeed.
 *
 * <p>Why this test: a benign host mostly connects to services that exist (it learned of them from
 * DNS, configuration or a user); a scanner probes blindly, and most probes fail. Counting failures
 * in a window needs a threshold per network and waits for the window; the random walk needs no
 * window and decides after as few attempts as the evidence allows (four failed first contacts at
 * the defaults), with false-alarm and detection rates that are its parameters rather than guesses.
 *
 * <h2>Attempts and outcomes</h2>
 *
 * An attempt is a TCP SYN without ACK, a UDP datagram, an ICMP/ICMPv6 echo request (a ping sweep's
 * probe) or an ARP request (an ARP sweep: nmap's host discovery on a LAN) from a source to a
 * (destination, protocol, port) it has not contacted within {@link Options#memoryMicros()}
 * (retransmissions and repeated connections to one service count once: TRW judges first contacts,
 * not load). Broadcast and multicast destinations and packets to oneself are ignored. A UDP
 * datagram that answers a known attempt (from its destination and port back to its source) is that
 * attempt's reply, not an attempt. Outcomes, each counted once per attempt:
 *
 * <ul>
 *   <li>TCP: a SYN-ACK back is a success; a RST back, or an ICMP/ICMPv6 destination unreachable to
 *       the source quoting the attempt, is a failure; no answer within {@link
 *       Options#timeoutMicros()} is a failure when the destination is a site-local address ({@link
 *       Addresses#isSiteLocal}: the LAN, where a live host answers at once) and neutral when it is
 *       remote: when the uplink is down, every device's cloud connections go unanswered, and a
 *       phone set up on an access point without Internet tries a dozen services in a row (two such
 *       hosts in the shared benign captures were reported before this rule); a refusal from a
 *       remote host (RST, ICMP unreachable) still counts.
 *   <li>UDP: any UDP reply from the destination's port is a success; an ICMP unreachable quoting it
 *       is a failure; no answer is neutral (UDP has no handshake, so silence proves nothing).
 *   <li>Echo requests as TCP: the echo reply is a success, an unreachable quoting it or (to a
 *       site-local address) no reply within the timeout a failure. ARP requests: the reply from the
 *       address asked for is a success, none within the timeout a failure (ARP never leaves the
 *       LAN); gratuitous ARP and probes from 0.0.0.0 are no attempts. The shared captures hold a
 *       ping sweep (Slips test12) and an ARP sweep (test8) that no TCP/UDP rule sees.
 * </ul>
 *
 * <h2>The walk</h2>
 *
 * With θ0 = P(success | benign) and θ1 = P(success | scanner), each success adds ln(θ1/θ0) and each
 * failure ln((1−θ1)/(1−θ0)) to the source's log-likelihood ratio. At ln η1 = ln(PD/PF) or above the
 * source is reported as a scanner; at ln η0 = ln((1−PD)/(1−PF)) or below it is judged benign for
 * now. Either way the walk restarts at 0, so a scanner is reported again only after another full
 * crossing, and at most once per {@link #REPEAT_MICROS}, and a host that turns to scanning after a
 * benign verdict is judged afresh (a restart, unlike the paper's final verdict, keeps the detector
 * useful on a long-running gateway).
 *
 * <p>At the defaults (0.8, 0.2, 0.99, 0.01) a failure adds ln 4 = 1.386 and η1 = 99 (ln 4.595): a
 * source whose attempts all fail is reported at its 4th failure; four more successes than failures
 * make it benign. The paper's expected number of attempts to a decision (Wald's approximation,
 * overshoot ignored) is {@link Options#expectedAttemptsScanner()} E[N|H1] = (PD ln η1 + (1−PD) ln
 * η0) / (θ1 ln(θ1/θ0) + (1−θ1) ln((1−θ1)/(1−θ0))) = 5.4 for a scanner whose probes succeed with
 * probability θ1, and as many ({@link Options#expectedAttemptsBenign()}) for a benign host.
 *
 * <h2>Sweeps</h2>
 *
 * A ping or ARP sweep of the LAN in which many probed hosts answer is no scanner to the walk:
 * Slips' test12 pings 20 LAN addresses in 0.75 s and 11 answer, which the walk rightly calls
 * benign. Yet a sweep's other mark is plain: its fan-out. Across the 423 benign device setups of
 * the shared captures no host first-contacted more than 3 distinct site-local hosts within 10 s. So
 * a source that first-contacts {@link Options#sweepHosts()} (12) distinct site-local hosts within
 * {@link Options#sweepSpanMicros()} (10 s), and whose outcomes in that span hold more failures than
 * a benign host's share (a failure fraction above 1 − θ0), is reported as a {@code sweep}. The
 * failure condition spares the host that legitimately talks to many LAN devices at once (a hub or a
 * video recorder polling its cameras after a restart, when nothing is remembered): its devices
 * exist and answer. A silent probe counts as failed at its timeout, so a sweep whose hosts mostly
 * answer is reported after its first silent probes time out (about 4 s into test12). The span is
 * counted per source from its first new host; a fresh span starts with the first new host after it
 * ends.
 *
 * <h2>Cost</h2>
 *
 * Nothing is allocated per packet (only per report). At most {@link Options#maxSources()} sources
 * and {@link Options#maxAttempts()} remembered contacts; at a full table the least recently touched
 * of a few sampled entries is evicted (counted by {@link #evictions()}). Pending TCP attempts wait
 * for their timeout in a FIFO ring in the order they began; it is expired from its head on every
 * packet and on {@link #tick}, and an entry whose contact was evicted or answered is skipped (each
 * contact has a serial number the ring entry must match). Defaults take about 12 MiB. Not
 * thread-safe: feed it and tick it from the thread that parses.
 */
public final class ScanDetector implements PacketObserver {
  /**
   * Settings.
   *
   * @param benignSuccess θ0, the probability that a benign host's first contact succeeds
   * @param scannerSuccess θ1, the same for a scanner (less than θ0)
   * @param detection PD, the detection probability the thresholds aim at
   * @param falseAlarm PF, the false-alarm probability they aim at (less than PD)
   * @param timeoutMicros how long a TCP attempt may go unanswered before it counts as failed
   * @param memoryMicros how long a contact is remembered after its last packet (at least the
   *     timeout): a contact again within it is not a new attempt
   * @param maxSources most sources judged at once
   * @param maxAttempts most contacts remembered at once, and most TCP attempts awaiting a timeout
   * @param sweepHosts distinct site-local hosts a source must first-contact within {@code
   *     sweepSpanMicros} to be judged a sweep (with more failures than a benign host; see the class
   *     comment); 0 turns the sweep rule off
   * @param sweepSpanMicros the span in which those first contacts are counted (at least the
   *     timeout, so that silent probes are judged within it)
   */
  public record Options(
      double benignSuccess,
      double scannerSuccess,
      double detection,
      double falseAlarm,
      long timeoutMicros,
      long memoryMicros,
      int maxSources,
      int maxAttempts,
      int sweepHosts,
      long sweepSpanMicros) {
    /** The sweep rule's defaults: 12 hosts within 10 s. */
    public static final int SWEEP_HOSTS = 12;

    /** The span of the sweep rule by default. */
    public static final long SWEEP_SPAN_MICROS = 10_000_000L;

    /** The walk's settings with the sweep rule at its defaults. */
    public Options(
        double benignSuccess,
        double scannerSuccess,
        double detection,
        double falseAlarm,
        long timeoutMicros,
        long memoryMicros,
        int maxSources,
        int maxAttempts) {
      this(
          benignSuccess,
          scannerSuccess,
          detection,
          falseAlarm,
          timeoutMicros,
          memoryMicros,
          maxSources,
          maxAttempts,
          SWEEP_HOSTS,
          SWEEP_SPAN_MICROS);
    }

    /** Validates. */
    public Options {
      if (!(0 < scannerSuccess && scannerSuccess < benignSuccess && benignSuccess < 1)) {
        throw new IllegalArgumentException(
            "need 0 < scanner-success < benign-success < 1, were "
                + scannerSuccess
                + " and "
                + benignSuccess);
      }
      if (!(0 < falseAlarm && falseAlarm < detection && detection < 1)) {
        throw new IllegalArgumentException(
            "need 0 < false-alarm < detection < 1, were " + falseAlarm + " and " + detection);
      }
      if (timeoutMicros <= 0) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeoutMicros);
      }
      if (memoryMicros < timeoutMicros) {
        throw new IllegalArgumentException(
            "memory must be at least the timeout, were " + memoryMicros + " and " + timeoutMicros);
      }
      if (maxSources < 16) {
        throw new IllegalArgumentException("max-sources must be at least 16, was " + maxSources);
      }
      if (maxAttempts < 16) {
        throw new IllegalArgumentException("max-attempts must be at least 16, was " + maxAttempts);
      }
      if (sweepHosts != 0 && (sweepHosts < 3 || sweepHosts > 65_536)) {
        throw new IllegalArgumentException(
            "sweep-hosts must be 0 (off) or 3 to 65536, was " + sweepHosts);
      }
      if (sweepSpanMicros < timeoutMicros) {
        throw new IllegalArgumentException(
            "sweep-span must be at least the timeout, were "
                + sweepSpanMicros
                + " and "
                + timeoutMicros);
      }
    }

    /**
     * The paper's settings (θ0 0.8, θ1 0.2, PD 0.99, PF 0.01), a 3 s timeout, 10 min of memory,
     * 4,096 sources and 65,536 contacts (about 12 MiB together).
     */
    public static Options defaults() {
      return new Options(0.8, 0.2, 0.99, 0.01, 3_000_000L, 600_000_000L, 4096, 65_536);
    }

    /** Returns ln η1 = ln(PD/PF), the log-likelihood ratio at which a source is a scanner. */
    public double upperLogThreshold() {
      return Math.log(detection / falseAlarm);
    }

    /** Returns ln η0 = ln((1−PD)/(1−PF)), at which a source is judged benign. */
    public double lowerLogThreshold() {
      return Math.log((1 - detection) / (1 - falseAlarm));
    }

    /** Returns ln(θ1/θ0), what a success adds (negative). */
    public double successStep() {
      return Math.log(scannerSuccess / benignSuccess);
    }

    /** Returns ln((1−θ1)/(1−θ0)), what a failure adds (positive). */
    public double failureStep() {
      return Math.log((1 - scannerSuccess) / (1 - benignSuccess));
    }

    /** Returns how many failures in a row report a source: ⌈ln η1 / ln((1−θ1)/(1−θ0))⌉. */
    public int failuresToReport() {
      return (int) Math.ceil(upperLogThreshold() / failureStep());
    }

    /**
     * Returns E[N|H1], the paper's expected number of outcomes before a scanner (successes with
     * probability θ1) is decided on (Wald's approximation, which ignores the overshoot).
     */
    public double expectedAttemptsScanner() {
      double t1 = scannerSuccess;
      return (detection * upperLogThreshold() + (1 - detection) * lowerLogThreshold())
          / (t1 * successStep() + (1 - t1) * failureStep());
    }

    /** Returns E[N|H0], the same for a benign host (successes with probability θ0). */
    public double expectedAttemptsBenign() {
      double t0 = benignSuccess;
      return ((1 - falseAlarm) * lowerLogThreshold() + falseAlarm * upperLogThreshold())
          / (t0 * successStep() + (1 - t0) * failureStep());
    }
  }

  /**
   * One report: a source whose walk crossed the upper threshold. Counts are since its walk last
   * started; outcomes of attempts begun before that restart count in the new walk, so {@code
   * successes + failures} may exceed {@code attempts}.
   *
   * @param srcHi the scanner's address, high half (IPv4 mapped as {@link PacketMeta} keeps it)
   * @param srcLo the scanner's address, low half
   * @param srcMac the source MAC of its last attempt
   * @param attempts attempts begun since the walk started
   * @param successes successes counted since
   * @param failures failures counted since
   * @param udpAttempts of the attempts, how many were UDP
   * @param hosts distinct destinations among the source's last {@value #RECENT} attempts
   * @param ports distinct destination ports among them
   * @param kind {@code horizontal} (many hosts, few ports), {@code vertical} (few hosts, many
   *     ports) or {@code mixed}; {@code sweep} for the sweep rule (then {@code attempts} and {@code
   *     hosts} are the new site-local hosts of its span, {@code successes} and {@code failures} the
   *     outcomes judged in it, and {@code firstMicros} the span's start)
   * @param samplePorts up to 8 distinct destination ports of those attempts, newest first
   * @param firstMicros the time of the first attempt since the walk started (packet time), or the
   *     report's time if none began since
   * @param lastMicros the time of the outcome that made the report
   * @param logLikelihoodRatio the walk's value at the report
   */
  public record Report(
      long srcHi,
      long srcLo,
      long srcMac,
      int attempts,
      int successes,
      int failures,
      int udpAttempts,
      int hosts,
      int ports,
      String kind,
      int[] samplePorts,
      long firstMicros,
      long lastMicros,
      double logLikelihoodRatio) {
    /** Returns the scanner's address as text. */
    public String src() {
      return Addresses.format(srcHi, srcLo);
    }

    /** Returns the scanner's MAC as text. */
    public String mac() {
      return Addresses.formatMac(srcMac);
    }
  }

  /** Receives reports, on the thread that feeds the detector. */
  @FunctionalInterface
  public interface Listener {
    /** A source crossed the scanner threshold. */
    void onScan(Report r);
  }

  /** Destinations (address hash and port) of its last attempts kept per source. */
  static final int RECENT = 16;

  private static final int SAMPLE_PORTS = 8;
  private static final long UNSET = Long.MIN_VALUE;

  /**
   * How long after a report a source's further crossings are not reported again (its walk still
   * restarts): a scan of a thousand ports crosses every 4 failures, and one alert per crossing
   * would be hundreds per scan. {@link #suppressed()} counts the crossings held back.
   */
  public static final long REPEAT_MICROS = 10_000_000L;

  private final Options options;
  private final Listener listener;
  private final double upper;
  private final double lower;
  private final double successStep;
  private final double failureStep;
  private final int failuresToReport;
  private final Sources sources;
  private final Contacts contacts;
  private long attempts;
  private long reports;
  private long suppressed;
  private long nextSerial;

  /** Creates a detector. */
  public ScanDetector(Options options, Listener listener) {
    this.options = options;
    this.listener = listener;
    this.upper = options.upperLogThreshold();
    this.lower = options.lowerLogThreshold();
    this.successStep = options.successStep();
    this.failureStep = options.failureStep();
    this.failuresToReport = options.failuresToReport();
    this.sources = new Sources(options.maxSources());
    this.contacts = new Contacts(options.maxAttempts());
  }

  /** Returns the settings. */
  public Options options() {
    return options;
  }

  /** Returns the attempts (first contacts) seen. */
  public long attempts() {
    return attempts;
  }

  /** Returns the reports made. */
  public long reports() {
    return reports;
  }

  /**
   * Returns the crossings not reported because their source was reported less than {@link
   * #REPEAT_MICROS} before.
   */
  public long suppressed() {
    return suppressed;
  }

  /** Returns the sources judged now. */
  public int sources() {
    return sources.size();
  }

  /** Returns the contacts remembered now. */
  public int contacts() {
    return contacts.size();
  }

  /** Returns the TCP attempts awaiting an answer or their timeout (stale ring entries included). */
  public int pending() {
    return contacts.ringCount;
  }

  /**
   * Returns how many entries were dropped to stay within bounds: sources and contacts evicted, and
   * pending attempts pushed out of a full timeout ring (they are never judged).
   */
  public long evictions() {
    return sources.evictions() + contacts.evictions() + contacts.ringDrops;
  }

  /**
   * Expires TCP attempts unanswered for the timeout as of {@code nowMicros}; the daemon calls it
   * about once a second with wall-clock microseconds, so that a scanner that falls silent is still
   * judged. Packets expire them too, by their own time.
   */
  public void tick(long nowMicros) {
    expire(nowMicros);
  }

  /**
   * The contact "protocol and port" of a host as a whole (for the sweep rule): none a packet has.
   */
  private static final long HOST = contactPort(0xffff, -1);

  /** The contact "protocol" of an ARP request (its EtherType): an address asked for. */
  static final int ARP = PacketMeta.L3_ARP;

  @Override
  public void update(PacketMeta m) {
    if (m.l3 == PacketMeta.L3_ARP) {
      long ts = m.timestampMicros;
      expire(ts);
      arp(m, ts);
      return;
    }
    if (m.l3 != PacketMeta.L3_IPV4 && m.l3 != PacketMeta.L3_IPV6) {
      return;
    }
    long ts = m.timestampMicros;
    expire(ts);
    if (m.fragment) {
      return;
    }
    switch (m.protocol) {
      case PacketMeta.PROTO_TCP -> {
        int f = m.tcpFlags & (PacketMeta.TCP_SYN | PacketMeta.TCP_ACK | PacketMeta.TCP_RST);
        if (f == PacketMeta.TCP_SYN) {
          attempt(m, ts, PacketMeta.PROTO_TCP);
        } else if ((f & PacketMeta.TCP_RST) != 0) {
          replyKey(m, PacketMeta.PROTO_TCP);
          outcome(ts, false);
        } else if (f == (PacketMeta.TCP_SYN | PacketMeta.TCP_ACK)) {
          replyKey(m, PacketMeta.PROTO_TCP);
          outcome(ts, true);
        }
      }
      case PacketMeta.PROTO_UDP -> {
        replyKey(m, PacketMeta.PROTO_UDP);
        if (!outcome(ts, true)) {
          attempt(m, ts, PacketMeta.PROTO_UDP);
        }
      }
      case PacketMeta.PROTO_ICMP, PacketMeta.PROTO_ICMPV6 -> {
        boolean v6 = m.protocol == PacketMeta.PROTO_ICMPV6;
        int type = m.icmpType;
        if (type == (v6 ? 128 : 8)) { // echo request: a ping sweep's probe
          attempt(m, ts, m.protocol);
        } else if (type == (v6 ? 129 : 0)) { // echo reply
          replyKey(m, m.protocol);
          outcome(ts, true);
        } else {
          unreachable(m, ts);
        }
      }
      default -> {}
    }
  }

  /**
   * An ARP request is an attempt to reach the address it asks for (an ARP sweep is a LAN scan's
   * first step, nmap's host discovery); the reply from that address is its success, no reply within
   * the timeout its failure. Gratuitous ARP (asking for one's own address) and probes (from
   * 0.0.0.0, RFC 5227) are no attempts.
   */
  private void arp(PacketMeta m, long ts) {
    if (m.srcLo == m.dstLo && m.srcHi == m.dstHi) {
      return;
    }
    if (m.protocol == 1) { // request
      if (m.srcLo == Addresses.mappedLo(0)) {
        return;
      }
      attempt(m, ts, ARP);
    } else if (m.protocol == 2) { // reply: from the address asked for, to the asker
      replyKey(m, ARP);
      outcome(ts, true);
    }
  }

  /**
   * An ICMP destination unreachable: a failure of the attempt it quotes, if it is addressed to the
   * attempt's source (a quote of someone else's datagram proves nothing about this one's sender).
   */
  private void unreachable(PacketMeta m, long ts) {
    int proto = m.icmpInnerProtocol;
    boolean ported = proto == PacketMeta.PROTO_TCP || proto == PacketMeta.PROTO_UDP;
    boolean echo = proto == PacketMeta.PROTO_ICMP || proto == PacketMeta.PROTO_ICMPV6;
    if ((ported && m.icmpInnerDstPort < 0)
        || (!ported && !echo)
        || m.icmpInnerSrcHi != m.dstHi
        || m.icmpInnerSrcLo != m.dstLo) {
      return;
    }
    long[] k = contacts.key;
    k[0] = m.icmpInnerSrcHi;
    k[1] = m.icmpInnerSrcLo;
    k[2] = m.icmpInnerDstHi;
    k[3] = m.icmpInnerDstLo;
    k[4] = contactPort(proto, ported ? m.icmpInnerDstPort : 0);
    outcome(ts, false);
  }

  /** Fills the contact key of the attempt {@code m} would answer (its reverse direction). */
  private void replyKey(PacketMeta m, int proto) {
    long[] k = contacts.key;
    k[0] = m.dstHi;
    k[1] = m.dstLo;
    k[2] = m.srcHi;
    k[3] = m.srcLo;
    boolean ported = proto == PacketMeta.PROTO_TCP || proto == PacketMeta.PROTO_UDP;
    k[4] = contactPort(proto, ported ? m.srcPort : 0);
  }

  private static long contactPort(int proto, int port) {
    return ((long) proto << 32) | (port & 0xffff_ffffL);
  }

  /**
   * Counts the outcome of the contact in the key scratch, if it is remembered; judges it if it was
   * still pending. Returns whether the contact was known.
   */
  private boolean outcome(long ts, boolean success) {
    Contacts c = contacts;
    int s = c.find();
    if (s < 0) {
      return false;
    }
    c.touch(s, ts);
    c.last[s] = ts;
    if (c.state[s] != Contacts.DONE) {
      c.state[s] = Contacts.DONE;
      judge(c.keyAt(s, 0), c.keyAt(s, 1), ts, success);
    }
    return true;
  }

  private void attempt(PacketMeta m, long ts, int proto) {
    boolean ported = proto == PacketMeta.PROTO_TCP || proto == PacketMeta.PROTO_UDP;
    if ((ported && m.dstPort < 0)
        || (proto != ARP && BeaconTracker.groupDestination(m))
        || (m.srcHi == m.dstHi && m.srcLo == m.dstLo)) {
      return;
    }
    Contacts c = contacts;
    long[] k = c.key;
    k[0] = m.srcHi;
    k[1] = m.srcLo;
    k[2] = m.dstHi;
    k[3] = m.dstLo;
    int port = ported ? m.dstPort : 0;
    k[4] = contactPort(proto, port);
    int s = c.findOrInsert(ts);
    if (!c.inserted() && ts - c.last[s] <= options.memoryMicros()) {
      c.last[s] = ts; // a retransmission, or another connection to a service contacted before
      return;
    }
    long serial = ++nextSerial;
    c.last[s] = ts;
    c.serial[s] = serial;
    if (proto == ARP
        || (proto != PacketMeta.PROTO_UDP && Addresses.isSiteLocal(m.dstHi, m.dstLo))) {
      // ARP, and TCP or an echo request to a site-local address: unanswered by the timeout, failed
      c.state[s] = Contacts.PENDING_TCP;
      c.push(s, serial, ts + options.timeoutMicros());
    } else {
      // UDP: silence is neutral (no handshake). TCP or ping to a remote address: silence is
      // neutral too, only a refusal counts, or every device would be a scanner while the uplink
      // is down.
      c.state[s] = Contacts.PENDING_UDP;
    }
    attempts++;
    boolean newHost =
        options.sweepHosts() > 0
            && (proto == ARP || Addresses.isSiteLocal(m.dstHi, m.dstLo))
            && newHost(m, ts);

    Sources q = sources;
    q.key[0] = m.srcHi;
    q.key[1] = m.srcLo;
    int i = q.findOrInsert(ts);
    if (newHost) {
      if (q.sweepStart[i] == UNSET || ts - q.sweepStart[i] > options.sweepSpanMicros()) {
        q.sweepStart[i] = ts;
        q.sweepHosts[i] = 0;
        q.sweepOk[i] = 0;
        q.sweepFailed[i] = 0;
      }
      q.sweepHosts[i]++;
    }
    if (q.attempts[i]++ == 0) {
      q.first[i] = ts;
    }
    if (proto == PacketMeta.PROTO_UDP) {
      q.udp[i]++;
    }
    q.mac[i] = m.srcMac;
    int at = i * RECENT + (q.recent[i]++ & (RECENT - 1));
    q.dstHash[at] = (int) SlotTable.mix(m.dstHi * 0x9E3779B97F4A7C15L ^ m.dstLo);
    q.dstPort[at] = port;
    if (newHost) {
      sweep(i, m.srcHi, m.srcLo, ts);
    }
  }

  /**
   * Returns whether the destination of {@code m}, as a host, is new to its source (not contacted on
   * any protocol or port within the memory); remembers it. The host contacts share the contact
   * table under a protocol no packet has.
   */
  private boolean newHost(PacketMeta m, long ts) {
    Contacts c = contacts;
    long[] k = c.key;
    k[0] = m.srcHi;
    k[1] = m.srcLo;
    k[2] = m.dstHi;
    k[3] = m.dstLo;
    k[4] = HOST;
    int s = c.findOrInsert(ts);
    boolean fresh = c.inserted() || ts - c.last[s] > options.memoryMicros();
    c.last[s] = ts;
    c.state[s] = Contacts.DONE;
    return fresh;
  }

  /**
   * Reports source slot {@code i} as a sweep if its span holds enough new site-local hosts and more
   * failures than a benign host's share; a span is reported once.
   */
  private void sweep(int i, long srcHi, long srcLo, long ts) {
    Sources q = sources;
    int failed = q.sweepFailed[i];
    int judged = failed + q.sweepOk[i];
    if (q.sweepHosts[i] < options.sweepHosts()
        || failed < failuresToReport
        || failed <= (1 - options.benignSuccess()) * judged
        || ts - q.sweepStart[i] > options.sweepSpanMicros() + options.timeoutMicros()) {
      return;
    }
    long last = q.reportedAt[i];
    if (last != UNSET && ts - last < REPEAT_MICROS) {
      suppressed++;
    } else {
      q.reportedAt[i] = ts;
      reports++;
      Report r = report(i, srcHi, srcLo, ts, q.llr[i]);
      listener.onScan(
          new Report(
              r.srcHi(),
              r.srcLo(),
              r.srcMac(),
              q.sweepHosts[i],
              q.sweepOk[i],
              failed,
              r.udpAttempts(),
              q.sweepHosts[i],
              r.ports(),
              "sweep",
              r.samplePorts(),
              q.sweepStart[i],
              ts,
              r.logLikelihoodRatio()));
    }
    q.sweepHosts[i] = Integer.MIN_VALUE; // this span is reported; the next starts afresh
  }

  /** Expires pending TCP attempts whose deadline is at or before {@code now}: failures. */
  private void expire(long now) {
    Contacts c = contacts;
    while (c.ringCount > 0 && c.ringDeadline[c.ringHead] <= now) {
      int h = c.ringHead;
      int s = c.ringSlot[h];
      long serial = c.ringSerial[h];
      c.ringHead = h + 1 == c.ringSlot.length ? 0 : h + 1;
      c.ringCount--;
      if (c.isUsed(s) && c.serial[s] == serial && c.state[s] == Contacts.PENDING_TCP) {
        c.state[s] = Contacts.DONE;
        judge(c.keyAt(s, 0), c.keyAt(s, 1), c.ringDeadline[h], false); // failed at its deadline
      }
    }
  }

  /** Takes one step of the source's walk; reports or restarts it at a threshold. */
  private void judge(long srcHi, long srcLo, long ts, boolean success) {
    Sources q = sources;
    q.key[0] = srcHi;
    q.key[1] = srcLo;
    int i = q.find();
    if (i < 0) {
      return; // evicted since its attempt: its walk is gone
    }
    q.touch(i, ts);
    double llr = q.llr[i] + (success ? successStep : failureStep);
    if (success) {
      q.successes[i]++;
      q.sweepOk[i]++;
    } else {
      q.failures[i]++;
      q.sweepFailed[i]++;
    }
    q.llr[i] = llr;
    if (llr >= upper) {
      long last = q.reportedAt[i];
      if (last != UNSET && ts - last < REPEAT_MICROS) {
        suppressed++;
      } else {
        q.reportedAt[i] = ts;
        reports++;
        listener.onScan(report(i, srcHi, srcLo, ts, llr));
      }
      q.restart(i);
    } else if (llr <= lower) {
      q.restart(i);
    }
    if (!success && q.sweepHosts[i] > 0) {
      sweep(i, srcHi, srcLo, ts); // after the walk: a scan the walk reports is reported as such
    }
  }

  /** Builds a report (allocates). */
  private Report report(int i, long srcHi, long srcLo, long ts, double llr) {
    Sources q = sources;
    int n = Math.min(q.recent[i], RECENT);
    int b = i * RECENT;
    int hosts = 0;
    int ports = 0;
    int[] sample = new int[Math.min(n, SAMPLE_PORTS)];
    int sampled = 0;
    // newest first: the ring's last write is at (recent - 1) mod RECENT
    for (int j = 0; j < n; j++) {
      int at = b + ((q.recent[i] - 1 - j) & (RECENT - 1));
      boolean newHost = true;
      boolean newPort = true;
      for (int e = 0; e < j; e++) {
        int other = b + ((q.recent[i] - 1 - e) & (RECENT - 1));
        newHost &= q.dstHash[other] != q.dstHash[at];
        newPort &= q.dstPort[other] != q.dstPort[at];
      }
      if (newHost) {
        hosts++;
      }
      if (newPort) {
        ports++;
        if (sampled < sample.length) {
          sample[sampled++] = q.dstPort[at];
        }
      }
    }
    long first = q.first[i] == UNSET ? ts : q.first[i];
    return new Report(
        srcHi,
        srcLo,
        q.mac[i],
        q.attempts[i],
        q.successes[i],
        q.failures[i],
        q.udp[i],
        hosts,
        ports,
        kind(n, hosts, ports),
        java.util.Arrays.copyOf(sample, sampled),
        first,
        ts,
        llr);
  }

  /**
   * Names the scan's shape from the distinct hosts and ports of {@code n} recent attempts: few
   * hosts (at most a quarter of the attempts, or two) probed on more ports is vertical; few ports
   * on more hosts is horizontal (a worm's sweep of a service or two, as Mirai's of 23 and 2323);
   * anything else is mixed.
   */
  static String kind(int n, int hosts, int ports) {
    int few = Math.max(2, n / 4);
    if (hosts <= few && ports > hosts) {
      return "vertical";
    }
    if (ports <= few && hosts > ports) {
      return "horizontal";
    }
    return "mixed";
  }

  /** Sources and their walks. */
  private static final class Sources extends SlotTable {
    final double[] llr;
    final int[] attempts;
    final int[] successes;
    final int[] failures;
    final int[] udp;
    final int[] recent;
    final long[] first;
    final long[] mac;
    final long[] reportedAt;
    final int[] dstHash;
    final int[] dstPort;
    final long[] sweepStart;
    final int[] sweepHosts;
    final int[] sweepOk;
    final int[] sweepFailed;

    Sources(int max) {
      super(2, max);
      llr = doubles(1);
      attempts = ints(1);
      successes = ints(1);
      failures = ints(1);
      udp = ints(1);
      recent = ints(1);
      first = longs(1);
      mac = longs(1);
      reportedAt = longs(1);
      dstHash = ints(RECENT);
      dstPort = ints(RECENT);
      sweepStart = longs(1);
      sweepHosts = ints(1);
      sweepOk = ints(1);
      sweepFailed = ints(1);
    }

    /** Starts the walk afresh; the recent destinations stay (they describe the source). */
    void restart(int slot) {
      llr[slot] = 0;
      attempts[slot] = 0;
      successes[slot] = 0;
      failures[slot] = 0;
      udp[slot] = 0;
      first[slot] = UNSET;
    }

    @Override
    protected void initSlot(int slot) {
      restart(slot);
      recent[slot] = 0;
      mac[slot] = 0;
      reportedAt[slot] = UNSET;
      sweepStart[slot] = UNSET;
      sweepHosts[slot] = 0;
      sweepOk[slot] = 0;
      sweepFailed[slot] = 0;
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(llr, 1, from, to);
      copy(attempts, 1, from, to);
      copy(successes, 1, from, to);
      copy(failures, 1, from, to);
      copy(udp, 1, from, to);
      copy(recent, 1, from, to);
      copy(first, 1, from, to);
      copy(mac, 1, from, to);
      copy(reportedAt, 1, from, to);
      copy(dstHash, RECENT, from, to);
      copy(dstPort, RECENT, from, to);
      copy(sweepStart, 1, from, to);
      copy(sweepHosts, 1, from, to);
      copy(sweepOk, 1, from, to);
      copy(sweepFailed, 1, from, to);
    }
  }

  /**
   * Remembered contacts (source, destination, protocol and port) and the FIFO ring of pending TCP
   * attempts. A ring entry names its contact's slot and serial; when backward-shift deletion moves
   * a pending contact, {@link #moveValues} re-points its ring entry, so expiry costs no lookup.
   */
  private static final class Contacts extends SlotTable {
    static final byte PENDING_TCP = 1;
    static final byte PENDING_UDP = 2;
    static final byte DONE = 3;

    final long[] last;
    final long[] serial;
    final byte[] state;
    final int[] ringPos;
    final int[] ringSlot;
    final long[] ringSerial;
    final long[] ringDeadline;
    int ringHead;
    int ringCount;
    long ringDrops;

    Contacts(int max) {
      super(5, max);
      last = longs(1);
      serial = longs(1);
      state = new byte[capacity];
      ringPos = ints(1);
      ringSlot = new int[max];
      ringSerial = new long[max];
      ringDeadline = new long[max];
    }

    /** Appends a pending attempt; at a full ring the oldest entry is dropped unjudged. */
    void push(int slot, long id, long deadline) {
      int n = ringSlot.length;
      if (ringCount == n) {
        ringHead = ringHead + 1 == n ? 0 : ringHead + 1;
        ringCount--;
        ringDrops++;
      }
      int at = ringHead + ringCount;
      if (at >= n) {
        at -= n;
      }
      ringSlot[at] = slot;
      ringSerial[at] = id;
      ringDeadline[at] = deadline;
      ringPos[slot] = at;
      ringCount++;
    }

    @Override
    protected void initSlot(int slot) {
      last[slot] = 0;
      serial[slot] = 0;
      state[slot] = 0;
      ringPos[slot] = -1;
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(last, 1, from, to);
      copy(serial, 1, from, to);
      state[to] = state[from];
      copy(ringPos, 1, from, to);
      int p = ringPos[to];
      if (state[to] == PENDING_TCP && p >= 0 && ringSerial[p] == serial[to]) {
        ringSlot[p] = to;
      }
    }
  }
}
