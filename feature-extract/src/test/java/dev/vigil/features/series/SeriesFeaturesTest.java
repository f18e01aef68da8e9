package dev.vigil.features.series;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeriesFeaturesTest {
  private record Out(long hi, long lo, long step, float[] v) {}

  private final List<Out> out = new ArrayList<>();

  private SeriesFeatures extractor(boolean denoise, int baseline, int maxSeries) {
    return new SeriesFeatures(
        new SeriesFeatures.Options(1000, denoise, baseline, maxSeries),
        (hi, lo, step, v) -> out.add(new Out(hi, lo, step, v.clone())));
  }

  private static int idx(String name) {
    return SeriesFeatures.SCHEMA.names().indexOf(name);
  }

  @Test
  void bucketsByStepAndAveragesReadings() {
    SeriesFeatures f = extractor(false, 0, 10);
    f.offer("d1", "t", 1000, 10, 20);
    f.offer("d1", "t", 1500, 20, 40);
    f.offer("d1", "t", 2100, 30, 20); // closes step 1000
    assertThat(out).hasSize(1);
    assertThat(out.get(0).step()).isEqualTo(1000);
    assertThat(out.get(0).v()[idx("log_msgs")]).isCloseTo((float) Math.log1p(2), within(1e-6f));
    assertThat(out.get(0).v()[idx("log_payload_bytes")])
        .isCloseTo((float) Math.log1p(30), within(1e-5f));
    f.flush();
    assertThat(out).hasSize(2);
    assertThat(out.get(1).step()).isEqualTo(2000);
  }

  @Test
  void fillsGapsByLinearInterpolationAndMarksThem() {
    SeriesFeatures f = extractor(false, 10, 10); // baseline fixed after 10 steps
    for (int t = 0; t < 10; t++) {
      f.offer("d", "m", t * 1000L, t % 2 == 0 ? 0 : 10, 0);
    }
    f.offer("d", "m", 10_000, 10, 0);
    f.offer("d", "m", 14_000, 50, 0); // steps 11, 12, 13 missing: 20, 30, 40
    f.flush();
    assertThat(out)
        .extracting(Out::step)
        .containsSequence(10_000L, 11_000L, 12_000L, 13_000L, 14_000L);
    assertThat(out.subList(11, 14)).allMatch(o -> o.v()[idx("filled")] == 1f);
    assertThat(out.get(14).v()[idx("filled")]).isZero();
    assertThat(f.filled()).isEqualTo(3);
    for (int i = 11; i <= 14; i++) { // the line climbs through the gap: every step goes up
      assertThat(out.get(i).v()[idx("dz")]).isPositive();
    }
  }

  @Test
  void lateReadingsAreCountedAndDropped() {
    SeriesFeatures f = extractor(false, 0, 10);
    f.offer("d", "m", 5000, 1, 0);
    f.offer("d", "m", 6000, 1, 0);
    f.offer("d", "m", 4000, 99, 0);
    assertThat(f.late()).isEqualTo(1);
    assertThat(out).hasSize(1);
  }

  @Test
  void aSpikeStandsOutAgainstTheSeriesOwnRecentPast() {
    SeriesFeatures f = extractor(false, 100, 10);
    Random r = new Random(1);
    for (int t = 0; t < 100; t++) {
      f.offer("d", "m", t * 1000L, 50 + 5 * r.nextGaussian(), 0);
    }
    f.offer("d", "m", 100_000, 100, 0); // closes step 99: baseline now frozen (100 steps)
    f.offer("d", "m", 101_000, 50, 0);
    f.flush();
    Out spike = out.get(100);
    assertThat(spike.v()[idx("z_long")]).isCloseTo(9f, within(3f)); // about (100 - 50) / 5
    assertThat(spike.v()[idx("local_z")]).isGreaterThan(5f);
    assertThat(spike.v()[idx("shape0")])
        .isGreaterThan(2f); // the newest value tops the short window
    Out after = out.get(101);
    assertThat(after.v()[idx("shape1")]).isGreaterThan(2f); // and is one step back the next time
    assertThat(after.v()[idx("dz")]).isLessThan(-5f);
    // a normal step scores near 0 on the level features
    assertThat(Math.abs(out.get(99).v()[idx("z_long")])).isLessThan(4f);
  }

  @Test
  void seriesAreKeyedByDeviceAndMetricAndBounded() {
    SeriesFeatures f = extractor(false, 0, 2);
    f.offer("a", "x", 0, 1, 0);
    f.offer("a", "y", 0, 1, 0);
    f.offer("b", "x", 0, 1, 0);
    f.flush();
    assertThat(f.seriesCount()).isEqualTo(2);
    assertThat(f.droppedSeries()).isEqualTo(1);
    assertThat(out).hasSize(2);
    assertThat(out.get(0).hi()).isEqualTo(out.get(1).hi());
    assertThat(out.get(0).lo()).isNotEqualTo(out.get(1).lo());
    assertThatThrownBy(() -> f.offer("a", "x", 0, Double.NaN, 0)).hasMessageContaining("finite");
  }

  @Test
  void remove_forgetsTheSeriesAndFreesItsPlace() {
    SeriesFeatures f = extractor(false, 0, 2);
    f.offer("a", "x", 0, 1, 0);
    f.offer("a", "y", 0, 5, 0);
    assertThat(f.remove("a", "x")).isTrue();
    assertThat(f.remove("a", "x")).isFalse();
    assertThat(f.remove("nobody", "x")).isFalse();
    assertThat(f.seriesCount()).isEqualTo(1);
    f.offer("b", "z", 0, 7, 0); // the freed place
    assertThat(f.droppedSeries()).isZero();
    f.flush();
    assertThat(out)
        .hasSize(2)
        .noneMatch(
            o -> o.hi() == SeriesFeatures.hash64("a") && o.lo() == SeriesFeatures.hash64("x"));
    // the removed series starts afresh: its first step again, no gap filled from the old one
    out.clear();
    assertThat(f.remove("b", "z")).isTrue();
    f.offer("a", "x", 5000, 3, 0);
    f.flush();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).step()).isEqualTo(5000);
    assertThat(out).noneMatch(o -> o.v()[idx("filled")] != 0f);
  }

  @Test
  void haarDenoisingDampsNoiseButKeepsASustainedShift() {
    HaarDenoiser h = new HaarDenoiser();
    double[] noisy = {10, 10.2, 9.8, 10.1, 9.9, 10.2, 9.8, 10.3};
    assertThat(h.denoiseLast(noisy)).isCloseTo(10.0, within(0.2));
    double[] step = {10, 10, 10, 10, 20, 20, 20, 20};
    assertThat(h.denoiseLast(step)).isCloseTo(20.0, within(1.0));
    SeriesFeatures f = extractor(true, 0, 10);
    for (int t = 0; t < 20; t++) {
      f.offer("d", "m", t * 1000L, t % 2 == 0 ? 1 : -1, 0);
    }
    f.flush();
    assertThat(out).hasSize(20);
  }

  @Test
  void knownSeriesReadingsAndStepsAllocateNothing() {
    float[] sink = new float[1];
    SeriesFeatures f =
        new SeriesFeatures(
            new SeriesFeatures.Options(1000, false, 64, 16), (hi, lo, st, v) -> sink[0] += v[0]);
    String[] devices = {"a", "b", "c"};
    String[] metrics = {"temp", "hum"};
    long t = 0;
    for (int i = 0; i < 2000; i++, t += 250) { // warm up: every series known, code compiled
      f.offer(devices[i % 3], metrics[i % 2], t, i % 17, 40);
      f.tick(t);
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++, t += 250) {
      f.offer(devices[i % 3], metrics[i % 2], t, i % 17, 40);
      f.tick(t);
    }
    assertThat(mx.getThreadAllocatedBytes(tid) - before).isLessThan(4096);
    assertThat(f.emitted()).isGreaterThan(20_000);
  }

  @Test
  void emittingValueIsTheStepMeanAndNanForFilledSteps() {
    List<double[]> seen = new ArrayList<>();
    SeriesFeatures[] f = new SeriesFeatures[1];
    f[0] =
        new SeriesFeatures(
            new SeriesFeatures.Options(1000, false, 0, 4),
            (hi, lo, st, v) -> seen.add(new double[] {st, f[0].emittingValue()}));
    f[0].offer("d", "m", 0, 1, 0);
    f[0].offer("d", "m", 500, 3, 0); // step 0: mean 2
    f[0].offer("d", "m", 3000, 8, 0); // steps 1 and 2 missing: filled
    f[0].flush();
    assertThat(seen).hasSize(4);
    assertThat(seen.get(0)[1]).isEqualTo(2.0);
    assertThat(seen.get(1)[1]).isNaN();
    assertThat(seen.get(2)[1]).isNaN();
    assertThat(seen.get(3)[1]).isEqualTo(8.0);
  }
}
