package dev.vigil.features.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
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
            Timestamp ts = handle.getTimestamp();
            long micros = ts.getTime() / 1000 * 1_000_000L + ts.getNanos() / 1000;
            Integer orig = handle.getOriginalLength();
            sink.onFrame(frame, frame.length, orig == null ? frame.length : orig, micros);
            count[0]++;
          });
    } catch (PcapNativeException | NotOpenException e) {
      throw new IOException("error reading capture file [" + file + "]: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading [" + file + "]", e);
    }
    return count[0];
  }
}
