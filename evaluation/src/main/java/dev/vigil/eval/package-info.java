/**
 * Evaluation on labelled data: data set splits and evaluators (NSL-KDD, TON_IoT, labelled
 * captures), confusion, curves and their plots. Research code, never shipped with the daemon.
 */
package dev.vigil.eval;
