package dev.vigil.features.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BlockingFrameRingTest {
  private static final int MIB = 1 << 20;

  @Test
  void constructor_rejectsSizesThatAreNotAPowerOfTwoOrTooSmall() {
    assertThatThrownBy(() -> new BlockingFrameRing(MIB / 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 MiB");
    assertThatThrownBy(() -> new BlockingFrameRing(MIB + 8))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void drain_givesFramesBackWithTheirLengthsAndTimesInOrder() {
    BlockingFrameRing ring = new BlockingFrameRing(MIB);
    assertThat(ring.put(new byte[] {1, 2, 3}, 3, 70, 11L)).isTrue();
    assertThat(ring.put(new byte[] {9}, 1, 1, 12L)).isTrue();
    List<String> seen = new ArrayList<>();
    int n =
        ring.drain(
            (f, cap, wire, ts) ->
                seen.add(f[0] + ":" + f[cap - 1] + "/" + cap + "/" + wire + "/" + ts),
            10);
    assertThat(n).isEqualTo(2);
    assertThat(seen).containsExactly("1:3/3/70/11", "9:9/1/1/12");
    assertThat(ring.queuedBytes()).isZero();
  }

  @Test
  void drain_stopsAtMax() {
    BlockingFrameRing ring = new BlockingFrameRing(MIB);
    for (int i = 0; i < 5; i++) {
      ring.put(new byte[] {(byte) i}, 1, 1, i);
    }
    List<Long> seen = new ArrayList<>();
    assertThat(ring.drain((f, c, w, ts) -> seen.add(ts), 3)).isEqualTo(3);
    assertThat(ring.drain((f, c, w, ts) -> seen.add(ts), 3)).isEqualTo(2);
    assertThat(seen).containsExactly(0L, 1L, 2L, 3L, 4L);
  }

  @Test
  void put_keepsTheLargestFrameWholeAndTruncatesOnlyBeyondIt() {
    BlockingFrameRing ring = new BlockingFrameRing(MIB);
    byte[] big = new byte[BlockingFrameRing.MAX_FRAME + 100];
    big[BlockingFrameRing.MAX_FRAME - 1] = 7;
    ring.put(big, BlockingFrameRing.MAX_FRAME, BlockingFrameRing.MAX_FRAME, 1);
    ring.put(big, big.length, big.length, 2);
    List<String> seen = new ArrayList<>();
    ring.drain((f, cap, wire, ts) -> seen.add(cap + "/" + wire + "/" + f[cap - 1]), 5);
    assertThat(seen)
        .containsExactly(
            BlockingFrameRing.MAX_FRAME + "/" + BlockingFrameRing.MAX_FRAME + "/7",
            BlockingFrameRing.MAX_FRAME + "/" + big.length + "/7");
  }

  /**
   * Two threads through a ring much smaller than the data, with frame sizes that make every wrap
   * position occur: every frame arrives once, in order, with its bytes intact.
   */
  @Test
  @Timeout(60)
  void producerAndConsumerThreads_passManyFramesOfMixedSizesIntactAndInOrder() throws Exception {
    BlockingFrameRing ring = new BlockingFrameRing(MIB);
    int frames = 200_000;
    AtomicReference<Throwable> producerFailed = new AtomicReference<>();
    Thread producer =
        new Thread(
            () -> {
              try {
                byte[] buf = new byte[70_000];
                for (int i = 0; i < frames; i++) {
                  int len = frameLength(i);
                  fill(buf, len, i);
                  if (!ring.put(buf, len, len + 4, i)) {
                    throw new AssertionError("cancelled at " + i);
                  }
                }
              } catch (Throwable t) {
                producerFailed.set(t);
              } finally {
                ring.close();
              }
            });
    producer.start();
    long[] next = {0};
    long[] bad = {0};
    while (ring.awaitFrames()) {
      ring.drain(
          (f, cap, wire, ts) -> {
            int i = (int) next[0]++;
            if (ts != i
                || cap != frameLength(i)
                || wire != cap + 4
                || crc(f, cap) != expectedCrc(i)) {
              bad[0]++;
            }
          },
          1000);
    }
    producer.join();
    assertThat(producerFailed.get()).isNull();
    assertThat(next[0]).isEqualTo(frames);
    assertThat(bad[0]).isZero();
  }

  @Test
  @Timeout(30)
  void cancel_releasesAProducerWaitingOnAFullRing() throws Exception {
    BlockingFrameRing ring = new BlockingFrameRing(MIB);
    byte[] big = new byte[100_000];
    AtomicBoolean lastPut = new AtomicBoolean(true);
    Thread producer =
        new Thread(
            () -> {
              for (int i = 0; i < 100; i++) { // 10 MB into a 1 MiB ring nobody drains
                if (!ring.put(big, big.length, big.length, i)) {
                  lastPut.set(false);
                  return;
                }
              }
            });
    producer.start();
    producer.join(300);
    assertThat(producer.isAlive()).as("waits while full").isTrue();
    ring.cancel();
    producer.join(10_000);
    assertThat(producer.isAlive()).isFalse();
    assertThat(lastPut.get()).isFalse();
  }

  @Test
  @Timeout(30)
  void awaitFrames_returnsFalseOnceClosedAndDrained_andThrowsWhenInterrupted() throws Exception {
    BlockingFrameRing ring = new BlockingFrameRing(MIB);
    ring.put(new byte[] {1}, 1, 1, 1);
    ring.close();
    assertThat(ring.awaitFrames()).isTrue();
    ring.drain((f, c, w, t) -> {}, 10);
    assertThat(ring.awaitFrames()).isFalse();

    BlockingFrameRing open = new BlockingFrameRing(MIB);
    Thread.currentThread().interrupt();
    assertThatThrownBy(open::awaitFrames).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
  }

  private static int frameLength(int i) {
    // mostly small frames of every length mod 8, now and then a large one, so wraps fall anywhere
    return i % 997 == 0 ? 60_000 + (i % 4099) : 1 + (i * 31) % 1600;
  }

  private static void fill(byte[] buf, int len, int seed) {
    for (int j = 0; j < len; j++) {
      buf[j] = (byte) (seed * 7 + j * 13);
    }
  }

  private static long crc(byte[] f, int len) {
    CRC32 c = new CRC32();
    c.update(f, 0, len);
    return c.getValue();
  }

  private static long expectedCrc(int i) {
    int len = frameLength(i);
    byte[] b = new byte[len];
    fill(b, len, i);
    return crc(b, len);
  }
}
