package dev.vigil.features.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Reads a pcap or pcapng file through Pcap4J's raw-bytes loop (no decoded {@code Packet} objects).
 *
 * <p>Only Ethernet link type is accepted for now. One reader per file; {@link #read} is blocking
 * and runs on the caller's thread.
 */
public final class PcapFileReader {
  private final Path file;

  /** Creates a reader for {@code file}; nothing is opened until {@link #read}. */
  public PcapFileReader(Path file) {
    this.file = file;
  }

  /**
   * Streams every frame of the file to {@code sink} in file order.
   *
   * @return the number of frames delivered
   * @throws IOException if the file is missing, unreadable, not a capture, or not Ethernet
   * @throws IllegalStateException if {@code sink} threw; reading stops at that frame
   */
  public long read(FrameSink sink) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("capture file [" + file + "] does not exist or is not a regular file");
    }
    Libpcap.configure();
    PcapHandle handle;
    try {
      handle = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.MICRO);
    } catch (PcapNativeException e) {
      throw new IOException("cannot open capture file [" + file + "]: " + e.getMessage(), e);
    }
    long[] count = {0};
    // Pcap4J calls the listener from a native callback that swallows exceptions: catch them here,
    // stop the loop,
    // and rethrow after it, so a failing sink is never silent.
    RuntimeException[] failed = {null};
    try (handle) {
      if (!DataLinkType.EN10MB.equals(handle.getDlt())) {
        throw new IOException(
            "capture file ["
                + file
                + "] has link type "
                + handle.getDlt()
                + "; only Ethernet is supported");
      }
      handle.loop(
          -1,
          (byte[] frame) -> {
            if (failed[0] != null) {
              return;
            }
            try {
              sink.onFrame(
                  frame,
                  frame.length,
                  PcapFrames.wireLength(handle, frame),
                  PcapFrames.timestampMicros(handle));
            } catch (RuntimeException e) {
              failed[0] = e;
              try {
                handle.breakLoop();
              } catch (NotOpenException ignored) {
                // closing anyway
              }
              return;
            }
            count[0]++;
          });
    } catch (PcapNativeException | NotOpenException e) {
      throw new IOException("error reading capture file [" + file + "]: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      if (failed[0] == null) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reading [" + file + "]", e);
      }
    }
    if (failed[0] != null) {
      throw new IllegalStateException(
          "processing frame " + (count[0] + 1) + " of [" + file + "] failed: " + failed[0],
          failed[0]);
    }
    return count[0];
  }
}
