package dev.vigil.features.capture;

import java.io.IOException;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Captures frames from a network interface on a dedicated thread and hands them to a {@link
 * FrameRing}.
 *
 * <p>The capture thread only copies raw bytes into the ring (Pcap4J's raw listener; no decoded
 * packets); it never waits for processing. It reads with {@code pcap_dispatch} and a read timeout,
 * so that between batches it refreshes libpcap's own counters (received, dropped by the kernel,
 * dropped by the interface) and notices {@link #close}. Needs {@code CAP_NET_RAW}.
 *
 * <p>{@link #stats} may be called from any thread.
 */
public final class LiveCapture implements AutoCloseable {
  /** libpcap's counters plus the ring's, as last read. */
  public record Stats(
      long received, long dropped, long ifDropped, long ringOverflows, long captured) {}

  private final CaptureOptions options;
  private final FrameRing ring;
  private PcapHandle handle;
  private Thread thread;

  /**
   * {@link System#nanoTime()} when the capture loop last came round (at least each read timeout).
   */
  private volatile long loopNanos;

  private volatile boolean running;
  private volatile Stats stats = new Stats(0, 0, 0, 0, 0);
  private volatile Throwable failure;
  private long captured;

  /** Creates a capture; nothing is opened until {@link #start}. */
  public LiveCapture(CaptureOptions options, FrameRing ring) {
    this.options = options;
    this.ring = ring;
  }

  /**
   * Opens the device, applies the filter and starts the capture thread.
   *
   * @throws IOException naming the device and the reason (no such device, no permission, bad
   *     filter, not Ethernet)
   */
  public synchronized void start() throws IOException {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    Libpcap.configure();
    try {
      handle =
          new PcapHandle.Builder(options.device())
              .snaplen(options.snaplen())
              .promiscuousMode(
                  options.promiscuous()
                      ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                      : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
              .bufferSize(options.bufferBytes())
              .immediateMode(options.immediate())
              .timeoutMillis(options.timeoutMillis())
              .timestampPrecision(
                  options.nanoTimestamps()
                      ? PcapHandle.TimestampPrecision.NANO
                      : PcapHandle.TimestampPrecision.MICRO)
              .build();
    } catch (PcapNativeException e) {
      throw new IOException(
          "cannot open capture device [" + options.device() + "]: " + e.getMessage(), e);
    }
    try {
      if (!DataLinkType.EN10MB.equals(handle.getDlt())) {
        throw new IOException(
            "capture device ["
                + options.device()
                + "] has link type "
                + handle.getDlt()
                + "; only Ethernet is supported");
      }
      if (!options.filter().isBlank()) {
        handle.setFilter(options.filter(), BpfProgram.BpfCompileMode.OPTIMIZE);
      }
    } catch (PcapNativeException | NotOpenException | IOException e) {
      handle.close();
      throw e instanceof IOException io
          ? io
          : new IOException("bad capture filter [" + options.filter() + "]: " + e.getMessage(), e);
    }
    running = true;
    loopNanos = System.nanoTime();
    thread = new Thread(this::run, "vigil-capture-" + options.device());
    thread.setDaemon(true);
    thread.setPriority(Thread.MAX_PRIORITY);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        handle.dispatch(
            -1,
            (byte[] frame) -> {
              try {
                ring.offer(
                    frame,
                    frame.length,
                    PcapFrames.wireLength(handle, frame),
                    PcapFrames.timestampMicros(handle));
              } catch (RuntimeException e) {
                // Pcap4J's native callback would swallow it: record and stop instead.
                failure = e;
                running = false;
                return;
              }
              captured++;
            });
        refreshStats();
        loopNanos = System.nanoTime();
      }
    } catch (PcapNativeException | NotOpenException | RuntimeException e) {
      if (running) {
        failure = e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running = false;
    }
  }

  private void refreshStats() {
    try {
      PcapStat s = handle.getStats();
      stats =
          new Stats(
              s.getNumPacketsReceived(),
              s.getNumPacketsDropped(),
              s.getNumPacketsDroppedByIf(),
              ring.overflows(),
              captured);
    } catch (PcapNativeException | NotOpenException e) {
      stats =
          new Stats(
              stats.received(), stats.dropped(), stats.ifDropped(), ring.overflows(), captured);
    }
  }

  /**
   * Returns the counters as last refreshed by the capture thread (at most one read timeout old).
   */
  public Stats stats() {
    return stats;
  }

  /**
   * Returns {@link System#nanoTime()} when the capture loop last came round (after each batch of
   * packets, and after a read timeout where libpcap honours one).
   */
  public long heartbeatNanos() {
    return loopNanos;
  }

  /**
   * Returns whether the capture thread is making progress at {@code nowNanos}: running, and either
   * its loop came round within {@code staleNanos} or it waits inside libpcap for packets. The
   * second case is an idle link: with Linux's TPACKET_V3 a read with nothing to deliver blocks
   * until a packet arrives, read timeout or not, so an idle capture does not come round; a thread
   * stuck in Java (a lock, a loop in the callback) does neither.
   *
   * <p>Cheap enough for a watchdog (a stack sample when the loop is stale), not for per packet.
   */
  public boolean progressing(long nowNanos, long staleNanos) {
    Thread t = thread;
    if (!running || t == null || !t.isAlive()) {
      return false;
    }
    if (nowNanos - loopNanos < staleNanos) {
      return true;
    }
    StackTraceElement[] st = t.getStackTrace();
    return t.getState() == Thread.State.RUNNABLE && st.length > 0 && st[0].isNativeMethod();
  }

  /** Returns whether the capture thread is running. */
  public boolean isRunning() {
    return running;
  }

  /** Returns what stopped the capture thread, if it failed. */
  public Throwable failure() {
    return failure;
  }

  /** Stops the capture thread and closes the device. */
  @Override
  public synchronized void close() {
    running = false;
    if (handle != null) {
      try {
        handle.breakLoop();
      } catch (NotOpenException e) {
        // already closed
      }
    }
    if (thread != null) {
      try {
        thread.join(Math.max(1000, 5L * options.timeoutMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (handle != null && handle.isOpen()) {
      handle.close();
    }
  }
}
