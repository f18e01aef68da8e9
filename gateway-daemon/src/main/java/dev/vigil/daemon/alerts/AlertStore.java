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
  private int capacity;
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

  /** Changes how many alerts are kept (a reload); the oldest beyond it are dropped now. */
  public synchronized void setCapacity(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
    while (alerts.size() > capacity) {
      alerts.pollLast(); // newest first: the oldest is last
    }
  }

  /** Adds an alert as the newest. */
  public synchronized void add(Alert a) {
    if (alerts.size() >= capacity) {
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

  /** Returns the alerts {@code q} selects, newest (highest id) first. */
  public synchronized List<Alert> query(AlertQuery q) {
    List<Alert> out = new ArrayList<>();
    Iterator<Alert> it = alerts.iterator();
    while (it.hasNext() && out.size() < q.limit()) {
      Alert a = it.next();
      if (q.matches(a)) {
        out.add(a);
      }
    }
    return out;
  }

  /** Returns how many alerts were ever added. */
  public synchronized long total() {
    return total;
  }
}
