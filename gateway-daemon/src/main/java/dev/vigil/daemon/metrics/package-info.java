/**
 * The daemon's metrics as Prometheus expects them: the naming and type conventions every meter is
 * held to ({@link dev.vigil.daemon.metrics.PrometheusConventions}), the histogram buckets of each
 * kind of latency ({@link dev.vigil.daemon.metrics.LatencyBuckets}), the build and process meters
 * that Micrometer's binders lack. Each detection or mitigation service registers its own meters;
 * {@code docs/METRICS.md} lists them all.
 */
package dev.vigil.daemon.metrics;
