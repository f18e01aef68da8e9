/**
 * Host windows: per-host traffic counters over fixed windows, closed into feature vectors with the
 * host's role (initiator or responder).
 */
package dev.vigil.features.window;
