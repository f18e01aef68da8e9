package dev.vigil.features.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadingRingTest {
  @Test
  void offerAndPoll_fifoUntilFull() {
    ReadingRing ring = new ReadingRing(4);
    for (int i = 0; i < 4; i++) {
      assertThat(ring.offer(new Reading("d", "m", i, i))).isTrue();
    }
    assertThat(ring.offer(new Reading("d", "m", 9, 9))).isFalse();
    assertThat(ring.size()).isEqualTo(4);
    assertThat(ring.poll().value()).isEqualTo(0);
    assertThat(ring.offer(new Reading("d", "m", 4, 4))).isTrue();
    List<Double> rest = new ArrayList<>();
    for (Reading r; (r = ring.poll()) != null; ) {
      rest.add(r.value());
    }
    assertThat(rest).containsExactly(1.0, 2.0, 3.0, 4.0);
    assertThat(ring.isEmpty()).isTrue();
    assertThat(ring.poll()).isNull();
  }

  @Test
  void capacity_mustBeAPowerOfTwo() {
    assertThatThrownBy(() -> new ReadingRing(3)).hasMessageContaining("power of two");
    assertThatThrownBy(() -> new ReadingRing(1)).hasMessageContaining("power of two");
  }

  /** Four producers, one consumer: every accepted reading comes out once, in per-producer order. */
  @Test
  void concurrentProducers_nothingLostOrDuplicated() throws Exception {
    ReadingRing ring = new ReadingRing(64);
    int producers = 4;
    int perProducer = 200_000;
    AtomicLong accepted = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      String name = "p" + p;
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; i < perProducer; i++) {
                  if (ring.offer(new Reading(name, "m", i, i))) {
                    accepted.incrementAndGet();
                  }
                }
              });
      threads.add(t);
      t.start();
    }
    long[] last = {-1, -1, -1, -1};
    long taken = 0;
    while (threads.stream().anyMatch(Thread::isAlive) || !ring.isEmpty()) {
      Reading r = ring.poll();
      if (r == null) {
        Thread.onSpinWait();
        continue;
      }
      int p = r.device().charAt(1) - '0';
      assertThat(r.timestampMillis()).isGreaterThan(last[p]);
      last[p] = r.timestampMillis();
      taken++;
    }
    for (Thread t : threads) {
      t.join();
    }
    while (ring.poll() != null) {
      taken++;
    }
    assertThat(taken).isEqualTo(accepted.get());
    assertThat(accepted.get()).isPositive();
  }
}
