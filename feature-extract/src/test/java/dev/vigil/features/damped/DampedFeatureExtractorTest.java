package dev.vigil.features.damped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import dev.vigil.testsupport.SharedData;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class DampedFeatureExtractorTest {
  private static final long SECOND = 1_000_000L;

  record Window(String host, long start, long end, float[] v) {}

  private final List<Window> windows = new ArrayList<>();
  private final PacketMeta m = new PacketMeta();

  private DampedFeatureExtractor extractor(int maxHosts) {
    return new DampedFeatureExtractor(
        10 * SECOND,
        DampedFeatureExtractor.Limits.forHosts(maxHosts),
        (hi, lo, s, e, v) -> windows.add(new Window(Addresses.format(hi, lo), s, e, v.clone())));
  }

  private void packet(
      DampedFeatureExtractor x,
      long ts,
      int src,
      int dst,
      int sport,
      int dport,
      int flags,
      int len) {
    m.clear();
    m.timestampMicros = ts;
    m.wireLength = len;
    m.l3 = PacketMeta.L3_IPV4;
    m.srcMac = 0x0200_0000_0000L | (src & 0xff);
    m.srcLo = Addresses.mappedLo(src);
    m.dstLo = Addresses.mappedLo(dst);
    m.protocol = PacketMeta.PROTO_TCP;
    m.srcPort = sport;
    m.dstPort = dport;
    m.tcpFlags = flags;
    x.update(m);
  }

  private static float f(Window w, String name) {
    int i = DampedFeatureExtractor.SCHEMA.names().indexOf(name);
    assertThat(i).as("feature %s", name).isNotNegative();
    return w.v()[i];
  }

  @Test
  void schema_hasPerRateAndWindowFeatures() {
    assertThat(DampedFeatureExtractor.SCHEMA.size()).isEqualTo(22 * 5 + 16);
    assertThat(DampedFeatureExtractor.SCHEMA.names())
        .contains("l5_host_mean", "l0.01_sock_pcc", "l1_jitter_std", "log_distinct_dst_hosts");
    var schema = DampedFeatureExtractor.SCHEMA;
    assertThat(schema.units().get(schema.names().indexOf("l1_jitter_mean"))).isEqualTo("s");
    assertThat(schema.units().get(schema.names().indexOf("l3_chan_pcc"))).isEqualTo("correlation");
    assertThatThrownBy(
            () ->
                new dev.vigil.features.FeatureSchema(
                    "x.v1", java.util.List.of("a", "b"), java.util.List.of("u")))
        .hasMessageContaining("units has 1 entries, names has 2");
  }

  @Test
  void update_requestResponseConversationHasExpectedStatistics() {
    DampedFeatureExtractor x = extractor(64);
    // Client 1 sends 100-byte requests every 100 ms, server 2 answers 1000 bytes 10 ms later.
    for (int k = 0; k < 100; k++) {
      long t = k * 100_000L;
      packet(x, t, 1, 2, 40000, 80, PacketMeta.TCP_ACK, 100);
      packet(x, t + 10_000, 2, 1, 80, 40000, PacketMeta.TCP_ACK, 1000);
    }
    packet(x, 10 * SECOND, 1, 2, 40000, 80, PacketMeta.TCP_ACK, 100); // closes the first window
    Window c = windows.stream().filter(w -> w.host().equals("0.0.0.1")).findFirst().orElseThrow();
    assertThat(f(c, "l0.01_host_mean")).isEqualTo(100f);
    assertThat(f(c, "l0.01_host_std")).isZero();
    assertThat(f(c, "l1_jitter_mean")).isCloseTo(0.1f, org.assertj.core.data.Offset.offset(1e-3f));
    assertThat(f(c, "l1_chan_mean")).isEqualTo(100f); // the host's own direction
    // Both directions: magnitude = |(100, 1000)|.
    assertThat(f(c, "l1_chan_magnitude"))
        .isCloseTo((float) Math.hypot(100, 1000), org.assertj.core.data.Offset.offset(0.5f));
    assertThat(f(c, "l1_sock_mean")).isEqualTo(100f);
    assertThat(f(c, "out_ratio")).isEqualTo(0.5f);
    assertThat(f(c, "frac_well_known_dst_port")).isEqualTo(1f);
    assertThat(Math.expm1(f(c, "log_new_sockets_per_s")))
        .isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(f(c, "log_socket_duration_s")).isGreaterThan(0);
  }

  @Test
  void update_spoofedFloodStaysBoundedAndAllocatesNothing() {
    DampedFeatureExtractor x = extractor(1000);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    for (int i = 0; i < 50_000; i++) { // warm-up: fill the tables and compile
      packet(x, i, 0x0b00_0000 + i, 0x0a00_0001, 1024 + (i & 0x7fff), 80, PacketMeta.TCP_SYN, 60);
    }
    long before = mx.getThreadAllocatedBytes(tid);
    int n = 300_000;
    for (int i = 0; i < n; i++) {
      packet(
          x,
          50_000 + i,
          0x0c00_0000 + i,
          0x0a00_0001,
          1024 + (i & 0x7fff),
          80,
          PacketMeta.TCP_SYN,
          60);
    }
    long allocated = mx.getThreadAllocatedBytes(tid) - before;
    assertThat(x.hostCount()).isLessThanOrEqualTo(1000);
    assertThat(x.evictions()).isGreaterThan(n);
    // Nothing per packet: allow a few kB for the measurement itself and rare JIT/TLAB effects.
    assertThat(allocated).as("bytes allocated for %d packets", n).isLessThan(16_384);
  }

  @Test
  void flush_scoresShortLivedHostsButDropsShortTails() {
    DampedFeatureExtractor x = extractor(64);
    for (int i = 0; i <= 11; i++) {
      packet(x, i * SECOND, 1, 2, 40000, 80, PacketMeta.TCP_ACK, 100);
    }
    packet(x, 11 * SECOND, 3, 2, 40001, 23, PacketMeta.TCP_SYN, 60);
    x.flush();
    assertThat(windows).extracting(Window::host).containsExactly("0.0.0.1", "0.0.0.3");
    assertThat(x.droppedTails()).isEqualTo(1);
  }

  @Test
  void constructor_rejectsBadArguments() {
    assertThatThrownBy(
            () ->
                new DampedFeatureExtractor(
                    10, DampedFeatureExtractor.Limits.forHosts(64), (a, b, c, d, e) -> {}))
        .hasMessageContaining("windowMicros");
    assertThatThrownBy(() -> new DampedFeatureExtractor.Limits(8, 100, 100))
        .hasMessageContaining("at least 16");
  }

  /**
   * The Mirai-like scanner of Slips test7 stands out on fan-out against every other host of the
   * capture.
   */
  @Test
  @Tag("shared-data")
  void sharedScanCapture_scannerStandsOutOnFanOut() throws Exception {
    DampedFeatureExtractor x = extractor(4096);
    PacketParser parser = new PacketParser();
    new PcapFileReader(SharedData.file("pcap/attack/slips/test7-malicious.pcap"))
        .read(
            (frame, cap, wire, ts) -> {
              parser.parse(frame, 0, cap, wire, ts, m);
              x.update(m);
            });
    x.flush();
    Map<String, Float> maxHosts = new HashMap<>();
    Map<String, Float> maxSyn = new HashMap<>();
    for (Window w : windows) {
      maxHosts.merge(w.host(), f(w, "log_distinct_dst_hosts"), Math::max);
      maxSyn.merge(w.host(), f(w, "frac_syn"), Math::max);
    }
    float scanner = maxHosts.remove("192.168.2.16");
    float othersMax = maxHosts.values().stream().max(Float::compare).orElseThrow();
    assertThat(Math.expm1(scanner)).as("scanner distinct destinations").isGreaterThan(20);
    assertThat(scanner)
        .isGreaterThan(othersMax + 1); // e-fold more destinations than any other host
    assertThat(maxSyn.get("192.168.2.16")).isGreaterThan(0.5f);
  }
}
