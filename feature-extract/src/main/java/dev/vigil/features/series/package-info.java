/**
 * Sliding-window features of telemetry series (one numeric metric of one device), with optional
 * Haar denoising.
 */
package dev.vigil.features.series;
