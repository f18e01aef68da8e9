package dev.vigil.daemon.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Holds every meter, the framework's included, to what {@code promtool check metrics} asks of an
 * exposition: each has help text, no name carries an abbreviated unit or a {@code _count} suffix
 * that is not a histogram's, and every timer is a histogram with fixed buckets (a summary's
 * quantiles cannot be aggregated across gateways). Micronaut applies it to the registry as it
 * creates it, before any meter is registered.
 *
 * <p>Meters are left out rather than renamed where the name is wrong for the value: Micrometer's
 * {@code process.cpu.time} (nanoseconds) is replaced by {@code process_cpu_seconds_total} from
 * {@link ProcessMetrics}; {@code system.cpu.count} has no conventional name and tells an operator
 * nothing a dashboard needs.
 *
 * <p>Stateless and thread-safe.
 */
@Singleton
public final class PrometheusConventions implements MeterFilter {
  private static final Set<String> LEFT_OUT = Set.of("process.cpu.time", "system.cpu.count");

  /** Help text for the framework's meters that register none. */
  private static final Map<String, String> DESCRIPTIONS =
      Map.of(
          "http.server.requests", "HTTP requests served, by method, status and route",
          "executor", "Time tasks took on the daemon's executors",
          "executor.idle", "Time tasks waited in the daemon's executors' queues");

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    return LEFT_OUT.contains(id.getName()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    String d = id.getDescription();
    if (d != null && !d.isBlank()) {
      return id;
    }
    String text = DESCRIPTIONS.getOrDefault(id.getName(), id.getName().replace('.', ' '));
    return new Meter.Id(id.getName(), Tags.of(id.getTags()), id.getBaseUnit(), text, id.getType());
  }

  /**
   * Gives a timer that asked for neither buckets nor a percentile histogram (the framework's) the
   * {@link LatencyBuckets#request} buckets, and drops client-side percentiles, which Prometheus
   * would export as a summary; meters that chose their buckets keep them.
   */
  @Override
  public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
    if (id.getType() != Meter.Type.TIMER) {
      return config;
    }
    boolean hasBuckets =
        (config.getServiceLevelObjectiveBoundaries() != null
                && config.getServiceLevelObjectiveBoundaries().length > 0)
            || Boolean.TRUE.equals(config.isPercentileHistogram());
    DistributionStatisticConfig.Builder b =
        DistributionStatisticConfig.builder().percentiles(new double[0]);
    if (!hasBuckets) {
      b.serviceLevelObjectives(
          Arrays.stream(LatencyBuckets.request()).mapToDouble(Duration::toNanos).toArray());
    }
    return b.build().merge(config);
  }
}
