/**
 * The research commands {@code evaluate}, {@code nab} and {@code replay}, run from a source
 * checkout by {@code bin/vigil}; they parse options, run the evaluation packages and write their
 * results.
 */
package dev.vigil.eval.cli;
