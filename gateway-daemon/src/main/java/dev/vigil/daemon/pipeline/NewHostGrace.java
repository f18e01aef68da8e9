package dev.vigil.daemon.pipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The hosts in grace ({@code model.continual.grace}): LAN devices first seen after the model in
 * service was trained, each with the time its grace started. While a host is in grace the model's
 * alerts on it are held back short of a critical score, and its windows are learned.
 *
 * <p>Bounded against an attacker who invents hosts: at most {@code maxHosts} are held, a host whose
 * grace ended is kept (so it gets no second grace) until its grace has been over for as long again,
 * and a new host at a full table gets no grace (counted as refused). Only a device's own address is
 * eligible (the caller's test: an address bound to a MAC on the LAN that sent it itself), so
 * spoofed or remote addresses never get grace.
 *
 * <p>Scoring thread only, except the counters.
 */
final class NewHostGrace {
  /** What {@link #check} found. */
  enum State {
    /** Not in grace: known, not eligible, refused, or its grace is over. */
    NONE,
    /** A new host: its grace starts with this window. */
    STARTED,
    /** In its grace. */
    IN
  }

  private final long graceMicros;
  private final int maxHosts;
  private final Map<Long, Map<Long, Long>> started = new HashMap<>();
  private int size;
  private final AtomicLong startedCount = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile int held;

  /**
   * Creates an empty table.
   *
   * @param grace how long a new host's grace lasts, positive
   * @param maxHosts most hosts held at once, at least 1
   */
  NewHostGrace(Duration grace, int maxHosts) {
    if (grace.isNegative() || grace.isZero() || maxHosts < 1) {
      throw new IllegalArgumentException("grace must be positive and maxHosts at least 1");
    }
    this.graceMicros = grace.toNanos() / 1000;
    this.maxHosts = maxHosts;
  }

  /** The grace's length, microseconds. */
  long graceMicros() {
    return graceMicros;
  }

  /**
   * Returns whether host {@code hi}/{@code lo}, which the model in service was not trained on, is
   * in its grace at {@code nowMicros}, starting one for a new host that is {@code eligible}.
   */
  State check(long hi, long lo, long nowMicros, BooleanSupplier eligible) {
    Map<Long, Long> inner = started.get(hi);
    Long start = inner == null ? null : inner.get(lo);
    if (start != null) {
      return nowMicros - start < graceMicros && eligible.getAsBoolean() ? State.IN : State.NONE;
    }
    if (!eligible.getAsBoolean()) {
      return State.NONE;
    }
    if (size >= maxHosts && !evictLongOver(nowMicros)) {
      refused.incrementAndGet();
      return State.NONE;
    }
    started.computeIfAbsent(hi, k -> new HashMap<>()).put(lo, nowMicros);
    size++;
    held = size;
    startedCount.incrementAndGet();
    return State.STARTED;
  }

  /**
   * Ends host {@code hi}/{@code lo}'s grace at {@code nowMicros}, or, for a host not held, holds it
   * as one whose grace is over (when there is room), so that it gets none later.
   */
  void revoke(long hi, long lo, long nowMicros) {
    Map<Long, Long> inner = started.get(hi);
    if (inner != null && inner.containsKey(lo)) {
      inner.put(lo, Math.min(inner.get(lo), nowMicros - graceMicros));
      return;
    }
    if (size < maxHosts) {
      started.computeIfAbsent(hi, k -> new HashMap<>()).put(lo, nowMicros - graceMicros);
      size++;
      held = size;
    }
  }

  /** Forgets a host (the model in service now knows it). */
  void forget(long hi, long lo) {
    Map<Long, Long> inner = started.get(hi);
    if (inner != null && inner.remove(lo) != null) {
      size--;
      held = size;
      if (inner.isEmpty()) {
        started.remove(hi);
      }
    }
  }

  /**
   * Returns the earliest time after {@code afterMicros} at which a held host reaches half of its
   * grace (when a continual round ends early so that the host is learned before its grace ends), or
   * {@link Long#MAX_VALUE}.
   */
  long nextHalfway(long afterMicros) {
    long next = Long.MAX_VALUE;
    for (Map<Long, Long> inner : started.values()) {
      for (long start : inner.values()) {
        long half = start + graceMicros / 2;
        if (half > afterMicros && half < next) {
          next = half;
        }
      }
    }
    return next;
  }

  /** Removes one host whose grace has been over for at least a grace's length; false if none. */
  private boolean evictLongOver(long nowMicros) {
    for (Iterator<Map.Entry<Long, Map<Long, Long>>> it = started.entrySet().iterator();
        it.hasNext(); ) {
      Map<Long, Long> inner = it.next().getValue();
      for (Iterator<Long> starts = inner.values().iterator(); starts.hasNext(); ) {
        if (nowMicros - starts.next() >= 2 * graceMicros) {
          starts.remove();
          size--;
          if (inner.isEmpty()) {
            it.remove();
          }
          return true;
        }
      }
    }
    return false;
  }

  /** Hosts held now (in grace, or over and not yet evicted). */
  int held() {
    return held;
  }

  /** Graces started so far. */
  long started() {
    return startedCount.get();
  }

  /** New hosts refused a grace because the table was full. */
  long refused() {
    return refused.get();
  }
}
