package dev.vigil.features.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import dev.vigil.features.packet.ParseError;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Real capture on the loopback interface (needs root or CAP_NET_RAW, as the daemon does). */
class LiveCaptureTest {
  private static final int DATAGRAMS = 300;

  @Test
  void capture_loopbackSeesEveryDatagramThroughTheRing() throws Exception {
    try (DatagramSocket receiver =
            new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramSocket sender = new DatagramSocket()) {
      int port = receiver.getLocalPort();
      FrameRing ring = new FrameRing(1024, 256);
      CaptureOptions opts =
          new CaptureOptions(
              "lo", false, 256, "udp and dst port " + port, 1 << 20, true, 50, false);
      PacketParser parser = new PacketParser();
      PacketMeta m = new PacketMeta();
      int[] matched = {0};
      try (LiveCapture cap = new LiveCapture(opts, ring)) {
        cap.start();
        Thread.sleep(200); // the handle is open; let the first dispatch begin
        byte[] payload = new byte[32];
        for (int i = 0; i < DATAGRAMS; i++) {
          payload[0] = (byte) i;
          sender.send(
              new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), port));
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (matched[0] < DATAGRAMS && System.nanoTime() < deadline) {
          int n =
              ring.drain(
                  (f, c, w, ts) -> {
                    if (parser.parse(f, 0, c, w, ts, m) == ParseError.NONE
                        && m.protocol == PacketMeta.PROTO_UDP
                        && m.dstPort == port
                        && m.payloadLength == 32) {
                      matched[0]++;
                    }
                  },
                  512);
          if (n == 0) {
            Thread.sleep(10);
          }
        }
        Thread.sleep(
            2 * opts.timeoutMillis() + 50); // let the capture thread refresh libpcap's counters
        LiveCapture.Stats s = cap.stats();
        assertThat(matched[0]).isEqualTo(DATAGRAMS);
        assertThat(s.captured()).isEqualTo(DATAGRAMS); // the filter let only ours through
        assertThat(s.received()).isGreaterThanOrEqualTo(DATAGRAMS);
        assertThat(s.dropped()).isZero();
        assertThat(s.ringOverflows()).isZero();
        assertThat(cap.isRunning()).isTrue();
      }
    }
  }

  @Test
  void progressing_trueOnAnIdleLinkFalseOnceStopped() throws Exception {
    // a filter nothing on loopback matches: the link is idle for this capture
    CaptureOptions opts =
        new CaptureOptions(
            "lo", false, 256, "udp and dst port 9 and src port 9", 1 << 20, false, 50, false);
    LiveCapture cap = new LiveCapture(opts, new FrameRing(16, 256));
    try {
      cap.start();
      long stale = 2L * opts.timeoutMillis() * 1_000_000;
      Thread.sleep(10 * opts.timeoutMillis());
      assertThat(cap.stats().captured()).isZero();
      // idle for many read timeouts: waiting in libpcap counts as progress, not as stuck
      assertThat(System.nanoTime() - cap.heartbeatNanos()).isGreaterThan(stale);
      assertThat(cap.progressing(System.nanoTime(), stale)).isTrue();
    } finally {
      cap.close();
    }
    assertThat(cap.progressing(System.nanoTime(), Long.MAX_VALUE)).isFalse();
  }

  @Test
  void start_unknownDeviceIsAClearError() {
    LiveCapture cap =
        new LiveCapture(CaptureOptions.defaults("vigil-no-such-if0"), new FrameRing(16, 256));
    assertThatThrownBy(cap::start)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("vigil-no-such-if0");
  }

  @Test
  void start_badFilterIsAClearError() {
    CaptureOptions opts =
        new CaptureOptions("lo", false, 256, "udp and port banana", 1 << 20, true, 50, false);
    LiveCapture cap = new LiveCapture(opts, new FrameRing(16, 256));
    assertThatThrownBy(cap::start).isInstanceOf(IOException.class).hasMessageContaining("banana");
  }
}
