package dev.vigil.features.table;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bounded table of telemetry series (a device and a metric, names from the LAN), built so that
 * a flood of new names cannot push out the series that detection has learned: at most {@link
 * Limits#maxDevices()} devices, {@link Limits#maxSeries()} series and {@link
 * Limits#maxSeriesPerDevice()} series per device; a series silent for {@link Limits#idleMillis()}
 * is removed ({@link #sweep}).
 *
 * <p>A series is <em>warming</em> until its owner calls {@link #establish} (the daemon does once it
 * has learned or scored the series), then <em>established</em>. When a new series finds the table
 * full, it may take the place of the warming series silent the longest, if that one has been silent
 * for {@link Limits#displaceAfterMillis()}: a burst of names that each publish once ages out
 * quickly and frees room, while established series are only ever removed for being idle. Otherwise
 * the new series is refused, and so are its readings, each counted by {@link Refusal} until there
 * is room. Removals are counted by {@link Eviction} and reported to the owner's {@link Removal}
 * callback, which frees whatever it keeps per series.
 *
 * <p>How: a two-level hash map (device, then metric) finds a series without allocating; two
 * doubly-linked lists through the entries (warming, established), each in the order of their last
 * reading, make touching, displacing and sweeping O(1) per series. Times are milliseconds of a
 * clock that never goes back (the caller's; {@link System#nanoTime()} in the daemon).
 *
 * <p>Not thread-safe: one thread calls everything but the counters ({@link #refused}, {@link
 * #evicted}, {@link #size()}, {@link #devices()}), which any thread may read.
 *
 * @param <E> the owner's per-series state, an {@link Entry}
 */
public final class SeriesTable<E extends SeriesTable.Entry> {
  /**
   * The limits.
   *
   * @param maxDevices most devices tracked at once (at least 1)
   * @param maxSeries most series tracked at once (at least {@code maxDevices})
   * @param maxSeriesPerDevice most series of one device (1 to {@code maxSeries})
   * @param idleMillis a series silent for this long is removed by {@link #sweep} (at least 1)
   * @param displaceAfterMillis a warming series silent for this long may give its place to a new
   *     series when the table is full (at least 0, at most {@code idleMillis})
   */
  public record Limits(
      int maxDevices,
      int maxSeries,
      int maxSeriesPerDevice,
      long idleMillis,
      long displaceAfterMillis) {
    /** Validates. */
    public Limits {
      if (maxDevices < 1) {
        throw new IllegalArgumentException("maxDevices must be at least 1, was " + maxDevices);
      }
      if (maxSeries < maxDevices) {
        throw new IllegalArgumentException(
            "maxSeries must be at least maxDevices (" + maxDevices + "), was " + maxSeries);
      }
      if (maxSeriesPerDevice < 1 || maxSeriesPerDevice > maxSeries) {
        throw new IllegalArgumentException(
            "maxSeriesPerDevice must be between 1 and maxSeries ("
                + maxSeries
                + "), was "
                + maxSeriesPerDevice);
      }
      if (idleMillis < 1) {
        throw new IllegalArgumentException("idleMillis must be at least 1, was " + idleMillis);
      }
      if (displaceAfterMillis < 0 || displaceAfterMillis > idleMillis) {
        throw new IllegalArgumentException(
            "displaceAfterMillis must be between 0 and idleMillis ("
                + idleMillis
                + "), was "
                + displaceAfterMillis);
      }
    }
  }

  /** Why a reading of a new series was refused. */
  public enum Refusal {
    /** A new device, and {@link Limits#maxDevices()} devices are tracked. */
    DEVICE_LIMIT,
    /** {@link Limits#maxSeries()} series are tracked. */
    SERIES_LIMIT,
    /** Its device has {@link Limits#maxSeriesPerDevice()} series. */
    DEVICE_SERIES_LIMIT
  }

  /** Why a series was removed. */
  public enum Eviction {
    /** Silent for {@link Limits#idleMillis()}. */
    IDLE,
    /**
     * A warming series, silent for {@link Limits#displaceAfterMillis()}, made room for a new one.
     */
    DISPLACED
  }

  /** Creates the owner's state of a new series. */
  @FunctionalInterface
  public interface Factory<E> {
    /** Returns the state of the series {@code (device, metric)}. */
    E create(String device, String metric);
  }

  /** Told of each series removed, after it left the table. */
  @FunctionalInterface
  public interface Removal<E> {
    /** Frees what the owner keeps for {@code e}. */
    void removed(E e, Eviction why);
  }

  /** A series' place in the table; the owner's state extends it. Its links are the table's own. */
  public abstract static class Entry {
    private final String device;
    private final String metric;
    private Device home;
    private long lastSeenMillis;
    private boolean established;
    private Entry prev;
    private Entry next;

    /** Creates the entry of {@code (device, metric)}. */
    protected Entry(String device, String metric) {
      this.device = Objects.requireNonNull(device, "device");
      this.metric = Objects.requireNonNull(metric, "metric");
    }

    /** Returns the device's name. */
    public final String device() {
      return device;
    }

    /** Returns the metric's name. */
    public final String metric() {
      return metric;
    }

    /** Returns whether {@link SeriesTable#establish} was called for it. */
    public final boolean established() {
      return established;
    }
  }

  private static final class Device {
    final Map<String, Entry> series = new HashMap<>(4);
  }

  /** A list of entries, least recently seen first. */
  private static final class Lru {
    Entry head;
    Entry tail;

    void append(Entry e) {
      e.prev = tail;
      e.next = null;
      if (tail == null) {
        head = e;
      } else {
        tail.next = e;
      }
      tail = e;
    }

    void unlink(Entry e) {
      if (e.prev == null) {
        head = e.next;
      } else {
        e.prev.next = e.next;
      }
      if (e.next == null) {
        tail = e.prev;
      } else {
        e.next.prev = e.prev;
      }
      e.prev = null;
      e.next = null;
    }
  }

  private final Limits limits;
  private final Factory<E> factory;
  private final Removal<E> removal;
  private final Map<String, Device> devices = new HashMap<>();
  private final Lru warming = new Lru();
  private final Lru established = new Lru();
  private final AtomicLongArray refused = new AtomicLongArray(Refusal.values().length);
  private final AtomicLongArray evicted = new AtomicLongArray(Eviction.values().length);
  private volatile int size;
  private volatile int deviceCount;

  /**
   * Creates an empty table.
   *
   * @param limits the limits
   * @param factory creates the owner's state of each series admitted
   * @param removal told of each series removed
   */
  public SeriesTable(Limits limits, Factory<E> factory, Removal<E> removal) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.removal = Objects.requireNonNull(removal, "removal");
  }

  /** Returns the limits. */
  public Limits limits() {
    return limits;
  }

  /**
   * Returns the series {@code (device, metric)} for a reading that arrived at {@code nowMillis}:
   * the tracked one (allocating nothing), else a new one if there is room or a warming series to
   * displace, else null (the refusal counted).
   */
  public E touch(String device, String metric, long nowMillis) {
    Device d = devices.get(device);
    Entry e = d == null ? null : d.series.get(metric);
    if (e != null) {
      e.lastSeenMillis = nowMillis;
      Lru list = e.established ? established : warming;
      if (list.tail != e) {
        list.unlink(e);
        list.append(e);
      }
      @SuppressWarnings("unchecked")
      E found = (E) e;
      return found;
    }
    return admit(device, metric, d, nowMillis);
  }

  /** Returns the series {@code (device, metric)} if tracked, else null; changes nothing. */
  public E find(String device, String metric) {
    Device d = devices.get(device);
    @SuppressWarnings("unchecked")
    E e = d == null ? null : (E) d.series.get(metric);
    return e;
  }

  private E admit(String device, String metric, Device d, long now) {
    if (d != null && d.series.size() >= limits.maxSeriesPerDevice()) {
      refused.incrementAndGet(Refusal.DEVICE_SERIES_LIMIT.ordinal());
      return null;
    }
    if (d == null && devices.size() >= limits.maxDevices() && !displace(now, true)) {
      refused.incrementAndGet(Refusal.DEVICE_LIMIT.ordinal());
      return null;
    }
    if (size >= limits.maxSeries() && !displace(now, false)) {
      refused.incrementAndGet(Refusal.SERIES_LIMIT.ordinal());
      return null;
    }
    if (d != null && d.series.isEmpty()) {
      d = null; // displaced its last series: gone from the map
    }
    if (d == null) {
      d = new Device();
      devices.put(device, d);
      deviceCount = devices.size();
    }
    E created = factory.create(device, metric);
    Entry e = created; // the entry's fields are private to this class, not to E
    if (!e.device.equals(device) || !e.metric.equals(metric)) {
      throw new IllegalStateException("the factory made an entry for another series");
    }
    e.home = d;
    e.lastSeenMillis = now;
    d.series.put(metric, e);
    warming.append(e);
    size++;
    return created;
  }

  /**
   * Makes room for one series (or, with {@code freeDevice}, one device): an established series idle
   * for {@link Limits#idleMillis()} goes first, then warming series silent for {@link
   * Limits#displaceAfterMillis()}, least recently seen first, until there is room. For a device,
   * that may take all the series of the device seen least recently (at most {@link
   * Limits#maxSeriesPerDevice()}): each of them would have been displaced anyway.
   */
  private boolean displace(long now, boolean freeDevice) {
    if (sweepOne(established, now)) {
      if (!freeDevice || devices.size() < limits.maxDevices()) {
        return true;
      }
    }
    for (int i = 0; i <= limits.maxSeriesPerDevice(); i++) {
      Entry e = warming.head;
      if (e == null || now - e.lastSeenMillis < limits.displaceAfterMillis()) {
        return false; // the rest were seen later still
      }
      boolean last = e.home.series.size() == 1;
      remove(e, Eviction.DISPLACED);
      if (!freeDevice || last) {
        return true;
      }
    }
    return false;
  }

  private boolean sweepOne(Lru list, long now) {
    Entry e = list.head;
    if (e != null && now - e.lastSeenMillis >= limits.idleMillis()) {
      remove(e, Eviction.IDLE);
      return true;
    }
    return false;
  }

  /** Marks {@code e} established: from now on it is removed only for being idle. */
  public void establish(E series) {
    Entry e = series;
    if (e.established || e.home == null) {
      return;
    }
    warming.unlink(e);
    e.established = true;
    established.append(e);
  }

  /**
   * Removes every series silent for {@link Limits#idleMillis()} at {@code nowMillis}.
   *
   * @return how many were removed
   */
  public int sweep(long nowMillis) {
    int n = 0;
    while (sweepOne(warming, nowMillis)) {
      n++;
    }
    while (sweepOne(established, nowMillis)) {
      n++;
    }
    return n;
  }

  private void remove(Entry e, Eviction why) {
    (e.established ? established : warming).unlink(e);
    Device d = e.home;
    d.series.remove(e.metric);
    if (d.series.isEmpty()) {
      devices.remove(e.device);
      deviceCount = devices.size();
    }
    e.home = null;
    size--;
    evicted.incrementAndGet(why.ordinal());
    @SuppressWarnings("unchecked")
    E gone = (E) e;
    removal.removed(gone, why);
  }

  /** Returns the series tracked (any thread). */
  public int size() {
    return size;
  }

  /** Returns the devices tracked (any thread). */
  public int devices() {
    return deviceCount;
  }

  /** Returns the readings refused for {@code why} so far (any thread). */
  public long refused(Refusal why) {
    return refused.get(why.ordinal());
  }

  /** Returns the series removed for {@code why} so far (any thread). */
  public long evicted(Eviction why) {
    return evicted.get(why.ordinal());
  }
}
