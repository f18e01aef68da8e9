/**
 * Per-series surprise for telemetry: seasonal residuals and the likelihood of the fused score
 * against the series' own history. Scoring only; the NAB runner that drives it lives in the
 * evaluation module.
 */
package dev.vigil.detect.series;
