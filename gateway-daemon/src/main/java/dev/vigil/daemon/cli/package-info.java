/**
 * The operator's command line shipped with the daemon: {@code run}, {@code demo}, {@code
 * check-config}, {@code train}, {@code model}. Research commands live in the evaluation and
 * benchmarks modules.
 */
package dev.vigil.daemon.cli;
