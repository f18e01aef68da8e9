package dev.vigil.features.series;

import dev.vigil.features.FeatureSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns device telemetry readings into one feature vector per series (device and metric) and step:
 * readings are bucketed to a fixed step (mean of the bucket), missing steps are filled by linear
 * interpolation between the last closed step and the first reading after the gap (as the second
 * seed paper does), the value is optionally wavelet-denoised, then described against the series'
 * own recent past, so one model serves series of any unit and level:
 *
 * <ul>
 *   <li>{@code z_long}: the value against the last 128 steps (mean, deviation);
 *   <li>{@code shape0} … {@code shape7}: the last eight values against the last 16 steps (the shape
 *       of the recent past);
 *   <li>{@code dz}: the change from the previous step, in long-window deviations;
 *   <li>{@code short_vs_long_mean}, {@code log_short_vs_long_sd}: the 16-step window against the
 *       128-step window (level shift, volatility change);
 *   <li>{@code local_z}: the value against the 16 steps before it;
 *   <li>{@code filled}: 1 when the step was interpolated (no reading arrived);
 *   <li>{@code log_msgs}, {@code log_payload_bytes}: the device's message count and mean payload
 *       size in the step, {@code log1p}.
 * </ul>
 *
 * <p>Every statistic is over a rolling window of the series' own past (state, like an LSTM's, not
 * learning): a lasting change of level is anomalous when it happens and normal again once the
 * windows have moved past it. The baseline (mean and deviation of the step values until {@link
 * Options#baselineSteps()} steps or {@link #freezeBaselines()}) only floors the deviations, so that
 * a flat series does not turn noise into huge scores. Readings older than the series' open step are
 * counted ({@link #late()}) and dropped; series beyond {@link Options#maxSeries()} are counted
 * ({@link #droppedSeries()}) and ignored, and {@link #remove} forgets one (the daemon's {@code
 * SeriesTable} decides which series are kept). Not thread-safe: one thread feeds it.
 */
public final class SeriesFeatures {
  /** Past values kept in the vector. */
  static final int LAGS = 8;

  /** Index of {@code z_long}, the value against the long window, in every vector. */
  public static final int Z_LONG = 0;

  /** Steps in the rolling statistics. */
  static final int ROLL = 16;

  /** The layout of every vector. */
  public static final FeatureSchema SCHEMA = schema();

  /** Steps in the long rolling window the level is measured against. */
  static final int LONG = 128;

  private static FeatureSchema schema() {
    List<String> names = new ArrayList<>();
    List<String> units = new ArrayList<>();
    names.add("z_long");
    units.add("long-window sd");
    for (int i = 0; i < LAGS; i++) {
      names.add("shape" + i);
      units.add("short-window sd");
    }
    names.add("dz");
    units.add("long-window sd");
    names.add("short_vs_long_mean");
    units.add("long-window sd");
    names.add("log_short_vs_long_sd");
    units.add("log ratio");
    names.add("local_z");
    units.add("short-window sd");
    names.add("filled");
    units.add("0/1");
    names.add("log_msgs");
    units.add("log1p(messages)");
    names.add("log_payload_bytes");
    units.add("log1p(bytes)");
    return new FeatureSchema("vigil.telemetry-series.v2", names, units);
  }

  /**
   * Settings.
   *
   * @param stepMillis bucket length, at least 1 ms
   * @param denoise whether to Haar-denoise each step's value over the last 8 steps
   * @param baselineSteps steps after which a series' baseline is fixed (0: only by {@link
   *     #freezeBaselines()})
   * @param maxSeries most series tracked at once
   */
  public record Options(long stepMillis, boolean denoise, int baselineSteps, int maxSeries) {
    /** Validates. */
    public Options {
      if (stepMillis < 1) {
        throw new IllegalArgumentException("stepMillis must be at least 1, was " + stepMillis);
      }
      if (baselineSteps < 0) {
        throw new IllegalArgumentException(
            "baselineSteps must be at least 0, was " + baselineSteps);
      }
      if (maxSeries < 1) {
        throw new IllegalArgumentException("maxSeries must be at least 1, was " + maxSeries);
      }
    }
  }

  private final Options options;
  private final SeriesListener listener;
  private final Map<String, Device> devices = new HashMap<>();
  private final Map<String, Map<String, Series>> series = new HashMap<>(); // device, metric
  private int seriesCount;
  private final List<Series> all = new ArrayList<>();
  private final HaarDenoiser haar = new HaarDenoiser();
  private final float[] out = new float[SCHEMA.size()];
  private final double[] window = new double[HaarDenoiser.N];
  private long late;
  private long droppedSeries;
  private long emitted;
  private long filled;
  private double emittingValue = Double.NaN;
  private Series emitting;

  /** Per-device message statistics of the open step of each of its series. */
  private static final class Device {
    final String name;
    final long hash;

    Device(String name) {
      this.name = name;
      this.hash = hash64(name);
    }
  }

  private final class Series {
    final Device device;
    final long hi;
    final long lo;
    final String metric;
    int index; // in all
    long openStep = Long.MIN_VALUE; // start of the open bucket
    double sum;
    int count;
    int msgs;
    long payloadBytes;
    boolean hasClosed;
    double lastClosedValue;
    long closedSteps;
    long lastClosedStep;
    final double[] raw = new double[HaarDenoiser.N]; // last raw step values, ring
    final double[] hist = new double[LONG]; // last step values (denoised), ring
    long n; // baseline count
    double mean;
    double m2;
    boolean frozen;

    Series(Device d, String metric) {
      this.metric = metric;
      this.device = d;
      this.hi = d.hash;
      this.lo = hash64(metric);
    }

    double sd() {
      double s = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
      return Math.max(s, 1e-3 * (Math.abs(mean) + 1e-3));
    }
  }

  /** Creates the extractor. */
  public SeriesFeatures(Options options, SeriesListener listener) {
    this.options = Objects.requireNonNull(options, "options");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Returns the settings. */
  public Options options() {
    return options;
  }

  /**
   * Adds one reading.
   *
   * @param device device id
   * @param metric metric name
   * @param timestampMillis reading time, epoch milliseconds
   * @param value the reading (finite)
   * @param payloadBytes size of the message that carried it (0 if unknown)
   */
  public void offer(
      String device, String metric, long timestampMillis, double value, int payloadBytes) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("value must be finite, was " + value);
    }
    Map<String, Series> byMetric = series.get(device); // no allocation for a known series
    Series s = byMetric == null ? null : byMetric.get(metric);
    if (s == null) {
      if (seriesCount >= options.maxSeries()) {
        droppedSeries++;
        return;
      }
      Device d = devices.computeIfAbsent(device, Device::new);
      s = new Series(d, metric);
      series.computeIfAbsent(device, x -> new HashMap<>()).put(metric, s);
      s.index = all.size();
      all.add(s);
      seriesCount++;
    }
    long step = Math.floorDiv(timestampMillis, options.stepMillis()) * options.stepMillis();
    if (s.openStep == Long.MIN_VALUE) {
      s.openStep = step;
    } else if (step < s.openStep) {
      late++;
      return;
    } else if (step > s.openStep) {
      close(s);
      fillGap(s, step, value);
      s.openStep = step;
    }
    s.sum += value;
    s.count++;
    s.msgs++;
    s.payloadBytes += Math.max(0, payloadBytes);
  }

  /**
   * Forgets the series {@code (device, metric)}: its windows, its open step (unread, no vector) and
   * its baseline, and its device once it has no other series. A later reading starts it afresh.
   * Must not be called from inside {@link SeriesListener#onVector}.
   *
   * @return whether the series was tracked
   */
  public boolean remove(String device, String metric) {
    Map<String, Series> byMetric = series.get(device);
    Series s = byMetric == null ? null : byMetric.remove(metric);
    if (s == null) {
      return false;
    }
    if (byMetric.isEmpty()) {
      series.remove(device);
      devices.remove(device);
    }
    Series last = all.remove(all.size() - 1); // swap-remove: the order of all does not matter
    if (last != s) {
      all.set(s.index, last);
      last.index = s.index;
    }
    if (emitting == s) {
      emitting = null;
    }
    seriesCount--;
    return true;
  }

  /** Closes every open step that ends at or before {@code nowMillis} (silent series). */
  public void tick(long nowMillis) {
    for (int i = 0; i < all.size(); i++) { // indexed: no iterator per tick
      Series s = all.get(i);
      if (s.count > 0 && s.openStep + options.stepMillis() <= nowMillis) {
        close(s);
        s.openStep += options.stepMillis();
      }
    }
  }

  /** Closes every open step (end of input). */
  public void flush() {
    for (int i = 0; i < all.size(); i++) { // indexed: no iterator per tick
      Series s = all.get(i);
      if (s.count > 0) {
        close(s);
        s.openStep += options.stepMillis();
      }
    }
  }

  /** Fixes every series' baseline from now on. */
  public void freezeBaselines() {
    for (int i = 0; i < all.size(); i++) { // indexed: no iterator per tick
      Series s = all.get(i);
      s.frozen = true;
    }
  }

  private void close(Series s) {
    if (s.count == 0) {
      return;
    }
    double v = s.sum / s.count;
    emit(s, s.openStep, v, false, s.msgs, s.count == 0 ? 0 : (double) s.payloadBytes / s.msgs);
    s.sum = 0;
    s.count = 0;
    s.msgs = 0;
    s.payloadBytes = 0;
  }

  /**
   * Emits interpolated steps between the last closed step and the first reading at {@code next}.
   */
  private void fillGap(Series s, long next, double nextValue) {
    long stepMs = options.stepMillis();
    long missing = (next - s.lastClosedStep) / stepMs - 1;
    if (missing <= 0 || !s.hasClosed) {
      return;
    }
    long cap = Math.min(missing, 10_000); // a gap longer than this is not worth inventing
    double from = s.lastClosedValue;
    for (long i = 1; i <= cap; i++) {
      long t = next - (cap + 1 - i) * stepMs;
      double frac = (double) i / (missing + 1);
      emit(s, t, from + (nextValue - from) * frac, true, 0, 0);
      filled++;
    }
  }

  private void emit(
      Series s, long stepStart, double rawValue, boolean wasFilled, int msgs, double bytes) {
    s.raw[(int) (s.closedSteps % HaarDenoiser.N)] = rawValue;
    double v = rawValue;
    if (options.denoise() && s.closedSteps >= HaarDenoiser.N - 1) {
      for (int i = 0; i < HaarDenoiser.N; i++) {
        window[i] = s.raw[(int) ((s.closedSteps - (HaarDenoiser.N - 1) + i) % HaarDenoiser.N)];
      }
      v = haar.denoiseLast(window);
    }
    s.lastClosedValue = rawValue;
    s.lastClosedStep = stepStart;
    s.hasClosed = true;
    if (!s.frozen) {
      s.n++;
      double d = v - s.mean;
      s.mean += d / s.n;
      s.m2 += d * (v - s.mean);
      if (options.baselineSteps() > 0 && s.n >= options.baselineSteps()) {
        s.frozen = true;
      }
    }
    // every statistic below is over a rolling window of the series' own past: pure state, nothing
    // learned after the baseline (which only floors the deviations)
    long t = s.closedSteps;
    double floor = 0.05 * s.sd();
    int prevShort = (int) Math.min(ROLL, t);
    double[] st = stats(s, t, prevShort); // the steps before this one
    double prevMean = st[0];
    double prevSd = Math.max(st[1], floor);
    double prevValue = t > 0 ? s.hist[(int) ((t - 1) % LONG)] : v;
    s.hist[(int) (t % LONG)] = v;
    s.closedSteps++;
    long n = s.closedSteps;
    double[] lg = stats(s, n, (int) Math.min(LONG, n));
    double longMean = lg[0];
    double longSd = Math.max(lg[1], floor);
    double[] sh = stats(s, n, (int) Math.min(ROLL, n));
    double shortMean = sh[0];
    double shortSd = Math.max(sh[1], floor);
    out[Z_LONG] = (float) clip((v - longMean) / longSd);
    for (int i = 0; i < LAGS; i++) {
      double x = i < n ? s.hist[(int) ((n - 1 - i) % LONG)] : shortMean;
      out[1 + i] = (float) clip((x - shortMean) / shortSd);
    }
    out[1 + LAGS] = (float) clip((v - prevValue) / longSd);
    out[2 + LAGS] = (float) clip((shortMean - longMean) / longSd);
    out[3 + LAGS] = (float) clip(Math.log(shortSd / longSd));
    out[4 + LAGS] = prevShort >= 2 ? (float) clip((v - prevMean) / prevSd) : 0f;
    out[5 + LAGS] = wasFilled ? 1f : 0f;
    out[6 + LAGS] = (float) Math.log1p(msgs);
    out[7 + LAGS] = (float) Math.log1p(bytes);
    emitted++;
    emittingValue = wasFilled ? Double.NaN : rawValue;
    emitting = s;
    listener.onVector(s.hi, s.lo, stepStart, out);
  }

  /** Mean and standard deviation of the {@code count} steps before step {@code end}. */
  private final double[] stats = new double[2];

  private double[] stats(Series s, long end, int count) {
    if (count == 0) {
      stats[0] = 0;
      stats[1] = 0;
      return stats;
    }
    double sum = 0;
    double sq = 0;
    for (int i = 1; i <= count; i++) {
      double x = s.hist[(int) ((end - i) % LONG)];
      sum += x;
      sq += x * x;
    }
    double m = sum / count;
    stats[0] = m;
    stats[1] = Math.sqrt(Math.max(0, sq / count - m * m));
    return stats; // read at once by the caller, before the next call
  }

  private static double clip(double z) {
    return Double.isNaN(z) ? 0 : Math.max(-1e3, Math.min(1e3, z));
  }

  /** Returns a 64-bit hash of a name (FNV-1a then a murmur finaliser). */
  public static long hash64(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }

  /**
   * Returns the value (mean of the step's readings) of the step being emitted, NaN for an
   * interpolated step; valid inside {@link SeriesListener#onVector}.
   */
  public double emittingValue() {
    return emittingValue;
  }

  /** Returns the device of the step being emitted; valid inside {@link SeriesListener#onVector}. */
  public String emittingDevice() {
    return emitting == null ? null : emitting.device.name;
  }

  /** Returns the metric of the step being emitted; valid inside {@link SeriesListener#onVector}. */
  public String emittingMetric() {
    return emitting == null ? null : emitting.metric;
  }

  /** Returns readings dropped because they were older than their series' open step. */
  public long late() {
    return late;
  }

  /** Returns readings dropped because the series table was full. */
  public long droppedSeries() {
    return droppedSeries;
  }

  /** Returns vectors emitted. */
  public long emitted() {
    return emitted;
  }

  /** Returns steps filled by interpolation. */
  public long filled() {
    return filled;
  }

  /** Returns the number of series tracked. */
  public int seriesCount() {
    return seriesCount;
  }
}
