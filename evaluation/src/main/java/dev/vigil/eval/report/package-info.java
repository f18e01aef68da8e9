/**
 * Helpers shared by every command that rewrites a marked section of docs/RESULTS.md or
 * docs/BENCHMARKS.md: the section itself, the machine line and the commit.
 */
package dev.vigil.eval.report;
