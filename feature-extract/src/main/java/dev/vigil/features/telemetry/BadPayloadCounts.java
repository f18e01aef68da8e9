package dev.vigil.features.telemetry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of bad payloads, one per {@link BadPayload}; updated by the decoding thread, readable
 * from any thread.
 */
public final class BadPayloadCounts {
  private final AtomicLongArray counts = new AtomicLongArray(BadPayload.values().length);

  /** Counts one occurrence of {@code reason}. */
  void increment(BadPayload reason) {
    counts.incrementAndGet(reason.ordinal());
  }

  /** Returns how many times {@code reason} was counted. */
  public long get(BadPayload reason) {
    return counts.get(reason.ordinal());
  }

  /** Returns the sum over all reasons. */
  public long total() {
    long t = 0;
    for (int i = 0; i < counts.length(); i++) {
      t += counts.get(i);
    }
    return t;
  }

  /** Returns a snapshot of the non-zero counters (allocates; for reporting). */
  public Map<BadPayload, Long> snapshot() {
    Map<BadPayload, Long> m = new EnumMap<>(BadPayload.class);
    for (int i = 0; i < counts.length(); i++) {
      long c = counts.get(i);
      if (c != 0) {
        m.put(BadPayload.of(i), c);
      }
    }
    return m;
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }
}
