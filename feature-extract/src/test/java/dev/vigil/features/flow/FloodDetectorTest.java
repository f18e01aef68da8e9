package dev.vigil.features.flow;

import static dev.vigil.features.flow.FlowPackets.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.flow.FloodDetector.Kind;
import dev.vigil.features.flow.FloodDetector.Report;
import dev.vigil.features.flow.FloodDetector.Role;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import dev.vigil.features.packet.ParseError;
import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FloodDetectorTest {
  private static final long S = 1_000_000L;
  private static final long MS = 1_000L;
  private static final long LEARN = 60 * S;
  private static final int ATTACKER = ip(10, 88, 0, 66);
  private static final int VICTIM = ip(10, 88, 0, 10);
  private static final int DEVICE = ip(10, 88, 0, 12);
  private static final int BROKER = ip(10, 88, 0, 2);
  private static final int RESOLVER = ip(10, 88, 0, 1);
  private static final int BUSY = ip(10, 88, 0, 20);
  private static final int SERVER = ip(10, 88, 0, 30);
  private static final long ATTACKER_MAC = 0x0200_0000_0042L;

  private final List<Report> reports = new ArrayList<>();
  private final PacketMeta m = new PacketMeta();

  private FloodDetector detector() {
    return detector(FloodDetector.Options.defaults().withLearn(LEARN));
  }

  private FloodDetector detector(FloodDetector.Options o) {
    return new FloodDetector(o, reports::add);
  }

  private PacketMeta packet(long ts, int src, int dst, int proto, int sport, int dport, int flags) {
    return FlowPackets.ipv4(m, ts, src, dst, proto, sport, dport, flags);
  }

  private PacketMeta syn(long ts, int src, int dst) {
    return packet(ts, src, dst, PacketMeta.PROTO_TCP, 40000 + (int) (ts % 20000), 80, 0x02);
  }

  private PacketMeta synAck(long ts, int src, int dst) {
    return packet(ts, src, dst, PacketMeta.PROTO_TCP, 80, 40000, 0x12);
  }

  private PacketMeta udp(long ts, int src, int dst) {
    return packet(ts, src, dst, PacketMeta.PROTO_UDP, 5000, 9, 0);
  }

  private PacketMeta publish(long ts, int src, int dst) {
    packet(ts, src, dst, PacketMeta.PROTO_TCP, 50000, 1883, 0x18);
    m.appProtocol = PacketMeta.APP_MQTT;
    m.mqttType = 3;
    m.mqttPublishes = 1;
    return m;
  }

  private PacketMeta dns(long ts, int src, int dst, boolean response) {
    packet(ts, src, dst, PacketMeta.PROTO_UDP, response ? 53 : 5353, response ? 5353 : 53, 0);
    m.appProtocol = PacketMeta.APP_DNS;
    m.dnsResponse = response;
    return m;
  }

  /** Learning: a camera's MQTT and DNS every 5 s, so that learning has traffic and ends. */
  private void learnQuiet(FloodDetector d) {
    for (long ts = 0; ts < LEARN; ts += 5 * S) {
      d.update(publish(ts, DEVICE, BROKER));
      d.update(dns(ts + MS, DEVICE, RESOLVER, false));
      d.update(dns(ts + 2 * MS, RESOLVER, DEVICE, true));
    }
    assertThat(d.learning()).isTrue();
  }

  private List<Report> of(Role role) {
    return reports.stream().filter(r -> r.role() == role).toList();
  }

  @Test
  void synFlood_fromAnUnseenHost_isReportedAsSourceAndTarget_atItsTwentyThirdPacket() {
    FloodDetector d = detector();
    learnQuiet(d);
    long t0 = LEARN + 10 * S; // the start of a bin
    int reportedAt = -1;
    for (int i = 0; i < 2500; i++) { // 500 SYN/s for 5 s, each answered by a SYN-ACK
      long ts = t0 + i * 2 * MS;
      d.update(syn(ts, ATTACKER, VICTIM));
      if (reportedAt < 0 && !reports.isEmpty()) {
        reportedAt = i + 1;
      }
      d.update(synAck(ts + 100, VICTIM, ATTACKER));
    }
    // in the first bin, x - 2 > 20 at x = 23 (44 ms after the first)
    assertThat(reportedAt).as("packets until reported").isEqualTo(23);
    assertThat(d.learning()).isFalse();
    assertThat(reports).hasSize(2); // once per role: no reminder within repeatMicros
    for (Report r : reports) {
      assertThat(r.host()).isEqualTo(r.role() == Role.SOURCE ? "10.88.0.66" : "10.88.0.10");
      assertThat(r.kind()).isEqualTo(Kind.SYN);
      assertThat(r.kind().label()).isEqualTo("syn");
      assertThat(r.packets()).isEqualTo(23);
      assertThat(r.firstMicros()).isEqualTo(t0);
      assertThat(r.lastMicros() - r.firstMicros()).isEqualTo(44 * MS);
      assertThat(r.ratePerSecond()).isCloseTo(500, within(1e-6));
      assertThat(r.baselinePerSecond()).isZero();
      assertThat(r.cusum()).isCloseTo(21, within(1e-9));
      assertThat(r.threshold()).isEqualTo(20);
      assertThat(r.halfOpenRatio()).isCloseTo(22.0 / 23, within(1e-9)); // the 23rd is unanswered
      assertThat(r.peers()).isEqualTo(1);
      assertThat(r.mac()).isEqualTo(ATTACKER_MAC);
      assertThat(r.macShare()).isEqualTo(1.0);
    }
    assertThat(d.reports()).isEqualTo(2);
    assertThat(of(Role.SOURCE)).hasSize(1);
  }

  @Test
  void aLongFlood_isRemindedEveryRepeatMicros_andAFloodThatStopsAndRestarts_isReportedAgain() {
    FloodDetector d = detector();
    learnQuiet(d);
    long t0 = LEARN + 10 * S;
    for (int i = 0; i < 12_500; i++) { // 25 s at 500/s
      d.update(syn(t0 + i * 2 * MS, ATTACKER, VICTIM));
    }
    // at 44 ms, 10.044 s and 20.044 s
    assertThat(of(Role.TARGET))
        .extracting(r -> r.lastMicros() - t0)
        .containsExactly(44 * MS, 10_044 * MS, 20_044 * MS);
    assertThat(of(Role.TARGET).get(2).packets()).isEqualTo(10_023);
    reports.clear();
    long t1 = t0 + 40 * S; // 15 s of silence: S is back at 0; then the flood restarts
    for (int i = 0; i < 500; i++) {
      d.update(syn(t1 + i * 2 * MS, ATTACKER, VICTIM));
    }
    long t2 = t1 + 3 * S; // and once more after 2 s of silence
    for (int i = 0; i < 500; i++) {
      d.update(syn(t2 + i * 2 * MS, ATTACKER, VICTIM));
    }
    assertThat(of(Role.TARGET))
        .extracting(Report::firstMicros, Report::packets)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(t1, 23L),
            org.assertj.core.groups.Tuple.tuple(t2, 23L));
    assertThat(of(Role.SOURCE)).hasSize(2);
  }

  @Test
  void udpAndIcmpFloods_areReported_butTheVictimsAnswersAreNot() {
    FloodDetector d = detector();
    learnQuiet(d);
    long t0 = LEARN + 10 * S;
    for (int i = 0; i < 1000; i++) { // UDP at 1,000/s for 1 s
      d.update(udp(t0 + i * MS, ATTACKER, VICTIM));
      // the victim's port unreachables: an ICMP error is an answer
      d.update(packet(t0 + i * MS + 50, VICTIM, ATTACKER, PacketMeta.PROTO_ICMP, 3, 3, 0));
    }
    assertThat(reports)
        .extracting(Report::role, Report::host, Report::kind)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Role.SOURCE, "10.88.0.66", Kind.UDP),
            org.assertj.core.groups.Tuple.tuple(Role.TARGET, "10.88.0.10", Kind.UDP));
    // 1 ms apart: 50 in the first bin (alarm at x - 2 > 20, the 23rd packet)
    assertThat(reports).allSatisfy(r -> assertThat(r.packets()).isEqualTo(23));
    assertThat(reports.get(0).halfOpenRatio()).isEqualTo(-1);
    reports.clear();
    long t1 = t0 + 30 * S;
    for (int i = 0; i < 1000; i++) { // a ping flood at 500/s, every request answered
      d.update(packet(t1 + i * 2 * MS, ATTACKER, VICTIM, PacketMeta.PROTO_ICMP, 8, 0, 0));
      d.update(packet(t1 + i * 2 * MS + 50, VICTIM, ATTACKER, PacketMeta.PROTO_ICMP, 0, 0, 0));
    }
    assertThat(reports)
        .extracting(Report::role, Report::host, Report::kind, Report::packets)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Role.SOURCE, "10.88.0.66", Kind.ICMP, 23L),
            org.assertj.core.groups.Tuple.tuple(Role.TARGET, "10.88.0.10", Kind.ICMP, 23L));
    reports.clear();
    long t2 = t1 + 30 * S;
    for (int i = 0; i < 1000; i++) { // ICMPv6 echo requests at 500/s from a v6 host
      PacketMeta p = packet(t2 + i * 2 * MS, ATTACKER, VICTIM, PacketMeta.PROTO_ICMPV6, 128, 0, 0);
      p.l3 = PacketMeta.L3_IPV6;
      p.srcHi = 0xfd00_0000_0000_0000L;
      p.srcLo = 0x66;
      p.dstHi = 0xfd00_0000_0000_0000L;
      p.dstLo = 0x10;
      d.update(p);
    }
    assertThat(reports)
        .extracting(Report::role, Report::host, Report::kind)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Role.SOURCE, "fd00::66", Kind.ICMP),
            org.assertj.core.groups.Tuple.tuple(Role.TARGET, "fd00::10", Kind.ICMP));
  }

  @Test
  void mqttPublishFlood_fromAClientLearnedAtOneIn5s_isReported() {
    FloodDetector d = detector();
    learnQuiet(d); // the device publishes once every 5 s while learning
    long t0 = LEARN + 10 * S;
    for (int i = 0; i < 1000; i++) { // 200 PUBLISH/s for 5 s
      d.update(publish(t0 + i * 5 * MS, DEVICE, BROKER));
    }
    assertThat(reports)
        .extracting(Report::role, Report::host, Report::kind)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Role.SOURCE, "10.88.0.12", Kind.MQTT_PUBLISH),
            org.assertj.core.groups.Tuple.tuple(Role.TARGET, "10.88.0.2", Kind.MQTT_PUBLISH));
    Report r = of(Role.SOURCE).get(0);
    assertThat(r.baselinePerSecond()).isCloseTo(0.2, within(1e-9));
    assertThat(r.kind().label()).isEqualTo("mqtt_publish");
    // learned peak 1: k = max(2, (4 - 0.01) / 2) = 2, h = 20; 10 a bin grow S by 7.99 a bin:
    // 15.98 after two bins, then 15.98 + x - 2.01 > 20 at the 7th of the third
    assertThat(r.packets()).isEqualTo(27);
    assertThat(r.lastMicros() - r.firstMicros()).isEqualTo(130 * MS);
  }

  /** Learning: BUSY sends 200 UDP/s to SERVER (10 a bin), plus 10 more in one bin every second. */
  private void learnBusy(FloodDetector d) {
    for (long ts = 0; ts < LEARN; ts += 5 * MS) {
      d.update(udp(ts, BUSY, SERVER));
      if (ts % S == 0) {
        for (int j = 0; j < 10; j++) {
          d.update(udp(ts + MS + j * 100, BUSY, SERVER));
        }
      }
    }
  }

  @Test
  void aLearnedBusyHost_isNotReportedAtOneAndAHalfTimesItsPeak_butIsAtTenTimes() {
    FloodDetector d = detector();
    learnBusy(d);
    long t0 = LEARN + 10 * S;
    for (long ts = t0; ts < t0 + 20 * S; ts += 5 * MS / 3) { // 30 a bin: 1.5 x the peak of 20
      d.update(udp(ts, BUSY, SERVER));
    }
    assertThat(reports).isEmpty();
    assertThat(d.learnedKeys()).isEqualTo(2);
    long t1 = t0 + 30 * S;
    for (long ts = t1; ts < t1 + S; ts += 250) { // 200 a bin: 10 x the peak
      d.update(udp(ts, BUSY, SERVER));
    }
    assertThat(reports).hasSize(2);
    Report r = of(Role.SOURCE).get(0);
    assertThat(r.host()).isEqualTo("10.88.0.20");
    assertThat(r.baselinePerSecond()).isCloseTo(210, within(1e-6)); // 10.5 a bin
    assertThat(r.threshold()).isEqualTo(60); // 3 x the peak
    // drain 10.5 + (80 - 10.5) / 2 = 45.25: x - 45.25 > 60 at x = 106, 26.25 ms into the flood
    assertThat(r.packets()).isEqualTo(106);
    assertThat(r.lastMicros() - r.firstMicros()).isEqualTo(105 * 250);
    // the same 200/s from a host never seen while learning is a flood
    reports.clear();
    for (long ts = t1 + 10 * S; ts < t1 + 15 * S; ts += 5 * MS) {
      d.update(udp(ts, DEVICE, ip(10, 88, 0, 31)));
    }
    assertThat(of(Role.SOURCE)).extracting(Report::host).containsExactly("10.88.0.12");
  }

  @Test
  void benignBursts_ofAnUnseenDevice_areNotReported_butABurstOf23Is() {
    FloodDetector d = detector();
    learnQuiet(d);
    int newcomer = ip(10, 88, 0, 40);
    long t0 = LEARN + 10 * S;
    for (int k = 0; k < 30; k++) { // every 2 s for a minute
      long ts = t0 + k * 2 * S + 37 * MS; // not aligned to a bin
      for (int j = 0; j < 10; j++) { // 10 connections at once
        d.update(
            packet(ts + j * 100, newcomer, SERVER, PacketMeta.PROTO_TCP, 40000 + j, 443, 0x02));
        d.update(synAck(ts + j * 100 + 50, SERVER, newcomer));
      }
      for (int j = 0; j < 15; j++) { // a DNS burst of 15 queries, and their answers
        d.update(dns(ts + j * 200, newcomer, RESOLVER, false));
        d.update(dns(ts + j * 200 + 100, RESOLVER, newcomer, true));
      }
      for (int j = 0; j < 15; j++) { // 15 retained messages at connect (broker to client)
        d.update(publish(ts + 5 * MS + j * 100, BROKER, newcomer));
        d.update(publish(ts + 5 * MS + j * 100 + 50, newcomer, BROKER));
      }
    }
    assertThat(reports).isEmpty();
    long t1 = t0 + 100 * S;
    for (int j = 0; j < 22; j++) {
      d.update(udp(t1 + j * 10, newcomer, SERVER));
    }
    assertThat(reports).isEmpty();
    d.update(udp(t1 + 220, newcomer, SERVER)); // x - 2 > 20 at x = 23
    assertThat(reports).hasSize(2);
  }

  @Test
  void spoofedSourceSynFlood_isReportedAsTargetWithTheAttackersMac_andNoSpoofedSource() {
    FloodDetector d = detector();
    learnQuiet(d);
    Random r = new Random(1);
    long t0 = LEARN + 10 * S;
    for (int i = 0; i < 2000; i++) { // 2,000 SYN/s from random addresses, one MAC
      PacketMeta p = syn(t0 + i * 500, r.nextInt(), VICTIM);
      p.srcMac = ATTACKER_MAC;
      d.update(p);
    }
    assertThat(reports).hasSize(1);
    Report t = reports.get(0);
    assertThat(t.role()).isEqualTo(Role.TARGET);
    assertThat(t.host()).isEqualTo("10.88.0.10");
    assertThat(t.mac()).isEqualTo(ATTACKER_MAC);
    assertThat(t.macShare()).isEqualTo(1.0);
    assertThat(t.peers()).isEqualTo((int) t.packets()); // every source new
    assertThat(t.halfOpenRatio()).isZero();
  }

  @Test
  void tablesStayBounded_underAMillionSpoofedSources_andLearnedBaselinesSurvive() {
    FloodDetector.Options o =
        new FloodDetector.Options(50_000L, LEARN, 32, 3.0, 40.0, 10 * S, 1024);
    FloodDetector d = detector(o);
    learnBusy(d);
    Random r = new Random(2);
    long t0 = LEARN + 10 * S;
    for (int i = 0; i < 1_000_000; i++) { // 100,000 SYN/s for 10 s
      PacketMeta p = syn(t0 + i * 10L, r.nextInt(), VICTIM);
      p.srcMac = ATTACKER_MAC;
      d.update(p);
    }
    assertThat(d.keys()).isLessThanOrEqualTo(1024);
    assertThat(d.evictions()).isGreaterThanOrEqualTo(1_000_000 - 1024);
    assertThat(d.learnedKeys()).isEqualTo(2);
    assertThat(reports)
        .extracting(Report::role, Report::host)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Role.TARGET, "10.88.0.10"));
    reports.clear();
    long t1 = t0 + 20 * S;
    for (long ts = t1; ts < t1 + 10 * S; ts += 5 * MS) { // BUSY's learned 200/s, evicted meanwhile
      d.update(udp(ts, BUSY, SERVER));
      d.update(udp(ts + 1, DEVICE, ip(10, 88, 0, 31))); // an unseen host at the same rate
    }
    assertThat(reports)
        .extracting(Report::host)
        .containsExactlyInAnyOrder("10.88.0.12", "10.88.0.31");
  }

  @Test
  void badOptionsAreRefused() {
    FloodDetector.Options d = FloodDetector.Options.defaults();
    assertThat(d.withLearn(5 * S).learnMicros()).isEqualTo(5 * S);
    assertThatThrownBy(() -> new FloodDetector.Options(999, 0, 32, 3, 40, S, 64))
        .hasMessageContaining("bin");
    assertThatThrownBy(() -> new FloodDetector.Options(50_000, -1, 32, 3, 40, S, 64))
        .hasMessageContaining("learn");
    assertThatThrownBy(() -> new FloodDetector.Options(50_000, 0, 1, 3, 40, S, 64))
        .hasMessageContaining("min-packets");
    assertThatThrownBy(() -> new FloodDetector.Options(50_000, 0, 32, 0.5, 40, S, 64))
        .hasMessageContaining("peak-factor");
    assertThatThrownBy(() -> new FloodDetector.Options(50_000, 0, 32, 3, 0, S, 64))
        .hasMessageContaining("min-slack");
    assertThatThrownBy(() -> new FloodDetector.Options(50_000, 0, 32, 3, 40, 0, 64))
        .hasMessageContaining("repeat");
    assertThatThrownBy(() -> new FloodDetector.Options(50_000, 0, 32, 3, 40, S, 8))
        .hasMessageContaining("max-keys");
  }

  @Test
  void update_allocatesNothingPerPacket() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    mx.setThreadAllocatedMemoryEnabled(true);
    FloodDetector d = detector(FloodDetector.Options.defaults().withLearn(LEARN));
    learnBusy(d);
    Random r = new Random(11);
    int[] hosts = new int[4096]; // more hosts than fit: evictions on the measured path too
    for (int i = 0; i < hosts.length; i++) {
      hosts[i] = ip(10, 3, i >>> 8, i & 0xff);
    }
    long[] ts = {LEARN};
    Runnable round =
        () -> {
          for (int i = 0; i < 200_000; i++) {
            ts[0] += 200 + r.nextInt(400);
            int src = hosts[r.nextInt(hosts.length)];
            int dst = hosts[r.nextInt(hosts.length)];
            switch (i & 3) {
              case 0 -> d.update(syn(ts[0], src, dst));
              case 1 -> d.update(synAck(ts[0], dst, src));
              case 2 -> d.update(udp(ts[0], src, dst));
              default -> d.update(publish(ts[0], src, dst));
            }
          }
        };
    round.run(); // warm-up: JIT
    long tid = Thread.currentThread().getId();
    long least = Long.MAX_VALUE;
    for (int k = 0; k < 4; k++) { // the least of four rounds: one JIT event is not a packet's cost
      long c0 = mx.getThreadAllocatedBytes(tid);
      long c1 = mx.getThreadAllocatedBytes(tid);
      long before = mx.getThreadAllocatedBytes(tid);
      round.run();
      least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before - (c1 - c0));
    }
    assertThat(reports).isEmpty();
    assertThat(d.evictions()).isPositive();
    assertThat(least).as("bytes allocated over 200,000 packets").isLessThanOrEqualTo(64);
  }

  /** Feeds every capture under {@code folder} to a fresh detector; returns the reports by file. */
  private static List<String> reportsOfCaptures(String folder, long learnMicros)
      throws IOException {
    List<Path> files;
    Path root = SharedData.file(folder);
    try (Stream<Path> w = Files.walk(root)) {
      files = w.filter(f -> f.toString().endsWith(".pcap")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    List<String> out = new ArrayList<>();
    PacketParser parser = new PacketParser();
    PacketMeta meta = new PacketMeta();
    for (Path f : files) {
      FloodDetector d =
          new FloodDetector(
              FloodDetector.Options.defaults().withLearn(learnMicros),
              r ->
                  out.add(
                      root.relativize(f)
                          + " "
                          + r.role()
                          + " "
                          + r.host()
                          + " "
                          + r.kind().label()
                          + " "
                          + r.packets()
                          + " at "
                          + Math.round(r.ratePerSecond())
                          + "/s"));
      new PcapFileReader(f)
          .read(
              (frame, length, wire, t) -> {
                if (parser.parse(frame, 0, length, wire, t, meta) == ParseError.NONE) {
                  d.update(meta);
                }
              });
    }
    return out;
  }

  @Test
  void sharedBenignIotCaptures_areNeverReported_evenWithNothingLearned() throws IOException {
    // 423 device setups of 22 IoT types, every host unseen (no learning): the strictest case
    List<String> found = reportsOfCaptures("pcap/benign", 0);
    System.out.println("benign reports " + found.size() + ": " + String.join("\n", found));
    // The D-LinkCam's setup sends bursts of 23 to 39 mDNS and SSDP datagrams (2,500/s at most):
    // reported until packets to groups were left out. Every device type is quiet now.
    assertThat(found).isEmpty();
  }
}
