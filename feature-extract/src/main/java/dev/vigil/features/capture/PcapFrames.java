package dev.vigil.features.capture;

import java.sql.Timestamp;
import org.pcap4j.core.PcapHandle;

/** Reads the current frame's header fields from a Pcap4J handle inside its raw-packet callback. */
final class PcapFrames {
  private PcapFrames() {}

  /** Returns the current frame's capture time in microseconds since the epoch. */
  static long timestampMicros(PcapHandle handle) {
    Timestamp t = handle.getTimestamp();
    return t.getTime() / 1000 * 1_000_000L + t.getNanos() / 1000;
  }

  /** Returns the current frame's length on the wire ({@code frame.length} if libpcap gave none). */
  static int wireLength(PcapHandle handle, byte[] frame) {
    Integer orig = handle.getOriginalLength();
    return orig == null ? frame.length : orig;
  }
}
