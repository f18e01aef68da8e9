package dev.vigil.bench;

import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.ModelBundle;
import dev.vigil.detect.model.Precision;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.features.capture.PcapFileReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One fused score (scaling, autoencoder, one LSTM step from the host's carried state, Isolation
 * Forest, fusion) per operation, with a model bundle written by {@code vigil train} ({@code -p
 * bundle=FILE}), over the host windows of a capture in time order (default: the demo attack capture
 * bundled in the jar), cycling. Throughput gives vectors/s on one thread; sample time gives the
 * latency distribution. DL4J is not on this path at all (the jar does not even contain it).
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ScoringBenchmark {
  /** Model bundle (required: {@code bin/vigil train -c config/vigil.yaml -o FILE} writes one). */
  @Param({"model.vigil"})
  public String bundle;

  /** Capture whose windows are scored: a file path, or {@code classpath:NAME}. */
  @Param({PacketPathBenchmark.DEMO})
  public String scorePcap;

  /** Runtime precision. */
  @Param({"int8", "float"})
  public String precision;

  private EnsembleScorer scorer;
  private long[] hi;
  private long[] lo;
  private float[][] vectors;
  private int next;
  private long now;

  @Setup
  public void setUp() throws IOException {
    DetectionModel model = ModelBundle.read(Path.of(bundle), null);
    FeatureSet set = FeatureSet.byConfigName("host-window");
    if (!model.schema().id().equals(set.schema().id())) {
      throw new IllegalArgumentException("the bundle is not for the host-window feature set");
    }
    scorer = model.scorer(Precision.valueOf(precision.toUpperCase(java.util.Locale.ROOT)), 4096);
    List<long[]> keys = new ArrayList<>();
    List<float[]> vs = new ArrayList<>();
    PacketFeaturePipeline fp =
        new PacketFeaturePipeline(
            set,
            PacketPathBenchmark.WINDOW_MICROS,
            4096,
            (h, l, s, e, v) -> {
              keys.add(new long[] {h, l});
              vs.add(v.clone());
            });
    new PcapFileReader(PacketPathBenchmark.resolve(scorePcap)).read(fp);
    fp.flush();
    if (vs.isEmpty()) {
      throw new IllegalArgumentException(scorePcap + " yields no host windows");
    }
    hi = new long[vs.size()];
    lo = new long[vs.size()];
    vectors = vs.toArray(new float[0][]);
    for (int i = 0; i < hi.length; i++) {
      hi[i] = keys.get(i)[0];
      lo[i] = keys.get(i)[1];
    }
  }

  /** One fused score of the next window. */
  @Benchmark
  public double score() {
    int i = next;
    next = i + 1 == vectors.length ? 0 : i + 1;
    return scorer.score(hi[i], lo[i], now++, vectors[i]);
  }
}
