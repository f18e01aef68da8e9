/**
 * The {@code vigil bench} command line, run from a source checkout by {@code bin/vigil bench}.
 * Parses options and prints; the measuring lives in {@code dev.vigil.bench}.
 */
package dev.vigil.bench.cli;
