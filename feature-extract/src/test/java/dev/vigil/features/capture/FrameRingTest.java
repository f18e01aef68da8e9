package dev.vigil.features.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameRingTest {
  private static byte[] frame(int seq, int len) {
    byte[] b = new byte[len];
    b[0] = (byte) (seq >>> 24);
    b[1] = (byte) (seq >>> 16);
    b[2] = (byte) (seq >>> 8);
    b[3] = (byte) seq;
    return b;
  }

  private static int seq(byte[] b) {
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  @Test
  void offer_fullRingCountsOverflowAndKeepsOldest() {
    FrameRing r = new FrameRing(4, 64);
    for (int i = 0; i < 6; i++) {
      boolean ok = r.offer(frame(i, 100), 100, 100, i);
      assertThat(ok).isEqualTo(i < 4);
    }
    assertThat(r.overflows()).isEqualTo(2);
    List<String> got = new ArrayList<>();
    assertThat(
            r.drain((f, cap, wire, ts) -> got.add(seq(f) + "/" + cap + "/" + wire + "/" + ts), 10))
        .isEqualTo(4);
    assertThat(got)
        .containsExactly(
            "0/64/100/0", "1/64/100/1", "2/64/100/2", "3/64/100/3"); // truncated to the slot
    assertThat(r.size()).isZero();
  }

  @Test
  void offerAndDrain_concurrentThreadsLoseNothingButCountedOverflows() throws Exception {
    FrameRing r = new FrameRing(1024, 64);
    int n = 2_000_000;
    long[] delivered = {0};
    int[] last = {-1};
    boolean[] ordered = {true};
    Thread consumer =
        new Thread(
            () -> {
              long deadline = System.nanoTime() + 20_000_000_000L;
              while (System.nanoTime() < deadline) {
                int got =
                    r.drain(
                        (f, cap, wire, ts) -> {
                          int s = seq(f);
                          ordered[0] &= s > last[0] && ts == s;
                          last[0] = s;
                          delivered[0]++;
                        },
                        256);
                if (got == 0 && last[0] == n - 1) {
                  return;
                }
                if (got == 0 && delivered[0] + r.overflows() == n) {
                  return;
                }
              }
            });
    consumer.start();
    byte[] buf = new byte[64];
    for (int i = 0; i < n; i++) {
      buf[0] = (byte) (i >>> 24);
      buf[1] = (byte) (i >>> 16);
      buf[2] = (byte) (i >>> 8);
      buf[3] = (byte) i;
      r.offer(buf, 64, 64, i);
    }
    consumer.join(25_000);
    assertThat(consumer.isAlive()).isFalse();
    assertThat(delivered[0] + r.overflows()).isEqualTo(n);
    assertThat(ordered[0]).as("frames delivered in order with their timestamps").isTrue();
  }

  @Test
  void constructor_validates() {
    assertThatThrownBy(() -> new FrameRing(3, 64)).hasMessageContaining("power of two");
    assertThatThrownBy(() -> new FrameRing(4, 10)).hasMessageContaining("slotBytes");
  }
}
