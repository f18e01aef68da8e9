package dev.vigil.features.flow;

import static dev.vigil.features.flow.FlowPackets.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.features.packet.PacketMeta;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BeaconTrackerTest {
  private static final long S = 1_000_000L;
  private static final int CAMERA = ip(10, 88, 0, 12);
  private static final int GATEWAY = ip(10, 88, 0, 1);
  private static final int C2 = ip(10, 88, 0, 66);
  private static final long LEARN = 60 * S;

  private final List<BeaconTracker.Beacon> reports = new ArrayList<>();
  private final PacketMeta m = new PacketMeta();

  private BeaconTracker tracker() {
    return new BeaconTracker(BeaconTracker.Options.defaults().withLearn(LEARN), reports::add);
  }

  private PacketMeta packet(long ts, int src, int dst, int proto, int sport, int dport, int flags) {
    return FlowPackets.ipv4(m, ts, src, dst, proto, sport, dport, flags);
  }

  private void syn(BeaconTracker t, long ts, int src, int dst, int dport) {
    t.update(packet(ts, src, dst, PacketMeta.PROTO_TCP, 40000 + (int) (ts % 20000), dport, 2));
    // the rest of the exchange: SYN-ACK, ACK, data; none of it is a start
    t.update(packet(ts + 300, dst, src, PacketMeta.PROTO_TCP, dport, 40000, 0x12));
    t.update(packet(ts + 600, src, dst, PacketMeta.PROTO_TCP, 40000, dport, 0x10));
    t.update(packet(ts + 900, src, dst, PacketMeta.PROTO_TCP, 40000, dport, 0x18));
  }

  /** Learning: the camera talks to the gateway (MQTT, DNS) for the whole learning period. */
  private void learnBaseline(BeaconTracker t) {
    for (long ts = 0; ts < LEARN; ts += 5 * S) {
      syn(t, ts, CAMERA, GATEWAY, 1883);
      t.update(packet(ts + 1000, CAMERA, GATEWAY, PacketMeta.PROTO_UDP, 5353, 53, 0));
    }
    assertThat(t.learning()).isTrue();
  }

  @Test
  void aSteadyPollOfANewPeer_isReportedAtTheEighthStartAndAgainEightLater() {
    BeaconTracker t = tracker();
    learnBaseline(t);
    long t0 = LEARN + 10 * S;
    Random r = new Random(7);
    for (int i = 0; i < 16; i++) {
      long ts = t0 + i * 3 * S + r.nextInt(50_000); // 3 s, up to 50 ms late
      syn(t, ts, CAMERA, C2, 8443);
      if (i < 7) {
        assertThat(reports).as("after %d starts", i + 1).isEmpty();
      }
      if (i == 7) {
        assertThat(reports).hasSize(1);
      }
    }
    assertThat(t.learning()).isFalse();
    assertThat(reports).hasSize(2);
    BeaconTracker.Beacon b = reports.get(0);
    assertThat(b.source()).isEqualTo("10.88.0.12");
    assertThat(b.destination()).isEqualTo("10.88.0.66");
    assertThat(b.protocolName()).isEqualTo("tcp");
    assertThat(b.dstPort()).isEqualTo(8443);
    assertThat(b.periodSeconds()).isCloseTo(3.0, within(0.05));
    assertThat(b.jitter()).isLessThan(0.02);
    assertThat(b.starts()).isEqualTo(8);
    assertThat(b.lastStartMicros() - b.firstStartMicros())
        .isBetween(21 * S - 60_000, 21 * S + 60_000);
    assertThat(reports.get(1).starts()).isEqualTo(16);
    assertThat(t.reports()).isEqualTo(2);
  }

  @Test
  void aPeerLearnedWhileLearning_isNeverABeacon() {
    BeaconTracker t = tracker();
    learnBaseline(t);
    // the same steady clock as the camera's MQTT reconnects while learning, now to port 8883
    for (int i = 0; i < 20; i++) {
      syn(t, LEARN + i * 3 * S, CAMERA, GATEWAY, 8883);
      t.update(packet(LEARN + i * 3 * S, CAMERA, GATEWAY, PacketMeta.PROTO_UDP, 5353, 53, 0));
    }
    // the reverse direction of a learned pair is learned too
    for (int i = 0; i < 20; i++) {
      syn(t, LEARN + i * 3 * S, GATEWAY, CAMERA, 80);
    }
    assertThat(reports).isEmpty();
    assertThat(t.conversations()).isZero();
    assertThat(t.learnedPairs()).isEqualTo(1);
  }

  @Test
  void aDeviceThatJoinedLater_pollingAServiceTheLanUsedWhileLearning_isNoBeacon() {
    BeaconTracker t = tracker();
    learnBaseline(t); // the camera: MQTT (tcp/1883) and DNS (udp/53) of the gateway
    int speaker = ip(10, 88, 0, 16); // not on the network while learning
    for (int i = 0; i < 20; i++) {
      long ts = LEARN + i * 3 * S;
      syn(t, ts, speaker, GATEWAY, 1883);
      t.update(packet(ts + 1000, speaker, GATEWAY, PacketMeta.PROTO_UDP, 5353, 53, 0));
    }
    assertThat(reports).as("the LAN's MQTT and DNS services").isEmpty();
    assertThat(t.learnedServices()).isGreaterThanOrEqualTo(2);
    // a port of the gateway nobody opened while learning is a new service: judged as before
    for (int i = 0; i < 8; i++) {
      syn(t, LEARN + 70 * S + i * 3 * S, speaker, GATEWAY, 4444);
    }
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).dstPort()).isEqualTo(4444);
  }

  @Test
  void irregularStarts_floodsAndRetransmissions_areNotBeacons() {
    BeaconTracker t = tracker();
    learnBaseline(t);
    long t0 = LEARN;
    // a person browsing: starts at random (Poisson, 10 s apart on average, at least 1 s)
    long ts = t0;
    Random r = new Random(3);
    for (int i = 0; i < 40; i++) {
      ts += S + (long) (-Math.log(1 - r.nextDouble()) * 9 * S);
      syn(t, ts, CAMERA, C2, 443);
    }
    // a SYN flood at 100 a second: steady, but far below the least period
    for (int i = 0; i < 2000; i++) {
      t.update(packet(t0 + i * 10_000L, C2, GATEWAY, PacketMeta.PROTO_TCP, 1000 + i, 80, 2));
    }
    assertThat(reports).isEmpty();
    // retransmitted SYNs (1 s after each) are not starts: the 4 s clock under them still shows
    for (int i = 0; i < 8; i++) {
      long s = ts + 10 * S + i * 4 * S;
      t.update(packet(s, CAMERA, ip(10, 88, 0, 99), PacketMeta.PROTO_TCP, 40001, 22, 2));
      t.update(packet(s + S / 2, CAMERA, ip(10, 88, 0, 99), PacketMeta.PROTO_TCP, 40001, 22, 2));
    }
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).periodSeconds()).isCloseTo(4.0, within(1e-9));
    assertThat(reports.get(0).jitter()).isZero();
  }

  @Test
  void aLongRandomConversation_isNotReported_butABeaconAfterItIsOnceItsHistoryIsSteady() {
    BeaconTracker t = tracker();
    learnBaseline(t);
    Random r = new Random(5);
    long ts = LEARN;
    for (int i = 0; i < 2000; i++) { // Poisson starts, 20 s apart on average
      ts += 2 * S + (long) (-Math.log(1 - r.nextDouble()) * 18 * S);
      syn(t, ts, CAMERA, C2, 443);
    }
    assertThat(reports).isEmpty();
    for (int i = 1; i <= 40 && reports.isEmpty(); i++) { // then a steady 30 s clock
      syn(t, ts + i * 30 * S, CAMERA, C2, 443);
    }
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).periodSeconds()).isCloseTo(30, within(1e-9));
    assertThat(reports.get(0).starts()).isEqualTo(2000 + BeaconTracker.HISTORY);
  }

  @Test
  void aBeaconAfterAnEarlierConnectionToTheSameServer_isReportedOnceThatLeftTheLastTwelve() {
    BeaconTracker t = tracker();
    learnBaseline(t);
    syn(t, LEARN + 5 * S, CAMERA, C2, 8443); // an upload to the server, 100 s before the polls
    long t0 = LEARN + 105 * S;
    int reportedAt = -1;
    for (int i = 0; i < 20 && reportedAt < 0; i++) {
      syn(t, t0 + i * 3 * S, CAMERA, C2, 8443);
      if (!reports.isEmpty()) {
        reportedAt = i + 1;
      }
    }
    assertThat(reportedAt).as("polls until reported").isEqualTo(BeaconTracker.HISTORY + 1);
    assertThat(reports.get(0).periodSeconds()).isCloseTo(3, within(1e-9));
  }

  @Test
  void udpAndPingBeacons_countBurstsNotDatagrams_andGroupAddressesAreIgnored() {
    BeaconTracker t = tracker();
    learnBaseline(t);
    for (int i = 0; i < 8; i++) {
      long ts = LEARN + i * 10 * S;
      for (int j = 0; j < 3; j++) { // a burst of three datagrams every 10 s
        t.update(packet(ts + j * 20_000L, CAMERA, C2, PacketMeta.PROTO_UDP, 5000, 9999, 0));
      }
      t.update(packet(ts, CAMERA, ip(10, 88, 0, 77), PacketMeta.PROTO_ICMP, 8, 0, 0)); // echo
      t.update(packet(ts, ip(10, 88, 0, 78), CAMERA, PacketMeta.PROTO_ICMP, 0, 0, 0)); // reply
      // SSDP announcements to a multicast group, and a subnet broadcast by MAC
      t.update(packet(ts, CAMERA, ip(239, 255, 255, 250), PacketMeta.PROTO_UDP, 1900, 1900, 0));
      PacketMeta b = packet(ts, CAMERA, ip(10, 88, 0, 255), PacketMeta.PROTO_UDP, 68, 67, 0);
      b.dstMac = 0xffff_ffff_ffffL;
      t.update(b);
    }
    assertThat(reports)
        .extracting(BeaconTracker.Beacon::destination, BeaconTracker.Beacon::protocolName)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("10.88.0.66", "udp"),
            org.assertj.core.groups.Tuple.tuple("10.88.0.77", "icmp"));
    assertThat(reports).allSatisfy(r -> assertThat(r.periodSeconds()).isCloseTo(10, within(0.1)));
  }

  @Test
  void memoryIsBounded_underASpoofedFlood() {
    BeaconTracker.Options d = BeaconTracker.Options.defaults();
    BeaconTracker t =
        new BeaconTracker(
            new BeaconTracker.Options(
                LEARN, 6, 0.25, d.minPeriodMicros(), d.maxPeriodMicros(), 64, 64),
            reports::add);
    for (int i = 0; i < 10_000; i++) { // while learning: 10,000 pairs into a table of 64
      t.update(packet(i, ip(10, 1, i >>> 8, i & 0xff), GATEWAY, PacketMeta.PROTO_UDP, 1, 53, 0));
    }
    for (int i = 0; i < 10_000; i++) { // after: 10,000 new conversations into a table of 64
      t.update(packet(LEARN + i, ip(10, 2, i >>> 8, i & 0xff), C2, PacketMeta.PROTO_TCP, 1, 80, 2));
    }
    assertThat(t.learnedPairs()).isLessThanOrEqualTo(64);
    assertThat(t.conversations()).isLessThanOrEqualTo(64);
    assertThat(t.evictions()).isGreaterThanOrEqualTo(2 * (10_000 - 64));
    assertThat(reports).isEmpty();
  }

  @Test
  void badOptionsAreRefused() {
    assertThatThrownBy(() -> new BeaconTracker.Options(0, 2, 0.2, 1, 2, 64, 64))
        .hasMessageContaining("min-repeats");
    assertThatThrownBy(() -> new BeaconTracker.Options(0, 6, 0, 1, 2, 64, 64))
        .hasMessageContaining("max-jitter");
    assertThatThrownBy(() -> new BeaconTracker.Options(0, 6, 0.2, 5, 2, 64, 64))
        .hasMessageContaining("min-period");
    assertThatThrownBy(() -> new BeaconTracker.Options(-1, 6, 0.2, 1, 2, 64, 64))
        .hasMessageContaining("learn");
  }

  @Test
  void update_allocatesNothingPerPacket() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    mx.setThreadAllocatedMemoryEnabled(true);
    BeaconTracker t = tracker();
    learnBaseline(t);
    Random r = new Random(11);
    int[] peers = new int[512];
    for (int i = 0; i < peers.length; i++) {
      peers[i] = ip(10, 3, i >>> 8, i & 0xff);
    }
    long ts = LEARN;
    for (int i = 0; i < 300_000; i++) { // warm-up: JIT; conversations all inserted
      ts += 1000 + r.nextInt(100_000);
      t.update(packet(ts, CAMERA, peers[r.nextInt(peers.length)], PacketMeta.PROTO_UDP, 1, 9, 0));
    }
    reports.clear();
    long tid = Thread.currentThread().getId();
    long c0 = mx.getThreadAllocatedBytes(tid);
    long c1 = mx.getThreadAllocatedBytes(tid);
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 200_000; i++) {
      ts += 1000 + r.nextInt(100_000); // peers in random order: no steady clock, no report
      t.update(packet(ts, CAMERA, peers[r.nextInt(peers.length)], PacketMeta.PROTO_UDP, 1, 9, 0));
    }
    long allocated = mx.getThreadAllocatedBytes(tid) - before - (c1 - c0);
    assertThat(reports).isEmpty();
    assertThat(t.conversations()).isEqualTo(peers.length);
    assertThat(allocated).as("bytes allocated over 200,000 packets").isLessThanOrEqualTo(64);
  }
}
