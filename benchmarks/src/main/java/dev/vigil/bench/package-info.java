/**
 * Every benchmark of Vigil: the JMH benchmarks (packet path, scoring) and what the {@code vigil
 * bench} commands measure (packets, flood, scoring, MQTT ingestion), with the reports they write
 * into docs/BENCHMARKS.md. Never shipped with the daemon; nothing here is called by runtime code.
 */
package dev.vigil.bench;
