package dev.vigil.bench;

import dev.vigil.daemon.pipeline.DetectionService;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.features.binding.AddressBindings;
import dev.vigil.features.capture.FileReplay;
import dev.vigil.features.capture.FrameSink;
import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.flow.AuthFailureTracker;
import dev.vigil.features.flow.BeaconTracker;
import dev.vigil.features.flow.FloodDetector;
import dev.vigil.features.flow.ScanDetector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures the packet path on a capture file: the whole capture-to-features path as the daemon
 * replays a file ({@link FileReplay}: {@link PcapFileReader} on a reader thread ahead of {@link
 * PacketFeaturePipeline} on the caller's, "full"), the same path on one thread (the reader calling
 * the pipeline, "one thread": its whole cost where there is no second core), against the raw read
 * rate of the same file ({@link PcapFileReader} into a sink that does nothing, "raw": libpcap and
 * Pcap4J alone).
 *
 * <p>After a warm-up, each pass reads the file {@code readsPerPass} times raw, then as many times
 * full, then as many on one thread; the number of reads per pass is chosen after the warm-up so
 * that a raw pass lasts at least {@link Settings#minPass()}, which keeps small captures measurable.
 * A full read builds a fresh pipeline, as the daemon does for each file, outside the timed region
 * (the host table is allocated once in a daemon's life); the timed region is {@code read} plus
 * {@code flush}. Every kind of read includes opening the file. Rates are packets per second of
 * timed region.
 *
 * <p>Not thread-safe; runs on the caller's thread (and, for the full reads, a reader thread).
 */
public final class PacketReplayBench {
  private static final FrameSink NO_OP = (frame, capturedLength, wireLength, micros) -> {};

  private final Settings settings;
  private long windows;
  private long beacons; // reports of the flow trackers (kept so the work is not dead code)

  /**
   * What to measure and how.
   *
   * @param pcap the capture file (Ethernet pcap or pcapng)
   * @param passes measured passes, at least 1
   * @param warmup time spent reading before measuring, not negative (at least one raw and one full
   *     read happen in any case)
   * @param minPass shortest raw pass wanted, not negative; sets the reads per pass
   * @param windowMicros the feature stage's window length in microseconds
   * @param maxHosts the feature stage's host table size
   * @param features the feature set extracted
   */
  public record Settings(
      Path pcap,
      int passes,
      Duration warmup,
      Duration minPass,
      long windowMicros,
      int maxHosts,
      FeatureSet features) {
    /** Validates every argument, naming the one at fault. */
    public Settings {
      if (pcap == null) {
        throw new IllegalArgumentException("pcap must be given");
      }
      if (passes < 1) {
        throw new IllegalArgumentException("passes must be at least 1, was " + passes);
      }
      if (warmup == null || warmup.isNegative()) {
        throw new IllegalArgumentException("warmup must not be negative, was " + warmup);
      }
      if (minPass == null || minPass.isNegative()) {
        throw new IllegalArgumentException("minPass must not be negative, was " + minPass);
      }
      if (windowMicros < 1000) {
        throw new IllegalArgumentException(
            "windowMicros must be at least 1000, was " + windowMicros);
      }
      if (maxHosts < 16) {
        throw new IllegalArgumentException("maxHosts must be at least 16, was " + maxHosts);
      }
      if (features == null) {
        throw new IllegalArgumentException("features must be given");
      }
    }
  }

  /**
   * One measured pass.
   *
   * @param packets packets handled by each of the raw and the full reads of the pass together
   * @param rawNanos timed nanoseconds of the raw reads
   * @param fullNanos timed nanoseconds of the full reads, as the daemon replays a file (a reader
   *     thread ahead of the feature stage)
   * @param singleNanos timed nanoseconds of the full reads on one thread (the reader calling the
   *     feature stage): the path's whole cost where there is no second core
   */
  public record Pass(long packets, long rawNanos, long fullNanos, long singleNanos) {
    /** Returns the raw read rate in packets per second. */
    public double rawRate() {
      return packets * 1e9 / Math.max(1, rawNanos);
    }

    /** Returns the full path's rate in packets per second. */
    public double fullRate() {
      return packets * 1e9 / Math.max(1, fullNanos);
    }

    /** Returns the full path's rate on one thread in packets per second. */
    public double singleRate() {
      return packets * 1e9 / Math.max(1, singleNanos);
    }
  }

  /**
   * What a run measured.
   *
   * @param pcap the capture file, as given
   * @param packetsPerRead packets in the file
   * @param windowsPerRead feature windows the file yields
   * @param readsPerPass how many times each pass read the file, raw and full each
   * @param warmupReads raw (and full) reads done to warm up
   * @param passes the measured passes, in order
   */
  public record Result(
      Path pcap,
      String features,
      long packetsPerRead,
      long windowsPerRead,
      int readsPerPass,
      int warmupReads,
      List<Pass> passes) {
    /** Copies {@code passes}. */
    public Result {
      passes = List.copyOf(passes);
    }

    /** Returns the median full-path rate over the passes, packets per second, rounded. */
    public long fullMedian() {
      return Math.round(median(passes.stream().mapToDouble(Pass::fullRate).toArray()));
    }

    /** Returns the median raw read rate over the passes, packets per second, rounded. */
    public long rawMedian() {
      return Math.round(median(passes.stream().mapToDouble(Pass::rawRate).toArray()));
    }

    /** Returns {@link #fullMedian()} over {@link #rawMedian()}. */
    public double ratio() {
      return (double) fullMedian() / Math.max(1, rawMedian());
    }

    /**
     * Returns the median one-thread full-path rate over the passes, packets per second, rounded.
     */
    public long singleMedian() {
      return Math.round(median(passes.stream().mapToDouble(Pass::singleRate).toArray()));
    }

    /** Returns {@link #singleMedian()} over {@link #rawMedian()}. */
    public double singleRatio() {
      return (double) singleMedian() / Math.max(1, rawMedian());
    }

    /** Returns the lowest and highest full-path rate over the passes, rounded. */
    public long[] fullRange() {
      return range(passes.stream().mapToDouble(Pass::fullRate).toArray());
    }

    /** Returns the lowest and highest raw rate over the passes, rounded. */
    public long[] rawRange() {
      return range(passes.stream().mapToDouble(Pass::rawRate).toArray());
    }

    /**
     * Returns the summary line: {@code packets/s=N raw/s=M ratio=R one-thread/s=S
     * one-thread-ratio=Q}.
     */
    public String summaryLine() {
      return String.format(
          Locale.ROOT,
          "packets/s=%d raw/s=%d ratio=%.2f one-thread/s=%d one-thread-ratio=%.2f",
          fullMedian(),
          rawMedian(),
          ratio(),
          singleMedian(),
          singleRatio());
    }

    private static double median(double[] v) {
      double[] s = v.clone();
      Arrays.sort(s);
      int m = s.length / 2;
      return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static long[] range(double[] v) {
      return new long[] {
        Math.round(Arrays.stream(v).min().orElse(0)), Math.round(Arrays.stream(v).max().orElse(0))
      };
    }
  }

  /** Creates a bench; nothing is read until {@link #run}. */
  public PacketReplayBench(Settings settings) {
    this.settings = settings;
  }

  /**
   * Warms up, measures, and prints one line per pass and the summary line to {@code out}.
   *
   * @throws IOException if the capture cannot be read
   */
  public Result run(PrintWriter out) throws IOException {
    Path pcap = settings.pcap();
    long warmupEnd = System.nanoTime() + settings.warmup().toNanos();
    long packets = -1;
    long lastRawNanos;
    int warmupReads = 0;
    long windowsPerRead = 0;
    do {
      long t0 = System.nanoTime();
      long n = new PcapFileReader(pcap).read(NO_OP);
      lastRawNanos = System.nanoTime() - t0;
      windows = 0;
      long[] full = timedFullRead(false);
      windowsPerRead = windows;
      long[] single = timedFullRead(true);
      if (n != full[0] || n != single[0] || (packets >= 0 && n != packets)) {
        throw new IOException(
            "capture file ["
                + pcap
                + "] gave "
                + n
                + ", "
                + full[0]
                + " and "
                + single[0]
                + " packets");
      }
      packets = n;
      warmupReads++;
    } while (System.nanoTime() < warmupEnd);
    if (packets == 0) {
      throw new IOException("capture file [" + pcap + "] holds no packets");
    }
    int reads =
        (int)
            Math.max(
                1,
                Math.min(
                    1_000_000,
                    -Math.floorDiv(-settings.minPass().toNanos(), Math.max(1, lastRawNanos))));
    out.printf(
        Locale.ROOT,
        "bench packets: %s: %d packets, %d feature windows per read; warm-up %d reads each;"
            + " %d raw and %d full reads per pass%n",
        pcap,
        packets,
        windowsPerRead,
        warmupReads,
        reads,
        reads);
    out.flush();

    List<Pass> passes = new ArrayList<>();
    for (int p = 1; p <= settings.passes(); p++) {
      long rawNanos = 0;
      for (int r = 0; r < reads; r++) {
        long t0 = System.nanoTime();
        new PcapFileReader(pcap).read(NO_OP);
        rawNanos += System.nanoTime() - t0;
      }
      long fullNanos = 0;
      for (int r = 0; r < reads; r++) {
        fullNanos += timedFullRead(false)[1];
      }
      long singleNanos = 0;
      for (int r = 0; r < reads; r++) {
        singleNanos += timedFullRead(true)[1];
      }
      Pass pass = new Pass(packets * reads, rawNanos, fullNanos, singleNanos);
      passes.add(pass);
      out.printf(
          Locale.ROOT,
          "pass %d/%d: raw %.0f packets/s (%.1f ms), full %.0f packets/s (%.1f ms), ratio %.2f;"
              + " one thread %.0f packets/s (%.1f ms), ratio %.2f%n",
          p,
          settings.passes(),
          pass.rawRate(),
          rawNanos / 1e6,
          pass.fullRate(),
          fullNanos / 1e6,
          pass.fullRate() / pass.rawRate(),
          pass.singleRate(),
          singleNanos / 1e6,
          pass.singleRate() / pass.rawRate());
      out.flush();
    }
    Result result =
        new Result(
            pcap,
            settings.features().configName(),
            packets,
            windowsPerRead,
            reads,
            warmupReads,
            passes);
    out.println(result.summaryLine());
    out.flush();
    return result;
  }

  /**
   * Reads the file once through a fresh feature stage, as the daemon replays a file ({@link
   * FileReplay}: a reader thread ahead of the stage) or, with {@code oneThread}, with the reader
   * calling the stage on one thread; returns {packets, timed nanoseconds}.
   */
  private long[] timedFullRead(boolean oneThread) throws IOException {
    PacketFeaturePipeline stage = newFeatureStage();
    long t0 = System.nanoTime();
    long n =
        oneThread
            ? new PcapFileReader(settings.pcap()).read(stage)
            : new FileReplay(settings.pcap()).read(stage);
    stage.flush();
    return new long[] {n, System.nanoTime() - t0};
  }

  /**
   * The one place that names the feature stage under test; only its {@code FrameSink} side and
   * {@code flush} are used. It wires what the daemon's {@code DetectionService.scoringPipeline}
   * wires, in the same order: host features (with an early-window judge that never closes a window
   * early: the checkpoints' cost without a model), address bindings, beacon and auth-failure
   * trackers, the scan and the flood detectors.
   */
  private PacketFeaturePipeline newFeatureStage() {
    PacketFeaturePipeline p =
        new PacketFeaturePipeline(
            settings.features(),
            settings.windowMicros(),
            settings.maxHosts(),
            (hostHi, hostLo, start, end, features) -> windows++);
    p.observe(
        new AddressBindings(
            settings.maxHosts(), DetectionService.BINDING_TRUST_MICROS, settings.windowMicros()));
    // The flow trackers the daemon runs by default, beacons on their costlier side: no learning,
    // so every pair is new and every conversation start is tracked and judged.
    p.observe(new BeaconTracker(BeaconTracker.Options.defaults().withLearn(0), b -> beacons++));
    p.observe(new AuthFailureTracker(AuthFailureTracker.Options.defaults(), r -> beacons++));
    p.observe(new ScanDetector(ScanDetector.Options.defaults(), r -> beacons++));
    // floods on their costlier side too: no learning, every packet judged from the first
    p.observe(new FloodDetector(FloodDetector.Options.defaults().withLearn(0), r -> beacons++));
    p.features().earlyJudge((partial, features) -> false);
    return p;
  }
}
