/**
 * The detection pipeline: capture and telemetry services, model management (learning on the device,
 * loading bundles), scoring and alert output, the eve log's writer, health.
 */
package dev.vigil.daemon.pipeline;
