/**
 * Training of the detection model: the ensemble trainer, fusion calibration, the telemetry series
 * model's defaults, ROC area for weight fitting and console progress. Used by the daemon (on-device
 * learning, {@code vigil train}) and the evaluation tools; never on the scoring path.
 */
package dev.vigil.train;
