package dev.vigil.features.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostWindowFeaturesTest {
  private static final long SECOND = 1_000_000L;

  record Window(String host, long start, long end, float[] v) {}

  private final List<Window> windows = new ArrayList<>();
  private final PacketMeta m = new PacketMeta();

  private HostWindowFeatures table(int maxHosts) {
    return new HostWindowFeatures(
        10 * SECOND,
        maxHosts,
        (hi, lo, s, e, v) -> windows.add(new Window(Addresses.format(hi, lo), s, e, v.clone())));
  }

  private void tcp(HostWindowFeatures t, long ts, int src, int dst, int dport, int flags, int len) {
    m.clear();
    m.timestampMicros = ts;
    m.wireLength = len;
    m.l3 = PacketMeta.L3_IPV4;
    m.srcHi = 0;
    m.srcLo = Addresses.mappedLo(src);
    m.dstHi = 0;
    m.dstLo = Addresses.mappedLo(dst);
    m.protocol = PacketMeta.PROTO_TCP;
    m.srcPort = 40000;
    m.dstPort = dport;
    m.tcpFlags = flags;
    t.update(m);
  }

  private static float f(Window w, String name) {
    return w.v()[HostWindowFeatures.SCHEMA.names().indexOf(name)];
  }

  @Test
  void update_windowClosesAtNextPacketAfterLength() {
    HostWindowFeatures t = table(1024);
    for (int i = 0; i < 10; i++) {
      tcp(t, i * SECOND, 1, 2, 80, PacketMeta.TCP_ACK, 100 + 20 * (i % 2));
    }
    assertThat(windows).isEmpty();
    tcp(t, 10 * SECOND, 1, 2, 80, PacketMeta.TCP_ACK, 100);
    // Host 0.0.0.1 closes its window; 0.0.0.2 only received, so it emits nothing.
    assertThat(windows).hasSize(1);
    Window w = windows.get(0);
    assertThat(w.host()).isEqualTo("0.0.0.1");
    assertThat(w.start()).isZero();
    assertThat(w.end()).isEqualTo(10 * SECOND);
    assertThat(f(w, "log_packets_out")).isEqualTo((float) Math.log1p(10));
    assertThat(f(w, "mean_size")).isEqualTo(110f);
    assertThat(f(w, "std_size")).isEqualTo(10f, org.assertj.core.data.Offset.offset(1e-3f));
    assertThat(f(w, "frac_tcp")).isEqualTo(1f);
    assertThat(f(w, "frac_syn")).isZero();
    assertThat(f(w, "log_distinct_dst_hosts"))
        .isEqualTo((float) Math.log1p(1), org.assertj.core.data.Offset.offset(0.01f));
    assertThat(f(w, "out_ratio")).isEqualTo(1f);
  }

  @Test
  void update_scanShowsFanOutAndSyns() {
    HostWindowFeatures t = table(4096);
    for (int i = 0; i < 60; i++) {
      tcp(t, i * 1000L, 66, 1000 + i, 23 + i, PacketMeta.TCP_SYN, 60);
    }
    t.flush();
    Window scan =
        windows.stream().filter(w -> w.host().equals("0.0.0.66")).findFirst().orElseThrow();
    double hosts = Math.expm1(f(scan, "log_distinct_dst_hosts"));
    double ports = Math.expm1(f(scan, "log_distinct_dst_ports"));
    assertThat(hosts).isBetween(54.0, 66.0); // linear counting, 256 bits: within 10 % at 60
    assertThat(ports).isBetween(54.0, 66.0);
    assertThat(f(scan, "frac_syn")).isEqualTo(1f);
  }

  @Test
  void update_floodOfSpoofedSourcesStaysBounded() {
    HostWindowFeatures t = table(1000);
    long t0 = System.nanoTime();
    for (int i = 0; i < 200_000; i++) {
      tcp(t, i, 0x0b00_0000 + i, 0x0a00_0001, 80, PacketMeta.TCP_SYN, 60);
      assertThat(t.size()).isLessThanOrEqualTo(1000);
    }
    assertThat(t.evictions()).isGreaterThanOrEqualTo(200_000 - 1000);
    // Eviction must not degrade the table (a version that evicted next to the probe run took ~100
    // us/packet).
    assertThat(System.nanoTime() - t0).as("flood time").isLessThan(5_000_000_000L);
    // The victim is seen by every packet, so it is never the least recently seen and survives.
    tcp(t, 300_000, 0x0a00_0001, 0x0b00_0000, 80, PacketMeta.TCP_ACK, 60);
    t.flush();
    assertThat(windows).anyMatch(w -> w.host().equals("10.0.0.1"));
  }

  @Test
  void update_meanPayloadEntropyOverPacketsWithPayload() {
    HostWindowFeatures t = table(64);
    tcp(t, 0, 1, 2, 80, PacketMeta.TCP_ACK, 100); // no payload: not averaged
    m.payloadCapturedLength = 20;
    m.payloadEntropy = 3f;
    t.update(m);
    m.payloadEntropy = 5f;
    t.update(m);
    t.flush();
    assertThat(f(windows.get(0), "mean_payload_entropy")).isEqualTo(4f);
  }

  @Test
  void expire_closesIdleHosts() {
    HostWindowFeatures t = table(64);
    tcp(t, 0, 1, 2, 80, PacketMeta.TCP_ACK, 100);
    t.expire(5 * SECOND);
    assertThat(windows).isEmpty();
    t.expire(10 * SECOND);
    assertThat(windows).hasSize(1);
    assertThat(t.emitted()).isEqualTo(1);
  }

  @Test
  void flush_dropsShortTailsOfKnownHostsButScoresShortLivedHosts() {
    HostWindowFeatures t = table(64);
    for (int i = 0; i <= 11; i++) { // host 1: one full window, then a 1 s tail
      tcp(t, i * SECOND, 1, 2, 80, PacketMeta.TCP_ACK, 100);
    }
    tcp(t, 11 * SECOND, 3, 2, 80, PacketMeta.TCP_SYN, 60); // host 3: seen for an instant only
    t.flush();
    assertThat(windows).extracting(Window::host).containsExactly("0.0.0.1", "0.0.0.3");
    assertThat(t.droppedTails()).isEqualTo(1);
  }

  @Test
  void constructor_rejectsBadArguments() {
    assertThatThrownBy(() -> new HostWindowFeatures(10, 100, (a, b, c, d, e) -> {}))
        .hasMessageContaining("windowMicros");
    assertThatThrownBy(() -> new HostWindowFeatures(SECOND, 1, (a, b, c, d, e) -> {}))
        .hasMessageContaining("maxHosts");
  }

  @Test
  void emittingResponder_tellsTheScannedFromTheScanner() {
    List<String> responders = new ArrayList<>();
    HostWindowFeatures[] holder = new HostWindowFeatures[1];
    holder[0] =
        new HostWindowFeatures(
            10 * SECOND,
            1024,
            (hi, lo, s, e, v) -> {
              if (holder[0].emittingResponder()) {
                responders.add(Addresses.format(hi, lo));
              }
              windows.add(new Window(Addresses.format(hi, lo), s, e, v.clone()));
            });
    HostWindowFeatures t = holder[0];
    for (int i = 0; i < 50; i++) {
      long ts = i * 1000L;
      tcp(t, ts, 66, 12, 1 + i, PacketMeta.TCP_SYN, 60); // the scanner opens
      tcp(t, ts + 1, 12, 66, 40000, PacketMeta.TCP_RST | PacketMeta.TCP_ACK, 60); // refused
    }
    // Host 13 answers a few SYNs with SYN-ACKs but opens as many connections itself (fewer than
    // twice as many answers as openings: not a responder).
    for (int i = 0; i < 5; i++) {
      tcp(t, i * 1000L, 13, 66, 40000, PacketMeta.TCP_SYN | PacketMeta.TCP_ACK, 60);
      tcp(t, i * 1000L + 2, 13, 1, 80, PacketMeta.TCP_SYN, 60);
    }
    // Host 14 only sends data.
    for (int i = 0; i < 20; i++) {
      tcp(t, i * 1000L, 14, 1, 1883, PacketMeta.TCP_ACK | PacketMeta.TCP_PSH, 200);
    }
    // Host 15 is flooded (nothing answered: dropped before it, or UDP to closed ports) and sends
    // its usual few packets.
    for (int i = 0; i < 30; i++) {
      tcp(t, i * 1000L, 77, 15, 80, PacketMeta.TCP_SYN, 60);
    }
    for (int i = 0; i < 3; i++) {
      tcp(t, i * 1000L + 5, 15, 1, 1883, PacketMeta.TCP_ACK | PacketMeta.TCP_PSH, 200);
    }
    t.flush();
    assertThat(windows)
        .extracting(Window::host)
        .contains("0.0.0.12", "0.0.0.13", "0.0.0.14", "0.0.0.15", "0.0.0.77");
    assertThat(responders).containsExactlyInAnyOrder("0.0.0.12", "0.0.0.15");
  }

  @Test
  void expire_idleGroupsCloseTheSameWindowsInTheSameOrderAsASweepOverTheTable() {
    // Random traffic among more hosts than the table holds (evictions), silences of several
    // windows, and expiry at random times between the packets (a live capture's ticks) and at
    // times behind them: the idle groups must close exactly what the whole-table sweep closes.
    for (long seed = 1; seed <= 40; seed++) {
      java.util.Random r = new java.util.Random(seed);
      List<Window> fast = new ArrayList<>();
      List<Window> sweep = new ArrayList<>();
      int max = 16 + r.nextInt(3) * 24;
      HostWindowFeatures a =
          new HostWindowFeatures(
              10 * SECOND,
              max,
              (hi, lo, s, e, v) -> fast.add(new Window(Addresses.format(hi, lo), s, e, v.clone())),
              false);
      HostWindowFeatures b =
          new HostWindowFeatures(
              10 * SECOND,
              max,
              (hi, lo, s, e, v) -> sweep.add(new Window(Addresses.format(hi, lo), s, e, v.clone())),
              true);
      long ts = 0;
      int hosts = max / 2 + r.nextInt(2 * max);
      for (int i = 0; i < 3000; i++) {
        ts += r.nextInt(8) == 0 ? r.nextInt(40) * SECOND : r.nextInt(400_000);
        int src = 1 + r.nextInt(hosts);
        int dst = 1 + r.nextInt(hosts);
        int flags = r.nextBoolean() ? PacketMeta.TCP_SYN : PacketMeta.TCP_ACK;
        int len = 60 + r.nextInt(1400);
        int port = r.nextInt(5);
        tcp(a, ts, src, dst, port, flags, len);
        tcp(b, ts, src, dst, port, flags, len);
        if (r.nextInt(5) == 0) {
          long now = ts + (r.nextInt(4) - 1) * r.nextInt(6) * SECOND;
          a.expire(now);
          b.expire(now);
        }
      }
      a.flush();
      b.flush();
      assertThat(fast).as("seed %d", seed).hasSameSizeAs(sweep).isNotEmpty();
      for (int i = 0; i < sweep.size(); i++) {
        Window x = fast.get(i);
        Window y = sweep.get(i);
        assertThat(x.host() + " " + x.start() + " " + x.end())
            .as("seed %d window %d", seed, i)
            .isEqualTo(y.host() + " " + y.start() + " " + y.end());
        assertThat(x.v()).as("seed %d window %d", seed, i).containsExactly(y.v());
      }
      assertThat(a.droppedTails()).isEqualTo(b.droppedTails());
      assertThat(a.evictions()).isEqualTo(b.evictions());
    }
  }
}
