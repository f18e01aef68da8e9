package dev.vigil.bench;

import dev.vigil.features.FeatureSet;
import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Measures the packet path on a capture held in memory, in packets per second: {@link #parse}
 * (parsing alone) and {@link #parseAndFeatures} (parsing and the per-host feature stage, through
 * {@link PacketFeaturePipeline}'s public {@code FrameSink} API only).
 *
 * <p>The capture is read once, in setup, into byte arrays. An invocation handles {@link #BATCH}
 * packets, continuing where the previous one stopped and wrapping around the capture; on each wrap
 * the timestamps move forward by the capture's span plus one second, so the feature stage sees
 * capture time keep advancing, as if the capture were replayed in a loop. JMH needs a constant for
 * {@code @OperationsPerInvocation}, hence a fixed batch rather than one whole capture per
 * invocation; either way one operation is one packet.
 *
 * <p>The input is the demo attack capture bundled in the jar unless {@code -p pcap=FILE} names
 * another (any Ethernet pcap or pcapng file).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
// The JVM flags bin/vigil runs the daemon with.
@Fork(
    value = 1,
    jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PacketPathBenchmark {
  /** Packets handled per invocation (one operation = one packet). */
  public static final int BATCH = 1024;

  /** The demo attack capture bundled in the benchmarks jar. */
  public static final String DEMO = "classpath:demo/demo-attack.pcap";

  /** Host window length the daemon uses by default (features.window: 10s). */
  static final long WINDOW_MICROS = 10_000_000L;

  /** Capture to replay: a file path, or {@code classpath:NAME} for a bundled resource. */
  @Param({DEMO})
  public String pcap;

  /** Most hosts tracked at once (the daemon's default features.max-hosts). */
  @Param({"4096"})
  public int maxHosts;

  /** Feature set: {@code host-window} or {@code damped}. */
  @Param({"host-window", "damped"})
  public String features;

  private byte[][] frames;
  private int[] capturedLengths;
  private int[] wireLengths;
  private long[] timestamps;
  private long lapMicros;

  private final PacketParser parser = new PacketParser();
  private final PacketMeta meta = new PacketMeta();
  private PacketFeaturePipeline pipeline;
  private long windows;

  private int cursor;
  private long timeOffset;

  /** Reads the capture into memory and builds the feature stage. */
  @Setup(Level.Trial)
  public void load() throws IOException {
    Path file = resolve(pcap);
    List<byte[]> f = new ArrayList<>();
    List<int[]> lengths = new ArrayList<>();
    List<Long> ts = new ArrayList<>();
    try {
      new PcapFileReader(file)
          .read(
              (frame, cap, wire, micros) -> {
                f.add(Arrays.copyOf(frame, cap)); // a FrameSink may not keep the frame
                lengths.add(new int[] {cap, wire});
                ts.add(micros);
              });
    } finally {
      if (!file.toString().equals(pcap)) {
        Files.deleteIfExists(file);
      }
    }
    int n = f.size();
    if (n == 0) {
      throw new IllegalArgumentException("capture [" + pcap + "] holds no packets");
    }
    frames = f.toArray(new byte[0][]);
    capturedLengths = new int[n];
    wireLengths = new int[n];
    timestamps = new long[n];
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      capturedLengths[i] = lengths.get(i)[0];
      wireLengths[i] = lengths.get(i)[1];
      timestamps[i] = ts.get(i);
      first = Math.min(first, timestamps[i]);
      last = Math.max(last, timestamps[i]);
    }
    lapMicros = last - first + 1_000_000L;
    pipeline = newFeatureStage();
    System.out.printf(
        "%n# input %s: %d packets, %.1f s of capture time%n", pcap, n, (last - first) / 1e6);
  }

  /** The one place that names the feature stage under test. */
  private PacketFeaturePipeline newFeatureStage() {
    return new PacketFeaturePipeline(
        FeatureSet.byConfigName(features),
        WINDOW_MICROS,
        maxHosts,
        (hostHi, hostLo, start, end, features) -> windows++);
  }

  /** Parses {@link #BATCH} packets into a reused {@link PacketMeta}. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void parse(Blackhole bh) {
    byte[][] f = frames;
    int n = f.length;
    int c = cursor;
    for (int i = 0; i < BATCH; i++) {
      bh.consume(parser.parse(f[c], 0, capturedLengths[c], wireLengths[c], timestamps[c], meta));
      if (++c == n) {
        c = 0;
      }
    }
    cursor = c;
  }

  /** Feeds {@link #BATCH} packets through the feature pipeline (parse, per-host windows). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long parseAndFeatures() {
    byte[][] f = frames;
    int n = f.length;
    int c = cursor;
    long offset = timeOffset;
    for (int i = 0; i < BATCH; i++) {
      pipeline.onFrame(f[c], capturedLengths[c], wireLengths[c], timestamps[c] + offset);
      if (++c == n) {
        c = 0;
        offset += lapMicros;
      }
    }
    cursor = c;
    timeOffset = offset;
    return windows;
  }

  static Path resolve(String pcap) throws IOException {
    if (!pcap.startsWith("classpath:")) {
      return Path.of(pcap);
    }
    String resource = pcap.substring("classpath:".length());
    try (InputStream in =
        PacketPathBenchmark.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("class-path resource [" + resource + "] not found");
      }
      Path tmp = Files.createTempFile("vigil-bench-", ".pcap");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      return tmp;
    }
  }
}
