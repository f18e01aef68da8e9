package dev.vigil.features.capture;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded single-producer, single-consumer ring of preallocated frame slots between the capture
 * thread and the processing thread.
 *
 * <p>{@link #offer} copies a frame into the next free slot and never blocks: when the ring is full
 * the frame is dropped and counted ({@link #overflows()}), so a slow consumer can never stall
 * capture (the kernel would drop instead, and silently). Frames longer than a slot are truncated to
 * it, as a snap length would. Exactly one thread may call {@link #offer} and exactly one other may
 * call {@link #drain}.
 */
public final class FrameRing {
  private final int slots;
  private final int mask;
  private final int slotBytes;
  private final byte[] data;
  private final int[] capLen;
  private final int[] wireLen;
  private final long[] ts;
  private final byte[] frame;
  // head: next slot to write (producer); tail: next slot to read (consumer), in one array 128 bytes
  // apart so that they never share a cache line (a shared line would bounce between the capture
  // and the detection cores at every frame). Ordered by release/acquire.
  private static final int HEAD = 16; // index of head in positions, 128 bytes into the array
  private static final int TAIL = 32; // index of tail, 128 bytes after head
  private final AtomicLongArray positions = new AtomicLongArray(TAIL + 16);
  private final AtomicLong overflows = new AtomicLong();
  private long cachedTail;

  /**
   * Creates a ring.
   *
   * @param slots number of frames held, a power of two of at least 2
   * @param slotBytes bytes per frame slot (the capture's snap length)
   */
  public FrameRing(int slots, int slotBytes) {
    if (slots < 2 || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException(
          "slots must be a power of two of at least 2, was " + slots);
    }
    if (slotBytes < 64) {
      throw new IllegalArgumentException("slotBytes must be at least 64, was " + slotBytes);
    }
    this.slots = slots;
    this.mask = slots - 1;
    this.slotBytes = slotBytes;
    this.data = new byte[slots * slotBytes];
    this.capLen = new int[slots];
    this.wireLen = new int[slots];
    this.ts = new long[slots];
    this.frame = new byte[slotBytes];
  }

  /**
   * Copies a frame in; returns false (and counts an overflow) when the ring is full. Producer
   * thread only.
   */
  public boolean offer(byte[] src, int length, int wireLength, long timestampMicros) {
    long h = positions.get(HEAD);
    if (h - cachedTail >= slots) {
      cachedTail = positions.get(TAIL);
      if (h - cachedTail >= slots) {
        overflows.incrementAndGet();
        return false;
      }
    }
    int i = (int) h & mask;
    int n = Math.min(length, slotBytes);
    System.arraycopy(src, 0, data, i * slotBytes, n);
    capLen[i] = n;
    wireLen[i] = wireLength;
    ts[i] = timestampMicros;
    positions.lazySet(HEAD, h + 1);
    return true;
  }

  /**
   * Hands up to {@code max} queued frames to {@code sink}, oldest first, and returns how many.
   * Consumer thread only; the frame array passed to the sink is reused.
   */
  public int drain(FrameSink sink, int max) {
    long t = positions.get(TAIL);
    long available = positions.get(HEAD) - t;
    int n = (int) Math.min(available, max);
    for (int k = 0; k < n; k++) {
      int i = (int) (t + k) & mask;
      System.arraycopy(data, i * slotBytes, frame, 0, capLen[i]);
      sink.onFrame(frame, capLen[i], wireLen[i], ts[i]);
      positions.lazySet(TAIL, t + k + 1);
    }
    return n;
  }

  /** Returns frames waiting. */
  public int size() {
    return (int) (positions.get(HEAD) - positions.get(TAIL));
  }

  /** Returns frames dropped because the ring was full. */
  public long overflows() {
    return overflows.get();
  }

  /** Returns frames accepted. */
  public long accepted() {
    return positions.get(HEAD);
  }
}
