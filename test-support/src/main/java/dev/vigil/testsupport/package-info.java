/**
 * Helpers for tests and benchmarks: the shared public data sets, pcap files and a real Mosquitto
 * broker on loopback. Never on a runtime class path.
 */
package dev.vigil.testsupport;
