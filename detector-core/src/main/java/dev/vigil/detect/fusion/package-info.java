/**
 * Fusion of the components' scores into one anomaly score {@code A} against a calibrated threshold,
 * severity levels and score likelihoods. Scoring only: calibrating a fusion is detector-train's
 * job.
 */
package dev.vigil.detect.fusion;
