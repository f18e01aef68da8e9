package dev.vigil.features.table;

/**
 * An open-addressing hash table of fixed capacity whose keys are a fixed number of longs and whose
 * values live in primitive arrays indexed by slot, so that lookups and updates allocate nothing.
 *
 * <p>A subclass allocates its value arrays with {@link #doubles}, {@link #longs} and {@link #ints},
 * and copies them when backward-shift deletion relocates an entry. When a new key arrives at a full
 * table, the least recently touched of a few sampled entries is evicted (counted by {@link
 * #evictions()}). Keys are passed through the scratch array {@link #key} to avoid varargs
 * allocation.
 *
 * <p>Internal to the feature-extract module (public only so that its packages can share it). Not
 * thread-safe.
 */
public abstract class SlotTable {
  private static final int SAMPLE = 8;

  /**
   * Scratch key: fill its first {@code keyLongs} entries, then call {@link #find} or {@link
   * #findOrInsert}.
   */
  public final long[] key;

  private final int keyLongs;
  private final int maxEntries;
  public final int capacity;
  private final int mask;
  private final long[] keys;
  private final boolean[] used;
  private final long[] touched;
  // Each entry's home slot, kept so that removal's backward shift reads one int per entry of the
  // run instead of its key (and hashes nothing).
  private final int[] homes;
  private int size;
  private long rng = 0x2545F4914F6CDD1DL;
  private long evictions;
  private boolean lastInserted;

  protected SlotTable(int keyLongs, int maxEntries) {
    if (maxEntries < 16) {
      throw new IllegalArgumentException("maxEntries must be at least 16, was " + maxEntries);
    }
    this.keyLongs = keyLongs;
    this.maxEntries = maxEntries;
    this.capacity = Integer.highestOneBit(maxEntries * 2 - 1) << 1; // load factor <= 0.5
    this.mask = capacity - 1;
    this.key = new long[keyLongs];
    this.keys = new long[capacity * keyLongs];
    this.used = new boolean[capacity];
    this.touched = new long[capacity];
    this.homes = new int[capacity];
  }

  /** Registers a value array of {@code stride} elements per slot; returns it. */
  protected final double[] doubles(int stride) {
    double[] a = new double[capacity * stride];
    return a;
  }

  /** Registers a value array of {@code stride} elements per slot; returns it. */
  protected final long[] longs(int stride) {
    long[] a = new long[capacity * stride];
    return a;
  }

  /** Registers a value array of {@code stride} elements per slot; returns it. */
  protected final int[] ints(int stride) {
    int[] a = new int[capacity * stride];
    return a;
  }

  /** Returns the slot of {@link #key}, or -1. */
  public final int find() {
    int i = home();
    while (used[i]) {
      if (keyEquals(i)) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  /**
   * Returns the slot of {@link #key}, inserting it (with values from {@link #initSlot}) if absent;
   * marks it touched at {@code now}. {@link #inserted()} tells whether it was new.
   */
  public final int findOrInsert(long now) {
    int h = home();
    int i = h;
    while (used[i]) {
      if (keyEquals(i)) {
        touched[i] = now;
        lastInserted = false;
        return i;
      }
      i = (i + 1) & mask;
    }
    if (size >= maxEntries) {
      return insertAfterEviction(h, now);
    }
    return insertAt(i, h, now);
  }

  /**
   * Evicts one entry, then inserts {@link #key} (kept out of {@link #findOrInsert} so it stays
   * small).
   */
  private int insertAfterEviction(int home, long now) {
    evictSampled();
    int i = home; // the eviction may have shifted entries: probe again for the first free slot
    while (used[i]) {
      i = (i + 1) & mask;
    }
    return insertAt(i, home, now);
  }

  private int insertAt(int i, int home, long now) {
    used[i] = true;
    homes[i] = home;
    System.arraycopy(key, 0, keys, i * keyLongs, keyLongs);
    touched[i] = now;
    size++;
    initSlot(i);
    lastInserted = true;
    return i;
  }

  /**
   * Marks {@code slot} touched at {@code now}, as {@link #findOrInsert} does, for an entry found
   * with {@link #find} (a reply that keeps a remembered entry fresh without inserting one).
   */
  public final void touch(int slot, long now) {
    touched[slot] = now;
  }

  /** Returns whether the last {@link #findOrInsert} inserted a new entry. */
  public final boolean inserted() {
    return lastInserted;
  }

  /** Sets a new slot's values; called on insert. */
  protected abstract void initSlot(int slot);

  /** Returns the number of entries. */
  public final int size() {
    return size;
  }

  /** Returns how many entries were evicted to make room. */
  public final long evictions() {
    return evictions;
  }

  /** Returns the key long {@code j} of {@code slot}. */
  public final long keyAt(int slot, int j) {
    return keys[slot * keyLongs + j];
  }

  public final boolean isUsed(int slot) {
    return used[slot];
  }

  private boolean keyEquals(int slot) {
    int b = slot * keyLongs;
    for (int j = 0; j < keyLongs; j++) {
      if (keys[b + j] != key[j]) {
        return false;
      }
    }
    return true;
  }

  private int home() {
    return (int) hash(key, 0) & mask;
  }

  private long hash(long[] k, int off) {
    // Combine the key longs multiplicatively and mix once: one finaliser per lookup instead of one
    // per
    // key long (host keys are looked up twice per packet).
    long h = k[off];
    for (int j = 1; j < keyLongs; j++) {
      h = h * 0x9E3779B97F4A7C15L ^ k[off + j];
    }
    return mix(h);
  }

  /**
   * Evicts the least recently touched of {@code SAMPLE} entries found from a pseudo-random start.
   * The start must not depend on the incoming key: sampling next to its probe run (as a first
   * version did) correlates evictions with cluster positions, clusters then grow without bound and
   * a spoofed flood cost 200 us per packet.
   */
  private void evictSampled() {
    rng ^= rng << 13;
    rng ^= rng >>> 7;
    rng ^= rng << 17;
    int start = (int) rng & mask;
    int victim = -1;
    long oldest = Long.MAX_VALUE;
    int seen = 0;
    for (int k = 0, i = start; k < capacity && seen < SAMPLE; k++, i = (i + 1) & mask) {
      if (used[i]) {
        seen++;
        if (touched[i] < oldest) {
          oldest = touched[i];
          victim = i;
        }
      }
    }
    remove(victim);
    evictions++;
  }

  /** Removes {@code slot}, shifting later entries of its probe run back (no tombstones). */
  public final void remove(int slot) {
    removing(slot);
    used[slot] = false;
    size--;
    int hole = slot;
    int j = (slot + 1) & mask;
    while (used[j]) {
      int h = homes[j]; // (int) hash(keys, j * keyLongs) & mask, as stored
      boolean between = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (!between) {
        move(j, hole);
        hole = j;
      }
      j = (j + 1) & mask;
    }
  }

  private void move(int from, int to) {
    used[to] = true;
    used[from] = false;
    touched[to] = touched[from];
    homes[to] = homes[from];
    System.arraycopy(keys, from * keyLongs, keys, to * keyLongs, keyLongs);
    moveValues(from, to);
  }

  /**
   * Copies every registered value array's entries of slot {@code from} to slot {@code to}.
   * Subclasses copy their own, typed arrays: a generic copy over the registered arrays as {@code
   * Object} cost about a microsecond per eviction under a spoofed flood.
   */
  protected abstract void moveValues(int from, int to);

  /**
   * Called when {@code slot}'s entry is about to be removed (evicted or {@link #remove}d), before
   * later entries are shifted back; nothing by default.
   */
  protected void removing(int slot) {}

  protected static void copy(double[] a, int stride, int from, int to) {
    System.arraycopy(a, from * stride, a, to * stride, stride);
  }

  protected static void copy(long[] a, int stride, int from, int to) {
    System.arraycopy(a, from * stride, a, to * stride, stride);
  }

  protected static void copy(int[] a, int stride, int from, int to) {
    System.arraycopy(a, from * stride, a, to * stride, stride);
  }

  /** Returns a well-mixed 64-bit hash of {@code z} (murmur3 finaliser). */
  public static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
