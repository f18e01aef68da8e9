package dev.vigil.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Builds one large capture for {@code vigil bench packets} from many small ones: the classic pcap
 * files (Ethernet link type) found under the given folders, in a fixed order (by path), written one
 * after the other into a classic little-endian, microsecond pcap file, the whole list again and
 * again until at least the wanted number of packets is written (the last round is completed, so the
 * output is the same for the same inputs and count).
 *
 * <p>Time only moves forward: each input's frames are shifted so that its first frame comes 1 ms
 * after the last frame written, and a frame earlier than the one before it (captures are not always
 * in order) is written at the time of the one before. Frames are copied byte for byte with their
 * captured and wire lengths. Files that are not classic pcap (pcapng) or not Ethernet are skipped
 * and named; so is a file cut short, from the frame that is cut on.
 *
 * <p>Plain Java, no libpcap: the format is a 24-byte file header and a 16-byte header per frame.
 */
public final class PcapConcat {
  private static final int MAGIC_MICROS = 0xa1b2c3d4;
  private static final int MAGIC_NANOS = 0xa1b23c4d;
  private static final int LINKTYPE_ETHERNET = 1;
  private static final long GAP_MICROS = 1000;

  /**
   * What was written.
   *
   * @param packets frames written
   * @param rounds times the input list was written
   * @param inputs capture files used
   * @param skipped files skipped, each with the reason
   * @param firstMicros the first frame's time
   * @param lastMicros the last frame's time
   */
  public record Result(
      long packets,
      int rounds,
      List<Path> inputs,
      List<String> skipped,
      long firstMicros,
      long lastMicros) {}

  private PcapConcat() {}

  /**
   * Writes {@code out} from the captures under {@code dirs} (files named {@code *.pcap}, {@code
   * *.pcapng} or {@code *.cap}, searched recursively; a file given directly is used as it is).
   *
   * @param out the file written (replaced; written beside it first, then moved)
   * @param minPackets at least this many frames are written, at least 1
   * @param dirs folders or files
   * @param log receives one line per skipped file and a summary
   * @throws IOException if a folder cannot be listed, no usable capture was found, or {@code out}
   *     cannot be written
   */
  public static Result concat(Path out, long minPackets, List<Path> dirs, PrintWriter log)
      throws IOException {
    if (minPackets < 1) {
      throw new IllegalArgumentException("minPackets must be at least 1, was " + minPackets);
    }
    List<Path> candidates = new ArrayList<>();
    for (Path d : dirs) {
      if (Files.isDirectory(d)) {
        try (Stream<Path> s = Files.walk(d)) {
          s.filter(Files::isRegularFile)
              .filter(PcapConcat::looksLikeCapture)
              .forEach(candidates::add);
        }
      } else if (Files.isRegularFile(d)) {
        candidates.add(d);
      } else {
        throw new IOException("[" + d + "] is neither a folder nor a file");
      }
    }
    candidates.sort(Comparator.comparing(Path::toString));
    List<Path> inputs = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    int snaplen = 0;
    for (Path p : candidates) {
      String why = unusable(p);
      if (why != null) {
        skipped.add(p + ": " + why);
        log.println("bench concat: skipped " + p + ": " + why);
      } else {
        inputs.add(p);
        snaplen = Math.max(snaplen, header(p).snaplen);
      }
    }
    if (inputs.isEmpty()) {
      throw new IOException("no classic Ethernet pcap file found under " + dirs);
    }
    Path tmp = out.toAbsolutePath().resolveSibling(out.getFileName() + ".part");
    long packets = 0;
    int rounds = 0;
    long[] last = {Long.MIN_VALUE, Long.MIN_VALUE}; // the last frame's time, the first frame's
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
      ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
      h.putInt(MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
      h.putInt(Math.max(snaplen, 65_535)).putInt(LINKTYPE_ETHERNET);
      o.write(h.array());
      while (packets < minPackets) {
        rounds++;
        for (Path p : inputs) {
          packets += copy(p, o, last, rounds == 1 ? skipped : null, log);
        }
        if (packets == 0) {
          throw new IOException("the captures under " + dirs + " hold no frames");
        }
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    log.printf(
        Locale.ROOT,
        "bench concat: %s: %,d packets, %d round(s) of %d capture(s) (%d skipped), %.1f s of"
            + " capture time%n",
        out,
        packets,
        rounds,
        inputs.size(),
        skipped.size(),
        (last[0] - last[1]) / 1e6);
    log.flush();
    return new Result(packets, rounds, List.copyOf(inputs), List.copyOf(skipped), last[1], last[0]);
  }

  private static boolean looksLikeCapture(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".pcap") || n.endsWith(".pcapng") || n.endsWith(".cap");
  }

  private record Header(ByteOrder order, boolean nanos, int snaplen, int linkType) {}

  /** Returns why {@code p} cannot be used, or null. */
  private static String unusable(Path p) throws IOException {
    Header h = header(p);
    if (h == null) {
      return "not a classic pcap file (pcapng or unknown format)";
    }
    if (h.linkType != LINKTYPE_ETHERNET) {
      return "link type " + h.linkType + ", not Ethernet (1)";
    }
    return null;
  }

  /** Reads the file header; null if it is not classic pcap. */
  private static Header header(Path p) throws IOException {
    byte[] b = new byte[24];
    try (InputStream in = Files.newInputStream(p)) {
      if (in.readNBytes(b, 0, 24) < 24) {
        return null;
      }
    }
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int magic = buf.getInt(0);
    if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
      buf.order(ByteOrder.BIG_ENDIAN);
      magic = buf.getInt(0);
      if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
        return null;
      }
    }
    return new Header(buf.order(), magic == MAGIC_NANOS, buf.getInt(16), buf.getInt(20));
  }

  /**
   * Appends {@code p}'s frames to {@code o}, shifted to start {@value #GAP_MICROS} µs after {@code
   * last[0]} (then the last frame's time; {@code last[1]} is set to the first frame's time if not
   * yet), and returns how many were written.
   */
  private static long copy(
      Path p, OutputStream o, long[] last, List<String> skipped, PrintWriter log)
      throws IOException {
    Header h = header(p);
    long n = 0;
    long shift = 0;
    byte[] rec = new byte[16];
    ByteBuffer r = ByteBuffer.wrap(rec).order(h.order);
    ByteBuffer w = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    byte[] data = new byte[Math.max(h.snaplen, 65_535)];
    try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
      in.skipNBytes(24);
      while (true) {
        int got = in.readNBytes(rec, 0, 16);
        if (got == 0) {
          break;
        }
        if (got < 16) {
          throw new EOFException("frame header " + (n + 1) + " cut short");
        }
        long sec = r.getInt(0) & 0xffff_ffffL;
        long frac = r.getInt(4) & 0xffff_ffffL;
        int cap = r.getInt(8);
        int wire = r.getInt(12);
        if (cap < 0 || cap > data.length) {
          throw new EOFException("frame " + (n + 1) + " claims " + cap + " captured bytes");
        }
        if (in.readNBytes(data, 0, cap) < cap) {
          throw new EOFException("frame " + (n + 1) + " cut short");
        }
        long ts = sec * 1_000_000L + (h.nanos ? frac / 1000 : frac);
        if (n == 0) {
          shift = last[0] == Long.MIN_VALUE ? 0 : last[0] + GAP_MICROS - ts;
        }
        long t = ts + shift;
        if (last[0] != Long.MIN_VALUE && t < last[0]) {
          t = last[0];
        }
        if (last[1] == Long.MIN_VALUE) {
          last[1] = t;
        }
        w.clear();
        w.putInt((int) (t / 1_000_000L)).putInt((int) (t % 1_000_000L)).putInt(cap).putInt(wire);
        o.write(w.array());
        o.write(data, 0, cap);
        last[0] = t;
        n++;
      }
    } catch (EOFException e) {
      if (skipped != null) {
        skipped.add(p + ": " + e.getMessage() + " (frames from there on left out)");
        log.println(
            "bench concat: " + p + ": " + e.getMessage() + "; frames from there on left out");
      }
    }
    return n;
  }
}
