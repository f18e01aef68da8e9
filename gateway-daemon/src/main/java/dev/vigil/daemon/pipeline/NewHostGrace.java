package dev.vigil.daemon.pipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The hosts in grace ({@code model.continual.grace}): LAN devices first seen after the model in
 * service was trained, each with the time its grace started and its MAC. While a host is in grace
 * the model's alerts on it are held back short of a critical score, and its windows are learned.
 *
 * <p>Bounded against an attacker who invents hosts: at most {@code maxHosts} are held; at most
 * {@value #MAX_PER_MAC} addresses of one MAC are in grace at once (a device has an IPv4 address and
 * a few IPv6 ones; a machine that claims many addresses gets grace for none beyond them); a host
 * whose grace ended is kept, so that it gets no second grace, until it has been over for as long
 * again, and a revoked one ({@link #revoke}) until then as well; a new host at a full table gets no
 * grace (counted as refused). Only a device's own address is eligible (the caller's test: an
 * address bound to a MAC on the LAN that sent it itself), so spoofed or remote addresses never get
 * grace.
 *
 * <p>Scoring thread only, except the counters.
 */
final class NewHostGrace {
  /** Most addresses of one MAC in grace at once. */
  static final int MAX_PER_MAC = 4;

  /** What {@link #check} found. */
  enum State {
    /** Not in grace: not eligible, refused, revoked, or its grace is over. */
    NONE,
    /** A new host: its grace starts with this window. */
    STARTED,
    /** In its grace. */
    IN
  }

  private static final class Entry {
    long start;
    final long mac;
    boolean revoked;

    Entry(long start, long mac) {
      this.start = start;
      this.mac = mac;
    }
  }

  private final long graceMicros;
  private final int maxHosts;
  private final Map<Long, Map<Long, Entry>> hosts = new HashMap<>();
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
   * in its grace at {@code nowMicros}, starting one for a new host. {@code lanMac} gives the MAC
   * whose own address it is, or -1 when it is not a LAN device's own address (then it is not in
   * grace).
   */
  State check(long hi, long lo, long nowMicros, LongSupplier lanMac) {
    Entry e = find(hi, lo);
    if (e != null) {
      boolean in = !e.revoked && nowMicros - e.start < graceMicros;
      return in && lanMac.getAsLong() == e.mac ? State.IN : State.NONE;
    }
    long mac = lanMac.getAsLong();
    if (mac < 0) {
      return State.NONE;
    }
    if (inGrace(mac, nowMicros) >= MAX_PER_MAC || size >= maxHosts && !evictLongOver(nowMicros)) {
      refused.incrementAndGet();
      return State.NONE;
    }
    put(hi, lo, new Entry(nowMicros, mac));
    startedCount.incrementAndGet();
    return State.STARTED;
  }

  /**
   * Ends host {@code hi}/{@code lo}'s grace, and that of every address of its MAC, at {@code
   * nowMicros}; a host not held is held as revoked (when there is room), so that it gets none
   * later.
   */
  void revoke(long hi, long lo, long nowMicros) {
    Entry e = find(hi, lo);
    if (e == null) {
      if (size < maxHosts) {
        Entry r = new Entry(nowMicros - graceMicros, -1);
        r.revoked = true;
        put(hi, lo, r);
      }
      return;
    }
    for (Map<Long, Entry> inner : hosts.values()) {
      for (Entry x : inner.values()) {
        if (x == e || e.mac >= 0 && x.mac == e.mac) {
          x.revoked = true;
          x.start = Math.min(x.start, nowMicros - graceMicros);
        }
      }
    }
  }

  /** Forgets a host (the model in service now knows it). */
  void forget(long hi, long lo) {
    Map<Long, Entry> inner = hosts.get(hi);
    if (inner != null && inner.remove(lo) != null) {
      size--;
      held = size;
      if (inner.isEmpty()) {
        hosts.remove(hi);
      }
    }
  }

  /**
   * Returns the earliest time after {@code afterMicros} at which a host in grace (not revoked)
   * reaches half of it (when a continual round ends early so that the host is learned before its
   * grace ends), or {@link Long#MAX_VALUE}.
   */
  long nextHalfway(long afterMicros) {
    long next = Long.MAX_VALUE;
    for (Map<Long, Entry> inner : hosts.values()) {
      for (Entry e : inner.values()) {
        long half = e.start + graceMicros / 2;
        if (!e.revoked && half > afterMicros && half < next) {
          next = half;
        }
      }
    }
    return next;
  }

  private Entry find(long hi, long lo) {
    Map<Long, Entry> inner = hosts.get(hi);
    return inner == null ? null : inner.get(lo);
  }

  private void put(long hi, long lo, Entry e) {
    hosts.computeIfAbsent(hi, k -> new HashMap<>()).put(lo, e);
    size++;
    held = size;
  }

  private int inGrace(long mac, long nowMicros) {
    int n = 0;
    for (Map<Long, Entry> inner : hosts.values()) {
      for (Entry e : inner.values()) {
        if (e.mac == mac && !e.revoked && nowMicros - e.start < graceMicros) {
          n++;
        }
      }
    }
    return n;
  }

  /** Removes one host whose grace has been over for at least a grace's length; false if none. */
  private boolean evictLongOver(long nowMicros) {
    for (Iterator<Map<Long, Entry>> it = hosts.values().iterator(); it.hasNext(); ) {
      Map<Long, Entry> inner = it.next();
      for (Iterator<Entry> entries = inner.values().iterator(); entries.hasNext(); ) {
        if (nowMicros - entries.next().start >= 2 * graceMicros) {
          entries.remove();
          size--;
          held = size;
          if (inner.isEmpty()) {
            it.remove();
          }
          return true;
        }
      }
    }
    return false;
  }

  /** Hosts held now (in grace, over or revoked, not yet evicted). */
  int held() {
    return held;
  }

  /** Graces started so far. */
  long started() {
    return startedCount.get();
  }

  /** New hosts refused a grace because the table was full or their MAC had enough in grace. */
  long refused() {
    return refused.get();
  }
}
