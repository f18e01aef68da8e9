/**
 * MQTT telemetry ingestion with Eclipse Paho (3.1.1 and 5, TLS, reconnect), topic templates and
 * payload decoding into readings; bad payloads are counted by reason, never thrown.
 */
package dev.vigil.features.telemetry;
