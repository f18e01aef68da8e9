package dev.vigil.features.capture;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded single-producer, single-consumer ring of whole frames of any length, for reading a
 * capture file on one thread while another processes it ({@link FileReplay}).
 *
 * <p>Unlike {@link FrameRing} (the live capture's ring, which drops and counts when full so that
 * capture never stalls), {@link #put} <em>waits</em> for room: a file can wait, and a replay must
 * lose nothing. Frames are stored back to back in one byte array (a 16-byte header, then the bytes,
 * padded to 8), so a ring of a few hundred KiB holds hundreds of small frames and still takes a
 * frame of the largest snap length libpcap writes ({@link #MAX_FRAME}) whole: a replay sees exactly
 * the bytes the file holds. Nothing is allocated per frame.
 *
 * <p>Exactly one thread may call {@link #put} and {@link #close}, and exactly one other {@link
 * #drain}, {@link #awaitFrames} and {@link #cancel}.
 */
public final class BlockingFrameRing {
  /** The longest frame kept whole: libpcap's largest snap length (longer ones are truncated). */
  public static final int MAX_FRAME = 262_144;

  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final int HEADER = 16; // captured length, wire length, timestamp
  private static final int WRAP = -1; // a captured length that says: go on at the ring's start
  private static final int SPINS = 64;
  private static final int HEAD = 16; // index of head in positions, 128 bytes into the array
  private static final int TAIL = 32; // index of tail, 128 bytes after head

  private final byte[] data;
  private final int capacity;
  private final int mask;
  private final byte[] frame = new byte[MAX_FRAME];
  // head: bytes written (producer); tail: bytes released (consumer), in one array 128 bytes apart
  // so
  // that they never share a cache line (a shared line would bounce between the two cores at every
  // frame). Ordered by release/acquire; each side caches the other's position and rereads it only
  // when it must, and the consumer releases a batch at a time.
  private final AtomicLongArray positions = new AtomicLongArray(TAIL + 16);
  private long cachedTail; // producer's
  private volatile boolean closed; // the producer put its last frame
  private volatile boolean cancelled; // the consumer stopped: put gives up

  /**
   * Creates a ring.
   *
   * @param capacityBytes bytes of frame storage, a power of two of at least 1 MiB (two frames of
   *     {@link #MAX_FRAME} with their headers)
   */
  public BlockingFrameRing(int capacityBytes) {
    if (capacityBytes < (1 << 20) || Integer.bitCount(capacityBytes) != 1) {
      throw new IllegalArgumentException(
          "capacityBytes must be a power of two of at least 1 MiB, was " + capacityBytes);
    }
    this.capacity = capacityBytes;
    this.mask = capacityBytes - 1;
    this.data = new byte[capacityBytes];
  }

  /**
   * Copies a frame in, waiting while the ring is full; frames longer than {@link #MAX_FRAME} are
   * truncated to it. Producer thread only.
   *
   * @return false, with nothing stored, when the consumer has {@linkplain #cancel cancelled}
   */
  public boolean put(byte[] src, int length, int wireLength, long timestampMicros) {
    int n = Math.min(length, MAX_FRAME);
    int record = (HEADER + n + 7) & ~7;
    long h = positions.get(HEAD);
    int pos = (int) h & mask;
    int toEnd = capacity - pos;
    long need = record <= toEnd ? record : toEnd + record;
    int spins = 0;
    while (h + need - cachedTail > capacity) {
      cachedTail = positions.get(TAIL);
      if (h + need - cachedTail <= capacity) {
        break;
      }
      if (cancelled) {
        return false;
      }
      spins = pause(spins);
    }
    if (record > toEnd) { // no room before the end: mark the rest skipped, go on at the start
      INT.set(data, pos, WRAP);
      h += toEnd;
      pos = 0;
    }
    INT.set(data, pos, n);
    INT.set(data, pos + 4, wireLength);
    LONG.set(data, pos + 8, timestampMicros);
    System.arraycopy(src, 0, data, pos + HEADER, n);
    positions.lazySet(HEAD, h + record);
    return true;
  }

  /** Says no frame follows. Producer thread only, after its last {@link #put}. */
  public void close() {
    closed = true;
  }

  /** Makes every later or waiting {@link #put} give up. Consumer thread only. */
  public void cancel() {
    cancelled = true;
  }

  /**
   * Hands up to {@code max} queued frames to {@code sink}, oldest first, and returns how many.
   * Consumer thread only; the frame array passed to the sink is reused. The frames' room is
   * released when the call returns, or throws.
   */
  public int drain(FrameSink sink, int max) {
    long t = positions.get(TAIL);
    long h = positions.get(HEAD);
    int k = 0;
    try {
      while (k < max && t < h) {
        int pos = (int) t & mask;
        int n = (int) INT.get(data, pos);
        if (n == WRAP) {
          t += capacity - pos;
          continue;
        }
        int wire = (int) INT.get(data, pos + 4);
        long ts = (long) LONG.get(data, pos + 8);
        System.arraycopy(data, pos + HEADER, frame, 0, n);
        t += (HEADER + n + 7) & ~7;
        k++;
        sink.onFrame(frame, n, wire, ts);
      }
    } finally {
      positions.lazySet(TAIL, t);
    }
    return k;
  }

  /**
   * Waits until a frame is queued or the producer has closed the ring. Consumer thread only.
   *
   * @return false when the ring is closed and empty (every frame drained), else true
   * @throws InterruptedException if the calling thread is interrupted (checked at every call)
   */
  public boolean awaitFrames() throws InterruptedException {
    int spins = 0;
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      if (positions.get(HEAD) != positions.get(TAIL)) {
        return true;
      }
      if (closed) {
        return positions.get(HEAD) != positions.get(TAIL); // puts before close are visible now
      }
      spins = pause(spins);
    }
  }

  /** Returns bytes queued, headers included. */
  public long queuedBytes() {
    return positions.get(HEAD) - positions.get(TAIL);
  }

  /** Spins a little, then yields, then sleeps 20 µs at a time; returns the next spin count. */
  private static int pause(int spins) {
    if (spins < SPINS) {
      Thread.onSpinWait();
    } else if (spins < 2 * SPINS) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(20_000);
    }
    return spins + 1;
  }
}
