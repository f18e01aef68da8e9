package dev.vigil.features.flow;

import static dev.vigil.features.flow.FlowPackets.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import dev.vigil.features.packet.ParseError;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScanDetectorTest {
  private static final long S = 1_000_000L;
  private static final int SCANNER = ip(10, 88, 0, 66);
  private static final int CAMERA = ip(10, 88, 0, 12);
  private static final int CLIENT = ip(10, 88, 0, 20);
  private static final int SYN = PacketMeta.TCP_SYN;
  private static final int SYN_ACK = PacketMeta.TCP_SYN | PacketMeta.TCP_ACK;
  private static final int RST_ACK = PacketMeta.TCP_RST | PacketMeta.TCP_ACK;

  private final List<ScanDetector.Report> reports = new ArrayList<>();
  private final PacketMeta m = new PacketMeta();

  private ScanDetector detector() {
    return new ScanDetector(ScanDetector.Options.defaults(), reports::add);
  }

  private PacketMeta packet(long ts, int src, int dst, int proto, int sport, int dport, int flags) {
    return FlowPackets.ipv4(m, ts, src, dst, proto, sport, dport, flags);
  }

  private void tcp(ScanDetector d, long ts, int src, int dst, int sport, int dport, int flags) {
    d.update(packet(ts, src, dst, PacketMeta.PROTO_TCP, sport, dport, flags));
  }

  @Test
  void verticalSynScanAnsweredByRsts_isReportedAtExactlyTheFourthFailure() {
    ScanDetector d = detector();
    assertThat(d.options().failuresToReport()).isEqualTo(4);
    int[] ports = {21, 22, 23, 25, 80, 110, 139, 443};
    for (int i = 0; i < ports.length; i++) {
      long ts = i * 1000L;
      tcp(d, ts, SCANNER, CAMERA, 55000, ports[i], SYN);
      tcp(d, ts + 100, CAMERA, SCANNER, ports[i], 55000, RST_ACK);
      assertThat(reports).as("after %d failures", i + 1).hasSize(i < 3 ? 0 : 1);
    }
    // the second crossing (8th failure) came within REPEAT_MICROS of the report: held back
    assertThat(d.suppressed()).isEqualTo(1);
    // the next, 10 s after the report, is reported
    int[] more = {8080, 8443, 1883, 5683};
    for (int i = 0; i < more.length; i++) {
      long ts = 3100L + ScanDetector.REPEAT_MICROS + i * 1000L;
      tcp(d, ts, SCANNER, CAMERA, 55000, more[i], SYN);
      tcp(d, ts + 100, CAMERA, SCANNER, more[i], 55000, RST_ACK);
    }
    assertThat(reports).hasSize(2);
    ScanDetector.Report r = reports.get(0);
    assertThat(r.src()).isEqualTo("10.88.0.66");
    assertThat(r.srcMac()).isEqualTo(0x0200_0000_0042L);
    assertThat(r.attempts()).isEqualTo(4);
    assertThat(r.failures()).isEqualTo(4);
    assertThat(r.successes()).isZero();
    assertThat(r.udpAttempts()).isZero();
    assertThat(r.hosts()).isEqualTo(1);
    assertThat(r.ports()).isEqualTo(4);
    assertThat(r.kind()).isEqualTo("vertical");
    assertThat(r.samplePorts()).containsExactly(25, 23, 22, 21);
    assertThat(r.firstMicros()).isZero();
    assertThat(r.lastMicros()).isEqualTo(3100L);
    assertThat(r.logLikelihoodRatio()).isCloseTo(4 * Math.log(4), within(1e-9));
    // the second report after another full crossing, from a fresh walk
    assertThat(reports.get(1).attempts()).isEqualTo(4);
    assertThat(reports.get(1).hosts()).isEqualTo(1);
    assertThat(reports.get(1).ports()).isEqualTo(12);
    assertThat(d.reports()).isEqualTo(2);
    assertThat(d.attempts()).isEqualTo(12);
    assertThat(d.sources()).isEqualTo(1);
  }

  @Test
  void horizontalScanOfOnePort_isHorizontal() {
    ScanDetector d = detector();
    for (int i = 1; i <= 40; i++) {
      tcp(d, i * 500L, SCANNER, ip(10, 88, 1, i), 61000, 23, SYN);
      if (i % 10 == 0) {
        tcp(d, i * 500L + 50, ip(10, 88, 1, i), SCANNER, 23, 61000, SYN_ACK); // an open telnet
      }
    }
    d.tick(40 * 500L + 3 * S); // the rest time out
    assertThat(reports).isNotEmpty();
    ScanDetector.Report r = reports.get(reports.size() - 1);
    assertThat(r.kind()).isEqualTo("horizontal");
    assertThat(r.hosts()).isEqualTo(16);
    assertThat(r.ports()).isEqualTo(1);
    assertThat(r.samplePorts()).containsExactly(23);
    // 36 failures and 4 successes: the walk crosses (and restarts) at least 36 / 4 - 4 times, all
    // within REPEAT_MICROS: reported once, the other crossings held back
    assertThat(reports).hasSize(1);
    assertThat(d.suppressed()).isGreaterThanOrEqualTo(4);
  }

  /**
   * An uplink outage: a device's connections to a dozen Internet services all go unanswered. That
   * silence is no failure (remote destinations need a refusal); a refusal from the Internet is.
   */
  @Test
  void unansweredAttemptsToRemoteAddresses_areNeutral_butTheirRefusalsCount() {
    ScanDetector d = detector();
    for (int i = 0; i < 12; i++) {
      tcp(d, i * 10L, CLIENT, ip(52, 1, 2, 10 + i), 40000 + i, 443, SYN);
    }
    d.tick(60 * S);
    assertThat(reports).isEmpty();
    assertThat(d.attempts()).isEqualTo(12);
    for (int i = 0; i < 4; i++) {
      long ts = 61 * S + i * 10L;
      tcp(d, ts, SCANNER, ip(198, 51, 100, i + 1), 40000, 23, SYN);
      tcp(d, ts + 5, ip(198, 51, 100, i + 1), SCANNER, 23, 40000, RST_ACK);
    }
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).src()).isEqualTo("10.88.0.66");
  }

  /** A ping sweep: echo requests to many hosts, most unanswered; the echo replies count. */
  @Test
  void pingSweep_isReported_andEchoRepliesAreSuccesses() {
    ScanDetector d = detector();
    for (int i = 1; i <= 6; i++) {
      long ts = i * 100L;
      d.update(packet(ts, SCANNER, ip(10, 88, 2, i), PacketMeta.PROTO_ICMP, 8, 0, 0));
      if (i == 1) { // one host answers
        d.update(packet(ts + 50, ip(10, 88, 2, i), SCANNER, PacketMeta.PROTO_ICMP, 0, 0, 0));
      }
    }
    d.tick(3 * S + 600);
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).successes()).isEqualTo(1);
    assertThat(reports.get(0).failures()).isEqualTo(5);
    assertThat(reports.get(0).hosts()).isEqualTo(6);
    // a client pinging the gateway that answers is no scanner
    reports.clear();
    ScanDetector e = detector();
    for (int i = 0; i < 100; i++) {
      long ts = 10 * S + i * S;
      e.update(packet(ts, CLIENT, CAMERA, PacketMeta.PROTO_ICMP, 8, 0, 0));
      e.update(packet(ts + 100, CAMERA, CLIENT, PacketMeta.PROTO_ICMP, 0, 0, 0));
    }
    e.tick(200 * S);
    assertThat(reports).isEmpty();
  }

  /**
   * Pings {@code hosts} LAN addresses 40 ms apart from {@code src}; the first {@code answer} reply.
   */
  private void pingHosts(ScanDetector d, int src, long t0, int hosts, int answer) {
    for (int i = 1; i <= hosts; i++) {
      long ts = t0 + i * 40_000L;
      d.update(packet(ts, src, ip(10, 88, 3, i), PacketMeta.PROTO_ICMP, 8, 0, 0));
      if (i <= answer) {
        d.update(packet(ts + 2_000, ip(10, 88, 3, i), src, PacketMeta.PROTO_ICMP, 0, 0, 0));
      }
    }
  }

  /**
   * A ping sweep in which most probed hosts answer (as Slips' test12: 11 of 20): the walk calls it
   * benign, the sweep rule reports it once its silent probes time out.
   */
  @Test
  void pingSweepMostlyAnswered_isASweep_reportedWhenItsSilentProbesTimeOut() {
    ScanDetector d = detector();
    pingHosts(d, SCANNER, 0, 20, 11);
    assertThat(reports).as("before any probe timed out").isEmpty();
    d.tick(3 * S + 20 * 40_000L + 1);
    assertThat(reports).hasSize(1);
    ScanDetector.Report r = reports.get(0);
    assertThat(r.kind()).isEqualTo("sweep");
    assertThat(r.src()).isEqualTo("10.88.0.66");
    assertThat(r.hosts()).isEqualTo(20);
    assertThat(r.successes()).isEqualTo(11);
    assertThat(r.failures()).isEqualTo(4); // the walk's 4 failures, and 4 > 0.2 * 15
    assertThat(r.firstMicros()).isEqualTo(40_000L);
    // the span is reported once
    d.tick(20 * S);
    assertThat(reports).hasSize(1);
  }

  /** A hub polling many LAN devices at once (after a restart) is no sweep: they answer. */
  @Test
  void hostContactingManyLanDevicesThatAnswer_isNoSweep_evenWithAFewOffline() {
    ScanDetector d = detector();
    pingHosts(d, CLIENT, 0, 40, 40);
    d.tick(10 * S);
    assertThat(reports).isEmpty();
    // 20 devices of which 3 are offline: 15 % failures, under a benign host's 20 %
    ScanDetector e = detector();
    pingHosts(e, CLIENT, 0, 20, 17);
    e.tick(10 * S);
    assertThat(reports).isEmpty();
  }

  /** Fewer new hosts than the rule asks, remote hosts, or the rule off: no sweep. */
  @Test
  void sweepRule_needsEnoughNewSiteLocalHosts_andCanBeOff() {
    ScanDetector.Options dflt = ScanDetector.Options.defaults();
    assertThat(dflt.sweepHosts()).isEqualTo(12);
    ScanDetector d = detector();
    pingHosts(d, SCANNER, 0, 11, 6); // 11 hosts, 5 silent: under 12 hosts, and the walk: 6 - 5
    d.tick(10 * S);
    assertThat(reports).isEmpty();
    // remote addresses never count (silence to them is neutral as well)
    ScanDetector e = detector();
    for (int i = 1; i <= 30; i++) {
      long ts = i * 10_000L;
      e.update(packet(ts, CLIENT, ip(93, 184, 3, i), PacketMeta.PROTO_ICMP, 8, 0, 0));
      if (i % 2 == 0) {
        e.update(packet(ts + 100, ip(93, 184, 3, i), CLIENT, PacketMeta.PROTO_ICMP, 0, 0, 0));
      }
    }
    e.tick(10 * S);
    assertThat(reports).isEmpty();
    // off: the same sweep as test12 goes unreported
    ScanDetector off =
        new ScanDetector(
            new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 3 * S, 600 * S, 64, 1024, 0, 10 * S),
            reports::add);
    pingHosts(off, SCANNER, 0, 20, 11);
    off.tick(10 * S);
    assertThat(reports).noneMatch(r -> r.kind().equals("sweep"));
  }

  /** An ARP sweep: requests for many addresses, few answered; gratuitous ARP and probes ignored. */
  @Test
  void arpSweep_isReported_butGratuitousArpAndProbesAreNoAttempts() {
    ScanDetector d = detector();
    for (int i = 1; i <= 20; i++) {
      d.update(arp(i * 10L, 1, SCANNER, ip(10, 88, 0, 100 + i)));
    }
    d.update(arp(300, 2, ip(10, 88, 0, 101), SCANNER)); // one answers
    d.tick(4 * S);
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).src()).isEqualTo("10.88.0.66");
    // 20 new LAN hosts and 4 failures: the sweep rule decides one failure before the walk would
    assertThat(reports.get(0).kind()).isEqualTo("sweep");
    assertThat(reports.get(0).failures()).isEqualTo(4);
    reports.clear();
    ScanDetector e = detector();
    for (int i = 0; i < 50; i++) {
      e.update(arp(i * S, 1, CLIENT, CLIENT)); // gratuitous
      e.update(arp(i * S + 10, 1, 0, ip(10, 88, 0, 150 + i))); // probes (RFC 5227)
    }
    e.tick(100 * S);
    assertThat(reports).isEmpty();
    assertThat(e.attempts()).isZero();
  }

  private PacketMeta arp(long ts, int op, int sender, int target) {
    m.clear();
    m.timestampMicros = ts;
    m.l3 = PacketMeta.L3_ARP;
    m.protocol = op;
    m.srcMac = 0x0200_0000_0000L | (sender & 0xff);
    m.dstMac = op == 1 ? 0xffff_ffff_ffffL : 0x0200_0000_0000L | (target & 0xff);
    m.srcHi = Addresses.mappedHi(sender);
    m.srcLo = Addresses.mappedLo(sender);
    m.dstHi = Addresses.mappedHi(target);
    m.dstLo = Addresses.mappedLo(target);
    return m;
  }

  @Test
  void siteLocalAddresses() {
    assertThat(Addresses.isSiteLocal(0, Addresses.mappedLo(ip(10, 1, 2, 3)))).isTrue();
    assertThat(Addresses.isSiteLocal(0, Addresses.mappedLo(ip(172, 16, 0, 1)))).isTrue();
    assertThat(Addresses.isSiteLocal(0, Addresses.mappedLo(ip(172, 31, 255, 1)))).isTrue();
    assertThat(Addresses.isSiteLocal(0, Addresses.mappedLo(ip(172, 32, 0, 1)))).isFalse();
    assertThat(Addresses.isSiteLocal(0, Addresses.mappedLo(ip(192, 168, 1, 1)))).isTrue();
    assertThat(Addresses.isSiteLocal(0, Addresses.mappedLo(ip(169, 254, 9, 9)))).isTrue();
    assertThat(Addresses.isSiteLocal(0, Addresses.mappedLo(ip(8, 8, 8, 8)))).isFalse();
    assertThat(Addresses.isSiteLocal(0xfd00_0001_0000_0000L, 1)).isTrue();
    assertThat(Addresses.isSiteLocal(0xfe80_0000_0000_0000L, 1)).isTrue();
    assertThat(Addresses.isSiteLocal(0x2001_0db8_0000_0000L, 1)).isFalse();
  }

  @Test
  void timeoutsViaTick_areFailures_andNoAnswerBeforeTheTimeoutIsNone() {
    ScanDetector d = detector();
    for (int i = 0; i < 6; i++) {
      tcp(d, i * 10L, SCANNER, CAMERA, 40000 + i, 8000 + i, SYN);
    }
    assertThat(d.pending()).isEqualTo(6);
    d.tick(3 * S - 1);
    assertThat(reports).isEmpty();
    d.tick(3 * S + 30); // the first four have timed out
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).failures()).isEqualTo(4);
    assertThat(reports.get(0).lastMicros()).isEqualTo(3 * S + 30);
    assertThat(d.pending()).isEqualTo(2);
    // an answer after the timeout is not counted again
    tcp(d, 3 * S + 40, CAMERA, SCANNER, 8000, 40000, SYN_ACK);
    d.tick(4 * S);
    assertThat(d.pending()).isZero();
    assertThat(reports).hasSize(1);
  }

  @Test
  void udpScanAnsweredByIcmpPortUnreachable_builtThroughTheParser_isReported() {
    ScanDetector d = detector();
    PacketParser parser = new PacketParser();
    PacketMeta p = new PacketMeta();
    int[] ports = {53, 69, 123, 161, 500, 1900};
    for (int i = 0; i < ports.length; i++) {
      long ts = i * 2000L;
      byte[] probe = udpFrame(SCANNER, CAMERA, 41000, ports[i]);
      assertThat(parser.parse(probe, 0, probe.length, probe.length, ts, p))
          .isEqualTo(ParseError.NONE);
      d.update(p);
      byte[] icmp = icmpPortUnreachable(CAMERA, SCANNER, CAMERA, 41000, ports[i]);
      assertThat(parser.parse(icmp, 0, icmp.length, icmp.length, ts + 300, p))
          .isEqualTo(ParseError.NONE);
      assertThat(p.icmpInnerDstPort).isEqualTo(ports[i]);
      d.update(p);
    }
    assertThat(reports).hasSize(1);
    ScanDetector.Report r = reports.get(0);
    assertThat(r.failures()).isEqualTo(4);
    assertThat(r.udpAttempts()).isEqualTo(4);
    assertThat(r.kind()).isEqualTo("vertical");
    assertThat(r.samplePorts()).containsExactly(161, 123, 69, 53);
    // UDP silence is neutral: unanswered UDP probes never report, however many
    ScanDetector quiet = detector();
    for (int i = 0; i < 500; i++) {
      quiet.update(packet(i * S, SCANNER, CAMERA, PacketMeta.PROTO_UDP, 41000, 2000 + i, 0));
    }
    quiet.tick(1000 * S);
    assertThat(quiet.attempts()).isEqualTo(500);
    assertThat(reports).hasSize(1);
  }

  @Test
  void icmpQuotingAnotherHostsDatagram_isNotAFailureOfTheRecipient() {
    ScanDetector d = detector();
    for (int i = 0; i < 8; i++) {
      d.update(packet(i * 10L, CLIENT, CAMERA, PacketMeta.PROTO_UDP, 41000, 7000 + i, 0));
      PacketMeta q = packet(i * 10L + 1, CAMERA, SCANNER, PacketMeta.PROTO_ICMP, 3, 3, 0);
      q.icmpInnerProtocol = PacketMeta.PROTO_UDP;
      q.icmpInnerSrcHi = Addresses.mappedHi(CLIENT); // quotes CLIENT's datagram, sent to SCANNER
      q.icmpInnerSrcLo = Addresses.mappedLo(CLIENT);
      q.icmpInnerDstHi = Addresses.mappedHi(CAMERA);
      q.icmpInnerDstLo = Addresses.mappedLo(CAMERA);
      q.icmpInnerSrcPort = 41000;
      q.icmpInnerDstPort = 7000 + i;
      d.update(q);
    }
    assertThat(reports).isEmpty();
  }

  @Test
  void retransmittedSyns_countOnce_andRepeatedConnectionsToOneServiceToo() {
    ScanDetector d = detector();
    for (int r = 0; r < 5; r++) { // the SYN and its retransmissions at 1, 3, 7, 15 s: one attempt
      tcp(d, r == 0 ? 0 : ((1L << r) - 1) * S, CLIENT, CAMERA, 40000, 554, SYN);
    }
    assertThat(d.attempts()).isEqualTo(1);
    for (int i = 0; i < 50; i++) { // new connections to the same service within the memory
      tcp(d, 20 * S + i * S, CLIENT, CAMERA, 40001 + i, 554, SYN);
      tcp(d, 20 * S + i * S + 10, CAMERA, CLIENT, 554, 40001 + i, RST_ACK);
    }
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(reports).isEmpty();
    // after the memory (10 min after the last packet) the same service is a first contact again
    tcp(d, 20 * S + 50 * S + 601 * S, CLIENT, CAMERA, 50000, 554, SYN);
    assertThat(d.attempts()).isEqualTo(2);
  }

  @Test
  void benignClientWithTenPercentFailures_isNeverReported() {
    ScanDetector.Options o = ScanDetector.Options.defaults();
    // At the defaults ln(θ1/θ0) = −ln((1−θ1)/(1−θ0)): the walk is (failures − successes) ln 4,
    // reported at +4 and restarted at −4. With failures at p = 0.1, gambler's ruin from the middle
    // of [−4, +4] gives P(report per walk) = 1 / (1 + (q/p)^4) = 1 / 6562 = 1.5e-4; a walk takes
    // about 4 / (q − p) = 5 attempts, so 3,000 connections (~600 walks) expect 0.09 reports.
    assertThat(o.successStep()).isCloseTo(-o.failureStep(), within(1e-12));
    double perWalk = 1 / (1 + Math.pow(0.9 / 0.1, 4));
    double expectedReports = 3000 / (4 / (0.9 - 0.1)) * perWalk;
    assertThat(expectedReports).isLessThan(0.1);
    ScanDetector d = detector();
    Random r = new Random(11);
    long ts = 0;
    int failures = 0;
    for (int i = 0; i < 3000; i++) {
      ts += 200_000 + r.nextInt(2_000_000);
      int server = ip(93, 184, i >>> 8, i & 0xff);
      int port = i % 3 == 0 ? 443 : 8883;
      tcp(d, ts, CLIENT, server, 40000 + i % 20000, port, SYN);
      if (r.nextDouble() < 0.1) {
        failures++;
        if (r.nextBoolean()) {
          tcp(d, ts + 20_000, server, CLIENT, port, 40000 + i % 20000, RST_ACK);
        } // else: no answer, a timeout
      } else {
        tcp(d, ts + 20_000, server, CLIENT, port, 40000 + i % 20000, SYN_ACK);
      }
    }
    d.tick(ts + 4 * S);
    assertThat(d.attempts()).isEqualTo(3000);
    assertThat(failures).isBetween(250, 350);
    assertThat(reports).isEmpty();
  }

  @Test
  void otherParameters_reportAtTheClosedFormNumberOfAttempts() {
    // θ0 0.9, θ1 0.3, PD 0.999, PF 0.001: a failure adds ln 7 = 1.946, a success ln(1/3) = −1.099,
    // ln η1 = ln 999 = 6.907, ln η0 = ln(0.001/0.999) = −6.907.
    ScanDetector.Options o =
        new ScanDetector.Options(0.9, 0.3, 0.999, 0.001, 3 * S, 600 * S, 64, 1024);
    assertThat(o.failuresToReport()).isEqualTo(4); // ⌈6.907 / 1.946⌉
    // E[N|H1] = (0.999 ln 999 − 0.001 ln 999) / (0.3 ln(1/3) + 0.7 ln 7) = 6.893 / 1.0325 = 6.68
    assertThat(o.expectedAttemptsScanner()).isCloseTo(6.68, within(0.01));
    assertThat(ScanDetector.Options.defaults().expectedAttemptsScanner())
        .as("the paper's 5.4 at its settings")
        .isCloseTo(5.41, within(0.01));
    assertThat(ScanDetector.Options.defaults().expectedAttemptsBenign())
        .isCloseTo(5.41, within(0.01));
    // The pattern F F S repeated: after k repeats the walk is k (2 ln 7 − ln 3) = 2.793 k; one F
    // later it is 2.793 k + 1.946, two F later 2.793 k + 3.892. The first of these at or above
    // 6.907: k = 1 gives 4.739 and 6.685 (below), k = 2 gives 7.532 at its first F, the 7th
    // outcome (5 failures, 2 successes). The lowest it ever is: 0 (never near −6.907).
    ScanDetector d = new ScanDetector(o, reports::add);
    boolean[] fail = {true, true, false};
    for (int i = 0; i < 9; i++) {
      long ts = i * 100L;
      tcp(d, ts, SCANNER, CAMERA, 40000, 1000 + i, SYN);
      tcp(d, ts + 10, CAMERA, SCANNER, 1000 + i, 40000, fail[i % 3] ? RST_ACK : SYN_ACK);
      assertThat(reports).as("after outcome %d", i + 1).hasSize(i < 6 ? 0 : 1);
    }
    ScanDetector.Report r = reports.get(0);
    assertThat(r.attempts()).isEqualTo(7);
    assertThat(r.failures()).isEqualTo(5);
    assertThat(r.successes()).isEqualTo(2);
    assertThat(r.logLikelihoodRatio())
        .isCloseTo(5 * Math.log(7) + 2 * Math.log(1.0 / 3), within(1e-9));
    // seven successes in a row end a walk as benign: 7 ln(1/3) = −7.69 <= −6.907 (six: −6.59)
    ScanDetector b = new ScanDetector(o, reports::add);
    for (int i = 0; i < 7; i++) {
      tcp(b, i * 100L, CLIENT, CAMERA, 40000, 2000 + i, SYN);
      tcp(b, i * 100L + 10, CAMERA, CLIENT, 2000 + i, 40000, SYN_ACK);
    }
    // restarted at the 7th success: 3 failures now (5.84) do not report, a 4th (7.78) does
    for (int i = 0; i < 4; i++) {
      tcp(b, 1000 + i * 100L, CLIENT, CAMERA, 40000, 3000 + i, SYN);
      tcp(b, 1000 + i * 100L + 10, CAMERA, CLIENT, 3000 + i, 40000, RST_ACK);
      assertThat(reports).hasSize(i < 3 ? 1 : 2);
    }
  }

  @Test
  void broadcastMulticastAndSelf_areNoAttempts() {
    ScanDetector d = detector();
    for (int i = 0; i < 20; i++) {
      d.update(packet(i, CLIENT, ip(239, 255, 255, 250), PacketMeta.PROTO_UDP, 1900, 1900 + i, 0));
      d.update(packet(i, CLIENT, -1, PacketMeta.PROTO_UDP, 68, 67 + i, 0));
      tcp(d, i, CLIENT, CLIENT, 40000, 1000 + i, SYN);
    }
    assertThat(d.attempts()).isZero();
    assertThat(d.sources()).isZero();
  }

  @Test
  void spoofedFloodOfAMillionSources_staysBounded() {
    ScanDetector d =
        new ScanDetector(
            new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 3 * S, 600 * S, 1024, 4096),
            reports::add);
    Random r = new Random(3);
    for (int i = 0; i < 1_000_000; i++) {
      tcp(d, i * 5L, r.nextInt(), CAMERA, 1024 + (i & 0x7fff), 80, SYN);
    }
    d.tick(10 * S);
    assertThat(d.sources()).isLessThanOrEqualTo(1024);
    assertThat(d.contacts()).isLessThanOrEqualTo(4096);
    assertThat(d.pending()).isZero();
    assertThat(d.attempts()).isBetween(999_990L, 1_000_000L); // a random source may repeat
    assertThat(d.evictions()).isGreaterThanOrEqualTo(1_000_000 - 4096);
    assertThat(reports).isEmpty(); // one failure each: no spoofed address is reported
  }

  @Test
  void options_rejectBadValues() {
    assertThatThrownBy(() -> new ScanDetector.Options(0.2, 0.8, 0.99, 0.01, 1, 1, 16, 16))
        .hasMessageContaining("scanner-success");
    assertThatThrownBy(() -> new ScanDetector.Options(0.8, 0.2, 0.01, 0.99, 1, 1, 16, 16))
        .hasMessageContaining("false-alarm");
    assertThatThrownBy(() -> new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 0, 1, 16, 16))
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 2, 1, 16, 16))
        .hasMessageContaining("memory");
    assertThatThrownBy(() -> new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 1, 1, 15, 16))
        .hasMessageContaining("max-sources");
    assertThatThrownBy(() -> new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 1, 1, 16, 15))
        .hasMessageContaining("max-attempts");
    assertThatThrownBy(() -> new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 1, 1, 16, 16, 2, 1))
        .hasMessageContaining("sweep-hosts");
    assertThatThrownBy(() -> new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 5, 5, 16, 16, 12, 4))
        .hasMessageContaining("sweep-span");
    assertThatThrownBy(() -> new ScanDetector.Options(Double.NaN, 0.2, 0.99, 0.01, 1, 1, 16, 16))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void kind_namesTheShape() {
    assertThat(ScanDetector.kind(16, 1, 16)).isEqualTo("vertical");
    assertThat(ScanDetector.kind(16, 16, 2)).isEqualTo("horizontal");
    assertThat(ScanDetector.kind(16, 8, 8)).isEqualTo("mixed");
    assertThat(ScanDetector.kind(4, 1, 1)).isEqualTo("mixed");
    assertThat(ScanDetector.kind(4, 4, 2)).as("a sweep of 23 and 2323").isEqualTo("horizontal");
    assertThat(ScanDetector.kind(4, 2, 2)).isEqualTo("mixed");
  }

  @Test
  void update_allocatesNothingPerPacket() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertThat(mx.isThreadAllocatedMemorySupported()).isTrue();
    mx.setThreadAllocatedMemoryEnabled(true);
    ScanDetector d =
        new ScanDetector(
            new ScanDetector.Options(0.8, 0.2, 0.99, 0.01, 3 * S, 600 * S, 64, 256), reports::add);
    PacketMeta p = new PacketMeta();
    long tid = Thread.currentThread().getId();
    long t0 = mx.getThreadAllocatedBytes(tid);
    long measurementCost = mx.getThreadAllocatedBytes(tid) - t0;
    long least = Long.MAX_VALUE;
    long ts = 0;
    for (int round = 0; round < 6; round++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 100_000; i++) {
        ts += 100;
        int client = ip(10, 0, 0, i % 200); // more than the tables hold: evictions
        int server = ip(93, 184, (i >>> 8) & 0xff, i & 0xff);
        FlowPackets.ipv4(p, ts, client, server, PacketMeta.PROTO_TCP, 40000, 443 + (i & 3), SYN);
        d.update(p);
        // every 4th attempt of each client fails: F S S S never climbs past ln 4, no reports
        int answer = (i / 200) % 4 == 0 ? RST_ACK : SYN_ACK;
        FlowPackets.ipv4(
            p, ts + 10, server, client, PacketMeta.PROTO_TCP, 443 + (i & 3), 40000, answer);
        d.update(p);
        FlowPackets.ipv4(p, ts + 20, client, server, PacketMeta.PROTO_UDP, 5000, 123, 0);
        d.update(p);
        if (i % 2 == 0) {
          FlowPackets.ipv4(p, ts + 30, server, client, PacketMeta.PROTO_UDP, 123, 5000, 0);
          d.update(p);
        }
        if (i % 1000 == 0) {
          d.tick(ts);
        }
      }
      long allocated = mx.getThreadAllocatedBytes(tid) - before - measurementCost;
      if (round >= 2) {
        least = Math.min(least, allocated);
      }
    }
    assertThat(least).as("bytes allocated over 400,000 packets").isLessThanOrEqualTo(64);
    assertThat(d.evictions()).isPositive();
    assertThat(d.attempts()).isPositive();
    assertThat(reports).isEmpty();
  }

  /** Ethernet/IPv4/UDP with 4 payload bytes. */
  static byte[] udpFrame(int src, int dst, int sport, int dport) {
    ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 4);
    ethernet(b, dst, src);
    ipv4(b, 20 + 8 + 4, 17, src, dst);
    b.putShort((short) sport).putShort((short) dport).putShort((short) 12).putShort((short) 0);
    b.putInt(0x01020304);
    return b.array();
  }

  /** Ethernet/IPv4 ICMP port unreachable from {@code router} to {@code host}, quoting its UDP. */
  static byte[] icmpPortUnreachable(int router, int host, int target, int sport, int dport) {
    ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 20 + 8);
    ethernet(b, host, router);
    ipv4(b, 20 + 8 + 28, 1, router, host);
    b.put((byte) 3).put((byte) 3).putShort((short) 0).putInt(0);
    ipv4(b, 20 + 8 + 4, 17, host, target);
    b.putShort((short) sport).putShort((short) dport).putShort((short) 12).putShort((short) 0);
    return b.array();
  }

  private static void ethernet(ByteBuffer b, int dst, int src) {
    b.putShort((short) 0x0200).putInt(dst & 0xff);
    b.putShort((short) 0x0200).putInt(src & 0xff);
    b.putShort((short) 0x0800);
  }

  private static void ipv4(ByteBuffer b, int totalLength, int proto, int src, int dst) {
    b.put((byte) 0x45).put((byte) 0).putShort((short) totalLength).putShort((short) 1);
    b.putShort((short) 0).put((byte) 64).put((byte) proto).putShort((short) 0);
    b.putInt(src).putInt(dst);
  }
}
