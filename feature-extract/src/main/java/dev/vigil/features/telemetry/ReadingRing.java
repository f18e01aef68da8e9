package dev.vigil.features.telemetry;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, lock-free ring of readings from any number of producer threads (the MQTT client's
 * callback threads) to one consumer thread (D. Vyukov's bounded queue: a sequence number per slot).
 *
 * <p>{@link #offer} never blocks and never allocates: when the ring is full it returns false and
 * the caller counts the reading as lost.
 */
final class ReadingRing {
  private final int capacity;
  private final int mask;
  private final AtomicReferenceArray<Reading> slots;
  private final AtomicLongArray sequence;
  private final AtomicLong tail = new AtomicLong(); // next position to claim (producers)
  private final AtomicLong head = new AtomicLong(); // next position to read (consumer)

  /** Creates a ring of {@code capacity} slots, a power of two of at least 2. */
  ReadingRing(int capacity) {
    if (capacity < 2 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException(
          "capacity must be a power of two of at least 2, was " + capacity);
    }
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.slots = new AtomicReferenceArray<>(capacity);
    this.sequence = new AtomicLongArray(capacity);
    for (int i = 0; i < capacity; i++) {
      sequence.set(i, i);
    }
  }

  /** Adds {@code r}; returns false if the ring is full. Any thread. */
  boolean offer(Reading r) {
    long pos = tail.get();
    while (true) {
      int i = (int) pos & mask;
      long dif = sequence.get(i) - pos;
      if (dif == 0) {
        if (tail.compareAndSet(pos, pos + 1)) {
          slots.lazySet(i, r);
          // A full (volatile) write: the consumer's wake-up check that follows must not be
          // reordered before it.
          sequence.set(i, pos + 1);
          return true;
        }
        pos = tail.get();
      } else if (dif < 0) {
        return false; // the slot still holds an unread reading: full
      } else {
        pos = tail.get(); // another producer took this position
      }
    }
  }

  /** Removes and returns the oldest reading, or null if none is ready. Consumer thread only. */
  Reading poll() {
    long h = head.get();
    int i = (int) h & mask;
    if (sequence.get(i) != h + 1) {
      return null;
    }
    Reading r = slots.get(i);
    slots.lazySet(i, null);
    sequence.lazySet(i, h + capacity);
    head.lazySet(h + 1);
    return r;
  }

  /** Returns whether no reading is ready. */
  boolean isEmpty() {
    long h = head.get();
    return sequence.get((int) h & mask) != h + 1;
  }

  /** Returns about how many readings wait. */
  int size() {
    return (int) Math.max(0, Math.min(capacity, tail.get() - head.get()));
  }

  /** Returns the number of slots. */
  int capacity() {
    return capacity;
  }
}
