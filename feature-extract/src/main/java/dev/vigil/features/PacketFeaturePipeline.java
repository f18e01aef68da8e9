package dev.vigil.features;

import dev.vigil.features.capture.FrameSink;
import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.flow.PacketObserver;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import dev.vigil.features.packet.ParseError;
import dev.vigil.features.window.WindowListener;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Turns raw frames into per-host window feature vectors: parse into a reused {@link PacketMeta},
 * update the {@link HostWindowFeatures}, and close idle windows as capture time advances.
 *
 * <p>Not thread-safe: feed it from one thread (the capture or processing thread).
 */
public final class PacketFeaturePipeline implements FrameSink {
  private final PacketParser parser = new PacketParser();
  private final PacketMeta meta = new PacketMeta();
  private final HostFeatures features;
  private final long expireEveryMicros;
  private long nextExpire = Long.MIN_VALUE;
  private long lastTimestamp;
  private long frames;
  private PacketObserver[] observers = new PacketObserver[0];

  /**
   * Creates a pipeline.
   *
   * @param set which per-host features to extract
   * @param windowMicros window length in microseconds
   * @param maxHosts most hosts tracked at once
   * @param listener receives each closed window
   */
  public PacketFeaturePipeline(
      FeatureSet set, long windowMicros, int maxHosts, WindowListener listener) {
    this.features = set.create(windowMicros, maxHosts, listener);
    this.expireEveryMicros = windowMicros; // a window closes at most one window late
  }

  /**
   * Reads one capture file through a fresh pipeline, from its first frame to the end, closing every
   * window at the end: the path {@code vigil train} and {@code vigil run} take for their training
   * captures, and {@code vigil evaluate --dataset pcap} for every capture.
   *
   * @param file a pcap or pcapng file (Ethernet)
   * @param set which per-host features to extract
   * @param windowMicros window length in microseconds
   * @param maxHosts most hosts tracked at once
   * @param listener receives each closed window
   * @return the frames read
   * @throws IOException if the file cannot be read (see {@link PcapFileReader#read})
   */
  public static long readCapture(
      Path file, FeatureSet set, long windowMicros, int maxHosts, WindowListener listener)
      throws IOException {
    PacketFeaturePipeline p = new PacketFeaturePipeline(set, windowMicros, maxHosts, listener);
    long frames = new PcapFileReader(file).read(p);
    p.flush();
    return frames;
  }

  @Override
  public void onFrame(byte[] frame, int capturedLength, int wireLength, long timestampMicros) {
    frames++;
    ParseError e = parser.parse(frame, 0, capturedLength, wireLength, timestampMicros, meta);
    if (e == ParseError.NONE || meta.l3 != PacketMeta.L3_NONE) {
      features.update(meta);
      if (e == ParseError.NONE) {
        for (PacketObserver o : observers) {
          o.update(meta);
        }
      }
    }
    lastTimestamp = Math.max(lastTimestamp, timestampMicros);
    if (nextExpire == Long.MIN_VALUE) {
      nextExpire = timestampMicros + expireEveryMicros;
    } else if (timestampMicros >= nextExpire) {
      features.expire(timestampMicros);
      nextExpire = timestampMicros + expireEveryMicros;
    }
  }

  /**
   * Closes the windows that ended by {@code nowMicros} (wall-clock time of a live capture), so that
   * hosts that went silent are still scored.
   */
  public void tick(long nowMicros) {
    features.expire(nowMicros);
  }

  /** Closes every open window (end of input). */
  public void flush() {
    features.flush();
  }

  /** Feeds every well-formed packet to {@code observer} as well; returns this pipeline. */
  public PacketFeaturePipeline observe(PacketObserver observer) {
    PacketObserver[] a = java.util.Arrays.copyOf(observers, observers.length + 1);
    a[observers.length] = java.util.Objects.requireNonNull(observer, "observer");
    observers = a;
    return this;
  }

  /** Returns frames seen. */
  public long frames() {
    return frames;
  }

  /** Returns the parser, for its error counters. */
  public PacketParser parser() {
    return parser;
  }

  /** Returns the per-host feature state, for its schema and counters. */
  public HostFeatures features() {
    return features;
  }

  /** Returns the newest capture timestamp seen, in microseconds. */
  public long lastTimestampMicros() {
    return lastTimestamp;
  }
}
