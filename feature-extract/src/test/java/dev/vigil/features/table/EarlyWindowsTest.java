package dev.vigil.features.table;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.features.FeatureSet;
import dev.vigil.features.HostFeatures;
import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.window.EarlyJudge;
import dev.vigil.features.window.HostWindowFeatures;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Early windows ({@link WindowedHostTable#checkpoint}) on both feature sets. */
class EarlyWindowsTest {
  private static final long SECOND = 1_000_000L;
  private static final long WINDOW = 10 * SECOND;
  private static final int PACKETS_OUT =
      HostWindowFeatures.SCHEMA.names().indexOf("log_packets_out");

  record Window(String host, long start, long end, float[] v, boolean early) {}

  private final List<Window> windows = new ArrayList<>();
  private final List<Integer> judged = new ArrayList<>(); // packets out at each judgement
  private final PacketMeta m = new PacketMeta();
  private HostFeatures table;

  private HostFeatures table(FeatureSet set) {
    table =
        set.create(
            WINDOW,
            1024,
            (hi, lo, s, e, v) ->
                windows.add(
                    new Window(Addresses.format(hi, lo), s, e, v.clone(), table.emittingEarly())));
    return table;
  }

  /** A judge with a benign maximum of {@code maxPackets} outbound packets per window. */
  private EarlyJudge packetLimit(int packetsOutAt, double maxPackets) {
    return (x, features) -> {
      assertThat(features).contains(packetsOutAt);
      judged.add((int) Math.round(Math.expm1(x[packetsOutAt])));
      return x[packetsOutAt] > Math.log1p(maxPackets);
    };
  }

  private void udp(HostFeatures t, long ts, int src, int dst) {
    m.clear();
    m.timestampMicros = ts;
    m.wireLength = 120;
    m.l3 = PacketMeta.L3_IPV4;
    m.srcLo = Addresses.mappedLo(src);
    m.dstLo = Addresses.mappedLo(dst);
    m.protocol = PacketMeta.PROTO_UDP;
    m.srcPort = 40000;
    m.dstPort = 53;
    t.update(m);
  }

  @Test
  void flood_closesAtTheFirstCheckpointPastTheLimit_andBenignHostsRunTheirWindow() {
    HostFeatures t = table(FeatureSet.HOST_WINDOW);
    t.earlyJudge(packetLimit(PACKETS_OUT, 100));
    // Host 1 floods: 1,000 packets in the first second; host 2 is benign: 90 packets in 9 s.
    for (int i = 0; i < 1000; i++) {
      udp(t, i * 1000L, 1, 9);
      if (i % 11 == 0) {
        udp(t, i * 9000L, 2, 9);
      }
    }
    assertThat(windows).hasSize(1);
    Window w = windows.get(0);
    assertThat(w.host()).isEqualTo("0.0.0.1");
    assertThat(w.early()).isTrue();
    // Judged at 16, 32, 64 (under 100), closed at 128: its start, and the 128th packet as its end.
    assertThat(w.start()).isZero();
    assertThat(w.end()).isEqualTo(127 * 1000L);
    assertThat(w.v()[PACKETS_OUT]).isEqualTo((float) Math.log1p(128));
    assertThat(t.earlyClosed()).isEqualTo(1);
    // The window opened by the early close runs its full length: never judged again.
    assertThat(judged).containsExactly(16, 32, 64, 128, 16, 32, 64);
    udp(t, 20 * SECOND, 1, 9);
    udp(t, 20 * SECOND, 2, 9);
    assertThat(windows).hasSize(3);
    assertThat(windows.subList(1, 3)).noneMatch(Window::early);
    Window second = windows.stream().filter(x -> x.host().equals("0.0.0.1")).toList().get(1);
    assertThat(second.start()).isEqualTo(127 * 1000L);
    assertThat(second.end()).isEqualTo(127 * 1000L + WINDOW);
    assertThat(second.v()[PACKETS_OUT]).isEqualTo((float) Math.log1p(1000 - 128));
  }

  @Test
  void benignHosts_neverCloseEarly() {
    HostFeatures t = table(FeatureSet.HOST_WINDOW);
    t.earlyJudge(packetLimit(PACKETS_OUT, 100));
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 100; i++) { // 100 packets per host and window: at the limit, not past
        for (int h = 1; h <= 50; h++) {
          udp(t, round * WINDOW + i * 60_000L + h, h, 99);
        }
      }
    }
    t.flush();
    assertThat(windows).hasSize(150).noneMatch(Window::early);
    assertThat(t.earlyClosed()).isZero();
    assertThat(judged).hasSize(150 * 3).allMatch(n -> n == 16 || n == 32 || n == 64);
  }

  @Test
  void withoutJudge_aFloodWaitsForTheWindowEnd() {
    HostFeatures t = table(FeatureSet.HOST_WINDOW);
    for (int i = 0; i < 5000; i++) {
      udp(t, i * 1000L, 1, 9);
    }
    assertThat(windows).isEmpty();
    udp(t, WINDOW, 1, 9);
    assertThat(windows).singleElement().satisfies(w -> assertThat(w.early()).isFalse());
  }

  @Test
  void damped_floodClosesEarlyOnItsWindowCount() {
    HostFeatures t = table(FeatureSet.DAMPED);
    int at = t.schema().names().indexOf("log_packets_out");
    assertThat(t.growingFeatures()).contains(at).doesNotContain(0); // no decayed weight
    t.earlyJudge(packetLimit(at, 40));
    for (int i = 0; i < 100; i++) {
      udp(t, i * 1000L, 1, 9);
    }
    assertThat(windows).singleElement().satisfies(w -> assertThat(w.early()).isTrue());
    assertThat(windows.get(0).v()[at]).isEqualTo((float) Math.log1p(64));
    assertThat(windows.get(0).end()).isEqualTo(63 * 1000L);
  }

  @Test
  void checkpoints_allocateNothing() {
    for (FeatureSet set : FeatureSet.values()) {
      long[] early = new long[1];
      HostFeatures t = set.create(WINDOW, 1024, (hi, lo, s, e, v) -> early[0]++);
      int at = t.schema().names().indexOf("log_packets_out");
      float limit = (float) Math.log1p(100);
      t.earlyJudge((x, f) -> x[at] > limit);
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().getId();
      long least = Long.MAX_VALUE;
      long ts = 0;
      for (int round = 0; round < 4; round++) { // the first rounds warm up (JIT)
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 200_000; i++) { // 500 hosts, 200 packets per window: closed early
          udp(t, ts += 100, 1 + i % 500, 0x0a00_0001);
        }
        least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before);
      }
      assertThat(t.earlyClosed()).as(set.configName()).isGreaterThan(1000);
      assertThat(least).as("%s: bytes allocated for 200,000 packets", set).isLessThan(16_384);
    }
  }
}
