/**
 * The daemon's log: journald-aware line prefixes ({@link dev.vigil.daemon.logging.JournalPrefix}),
 * log levels from the configuration ({@link dev.vigil.daemon.logging.LogLevels}) and the
 * rate-limited alert lines ({@link dev.vigil.daemon.logging.AlertLogLines}).
 */
package dev.vigil.daemon.logging;
