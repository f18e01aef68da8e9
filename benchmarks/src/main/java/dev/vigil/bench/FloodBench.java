package dev.vigil.bench;

import dev.vigil.eval.report.Machine;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.PacketFeaturePipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Drives a spoofed-source SYN flood, synthesised in memory (every packet from a new random source
 * address and port), through the whole parse-and-features path, and samples the process's resident
 * memory as it goes: the table bounds must keep memory flat however many sources arrive.
 */
public final class FloodBench {
  /**
   * The outcome.
   *
   * @param features feature set
   * @param maxHosts host table bound
   * @param packets packets measured (after a warm-up that fills the tables)
   * @param nanos time for them
   * @param rssKb resident memory samples in kB, the first taken after the warm-up
   * @param evictions entries evicted during the run
   * @param hosts hosts held at the end
   */
  public record Result(
      FeatureSet features,
      int maxHosts,
      long packets,
      long nanos,
      List<Long> rssKb,
      long evictions,
      int hosts) {
    /** Copies the samples. */
    public Result {
      rssKb = List.copyOf(rssKb);
    }

    /** Returns packets per second. */
    public long packetsPerSecond() {
      return Math.round(packets * 1e9 / nanos);
    }

    /** Returns the highest sample. */
    public long rssMaxKb() {
      return rssKb.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Returns the summary line {@code packets/s=N rss_start_mb=A rss_end_mb=B rss_max_mb=C}. */
    public String summary() {
      return String.format(
          Locale.ROOT,
          "packets/s=%d rss_start_mb=%.1f rss_end_mb=%.1f rss_max_mb=%.1f",
          packetsPerSecond(),
          rssKb.get(0) / 1024.0,
          rssKb.get(rssKb.size() - 1) / 1024.0,
          rssMaxKb() / 1024.0);
    }
  }

  private static final int SAMPLES = 20;

  private FloodBench() {}

  /**
   * Runs the flood.
   *
   * @param features feature set under test
   * @param maxHosts host table bound
   * @param packets packets to measure, at least {@value #SAMPLES}
   * @param out progress lines
   */
  public static Result run(FeatureSet features, int maxHosts, long packets, PrintWriter out)
      throws IOException {
    if (packets < SAMPLES) {
      throw new IllegalArgumentException(
          "packets must be at least " + SAMPLES + ", was " + packets);
    }
    long[] windows = {0};
    PacketFeaturePipeline p =
        new PacketFeaturePipeline(
            features, 10_000_000L, maxHosts, (hi, lo, s, e, v) -> windows[0]++);
    byte[] frame = synFrame();
    long[] state = {0x9E3779B97F4A7C15L, 1_700_000_000_000_000L};
    long warmup = Math.max(4L * maxHosts * 8, 200_000); // fills hosts, channels and sockets
    for (long i = 0; i < warmup; i++) {
      next(frame, state);
      p.onFrame(frame, frame.length, frame.length, state[1]);
    }
    long evicted0 = p.features().evictions();
    List<Long> rss = new ArrayList<>();
    rss.add(rssKb());
    long step = packets / SAMPLES;
    long t0 = System.nanoTime();
    long done = 0;
    for (int s = 1; s <= SAMPLES; s++) {
      long n = s == SAMPLES ? packets - done : step;
      for (long i = 0; i < n; i++) {
        next(frame, state);
        p.onFrame(frame, frame.length, frame.length, state[1]);
      }
      done += n;
      rss.add(rssKb());
    }
    long nanos = System.nanoTime() - t0;
    Result r =
        new Result(
            features,
            maxHosts,
            packets,
            nanos,
            rss,
            p.features().evictions() - evicted0,
            p.features().hostCount());
    out.printf(
        Locale.ROOT,
        "flood %s max-hosts %d: %,d packets in %.2f s, %,d evictions, %d hosts held, %d windows%n",
        features.configName(),
        maxHosts,
        packets,
        nanos / 1e9,
        r.evictions(),
        r.hosts(),
        windows[0]);
    return r;
  }

  /** An Ethernet/IPv4/TCP SYN frame of 60 bytes whose source fields {@link #next} rewrites. */
  private static byte[] synFrame() {
    byte[] f = new byte[60];
    f[12] = 0x08; // IPv4
    f[14] = 0x45;
    f[17] = 40; // total length
    f[22] = 64; // TTL
    f[23] = 6; // TCP
    f[30] = 10; // destination 10.0.0.1
    f[33] = 1;
    f[36] = 0; // destination port 80
    f[37] = 80;
    f[46] = 0x50; // data offset 5
    f[47] = 0x02; // SYN
    return f;
  }

  /** Gives the frame a random source MAC, address and port, and advances time by 1 microsecond. */
  private static void next(byte[] f, long[] state) {
    long x = state[0];
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    state[0] = x;
    state[1]++;
    for (int i = 0; i < 4; i++) {
      f[8 + i] = (byte) (x >>> (8 * i)); // source MAC, low bytes
      f[26 + i] = (byte) (x >>> (32 + 8 * i)); // source IPv4
    }
    f[34] = (byte) (x >>> 20);
    f[35] = (byte) (x >>> 12); // source port
  }

  /** Name of the benchmarks-file section this benchmark writes. */
  public static final String SECTION = "bench-flood";

  /**
   * Returns the section body with {@code r}'s row: rows are keyed by feature set and host bound,
   * other rows kept.
   */
  public static String section(
      java.util.Optional<String> previous,
      Result r,
      Machine machine,
      java.time.Instant when,
      java.util.Optional<String> commit) {
    String key = "| " + r.features().configName() + " | " + r.maxHosts() + " |";
    String row =
        String.format(
            Locale.ROOT,
            "%s %,d | %,d | %.1f | %.1f | %.1f | %,d | %s | %s | %s |",
            key,
            r.packets(),
            r.packetsPerSecond(),
            r.rssKb().get(0) / 1024.0,
            r.rssKb().get(r.rssKb().size() - 1) / 1024.0,
            r.rssMaxKb() / 1024.0,
            r.evictions(),
            machine.describe(),
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
                .withZone(java.time.ZoneOffset.UTC)
                .format(when),
            commit.map(c -> "`" + c + "`").orElse("unknown"));
    List<String> rows = new ArrayList<>();
    boolean replaced = false;
    for (String line : previous.orElse("").lines().toList()) {
      if (line.startsWith("| ") && !line.startsWith("| features") && !line.startsWith("|---")) {
        if (line.startsWith(key)) {
          rows.add(row);
          replaced = true;
        } else {
          rows.add(line);
        }
      }
    }
    if (!replaced) {
      rows.add(row);
    }
    return "## Spoofed-source flood: memory stays bounded (`vigil bench flood`)\n\n"
        + "A SYN flood synthesised in memory, every packet from a new random source address, MAC and port, "
        + "through\nthe whole parse-and-features path after a warm-up that fills every table. Resident "
        + "memory (VmRSS) is\nsampled 21 times: after the warm-up (start), then every 5 % of the packets. "
        + "Written by `vigil bench\nflood --write`; do not edit by hand.\n\n"
        + "| features | max hosts | packets | packets/s | RSS start MB | RSS end MB | RSS max MB |"
        + " evictions | machine | date (UTC) | commit |\n"
        + "|---|--:|--:|--:|--:|--:|--:|--:|---|---|---|\n"
        + String.join("\n", rows)
        + "\n";
  }

  /** Returns this process's resident set size in kB (VmRSS), or 0 where /proc is unavailable. */
  static long rssKb() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return 0;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }
}
