package dev.vigil.daemon.alerts;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Keeps the most recent alerts in memory for {@code GET /alerts}. Bounded: the oldest alert is
 * dropped when full.
 *
 * <p>Thread-safe.
 */
public final class AlertStore {
  private final int capacity;
  private final ArrayDeque<Alert> alerts;
  private long total;

  /** Creates a store holding at most {@code capacity} alerts. */
  public AlertStore(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
    this.alerts = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /** Adds an alert as the newest. */
  public synchronized void add(Alert a) {
    if (alerts.size() == capacity) {
      alerts.removeLast();
    }
    alerts.addFirst(a);
    total++;
  }

  /** Returns up to {@code limit} alerts, newest first. */
  public synchronized List<Alert> newest(int limit) {
    List<Alert> out = new ArrayList<>(Math.min(limit, alerts.size()));
    Iterator<Alert> it = alerts.iterator();
    while (it.hasNext() && out.size() < limit) {
      out.add(it.next());
    }
    return out;
  }

  /** Returns how many alerts were ever added. */
  public synchronized long total() {
    return total;
  }
}
