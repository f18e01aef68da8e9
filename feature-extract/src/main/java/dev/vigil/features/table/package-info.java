/**
 * Bounded per-host slot tables with eviction: the memory model of every per-host feature table.
 * Never grows past its capacity, whatever the traffic.
 */
package dev.vigil.features.table;
