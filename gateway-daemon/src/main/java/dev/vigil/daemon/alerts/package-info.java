/**
 * Alerts as Suricata eve.json records: building them, the bounded in-memory store and the
 * JSON-lines log.
 */
package dev.vigil.daemon.alerts;
