package dev.vigil.daemon.metrics;

import java.time.Duration;

/**
 * The histogram buckets ({@code le}) of each kind of latency the daemon measures, fixed so that
 * histograms from many gateways can be summed before {@code histogram_quantile}: a 1-2.5-5 series
 * over the range each measure falls in, plus {@code +Inf}.
 *
 * <p>Each method returns a new array (Micrometer keeps the one it is given).
 */
public final class LatencyBuckets {
  private LatencyBuckets() {}

  /**
   * Scoring one feature vector or one telemetry step: 1 µs to 50 ms (the int8 runtime scores in
   * about 5 µs on a quiet core; a cold JIT, a busy 2-core gateway or the damped set take tens to
   * hundreds).
   */
  public static Duration[] scoring() {
    return series(Duration.ofNanos(1_000), Duration.ofMillis(50));
  }

  /**
   * From the first packet of an alerting window to its decision applied: 50 ms to 10 min (a window
   * is 10 s by default, a beacon's evidence spans minutes).
   */
  public static Duration[] decision() {
    return series(Duration.ofMillis(50), Duration.ofMinutes(10));
  }

  /**
   * From the first packet of an alert's evidence to the alert: 1 ms to 10 min (the scan and flood
   * detectors decide within milliseconds; a window alert waits for its window, a beacon's evidence
   * spans minutes).
   */
  public static Duration[] detection() {
    return series(Duration.ofMillis(1), Duration.ofMinutes(10));
  }

  /**
   * From an alert to its decision applied by every backend: 100 µs to 1 min (the backends' deadline
   * is 30 s by default).
   */
  public static Duration[] applying() {
    return series(Duration.ofNanos(100_000), Duration.ofMinutes(1));
  }

  /** HTTP requests and other framework tasks: 1 ms to 10 s. */
  public static Duration[] request() {
    return series(Duration.ofMillis(1), Duration.ofSeconds(10));
  }

  /** Returns 1, 2.5, 5 times each power of ten from {@code min} up to {@code max}, inclusive. */
  static Duration[] series(Duration min, Duration max) {
    long[] steps = {10, 25, 50}; // tenths of the decade's base
    java.util.List<Duration> out = new java.util.ArrayList<>();
    for (long base = 1; base <= max.toNanos(); base *= 10) {
      for (long s : steps) {
        long nanos = base * s / 10;
        if (nanos >= min.toNanos() && nanos <= max.toNanos()) {
          out.add(Duration.ofNanos(nanos));
        }
      }
    }
    return out.toArray(Duration[]::new);
  }
}
