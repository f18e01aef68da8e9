/**
 * Alerts and decisions as Suricata eve.json events: building them, their one time format, the
 * bounded in-memory store and the JSON-lines file that follows logrotate's renames.
 */
package dev.vigil.daemon.alerts;
