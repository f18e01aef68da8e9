package dev.vigil.daemon.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two process meters of Prometheus's own client libraries that Micrometer lacks, under their
 * conventional names: {@code process_cpu_seconds_total} (CPU time of the whole JVM) and {@code
 * process_resident_memory_bytes} (its resident set, heap and native libraries together: what a
 * gateway's memory is spent on). The resident set is read from {@code /proc/self/status} at each
 * scrape and left out where that file does not exist.
 *
 * <p>Thread-safe.
 */
@Singleton
public final class ProcessMetrics implements MeterBinder {
  private static final Path STATUS = Path.of("/proc/self/status");

  @Override
  public void bindTo(MeterRegistry registry) {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
          .baseUnit("seconds")
          .description("CPU time the daemon's process used, all threads")
          .register(registry);
    }
    if (Double.isFinite(residentBytes())) {
      Gauge.builder("process.resident.memory", ProcessMetrics::residentBytes)
          .baseUnit("bytes")
          .description("Resident memory of the daemon's process (VmRSS): heap, native and code")
          .register(registry);
    }
  }

  /** Returns the process's resident set size in bytes, or NaN where it cannot be read. */
  static double residentBytes() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmRSS:")) { // "VmRSS:     123456 kB": always kibibytes
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or /proc not mounted: no resident set to report
    }
    return Double.NaN;
  }
}
