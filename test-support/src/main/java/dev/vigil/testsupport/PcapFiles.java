package dev.vigil.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes classic little-endian, microsecond pcap files (link type Ethernet) for tests. */
public final class PcapFiles {
  /** One frame to write. */
  public record Frame(long timestampMicros, byte[] bytes, int wireLength) {
    /** A frame captured whole. */
    public Frame(long timestampMicros, byte[] bytes) {
      this(timestampMicros, bytes, bytes.length);
    }
  }

  private PcapFiles() {}

  /**
   * Writes {@code frames} to {@code file}, truncating each to {@code snaplen} bytes as a capture
   * would.
   */
  public static void write(Path file, int snaplen, List<Frame> frames) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
      h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
      h.putInt(snaplen).putInt(1); // LINKTYPE_ETHERNET
      out.write(h.array());
      for (Frame f : frames) {
        int cap = Math.min(snaplen, f.bytes().length);
        ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt((int) (f.timestampMicros() / 1_000_000L));
        r.putInt((int) (f.timestampMicros() % 1_000_000L));
        r.putInt(cap).putInt(f.wireLength());
        out.write(r.array());
        out.write(f.bytes(), 0, cap);
      }
    }
  }
}
