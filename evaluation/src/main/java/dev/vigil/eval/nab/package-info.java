/**
 * A Java implementation of the scoring of the Numenta Anomaly Benchmark (NAB v1.1, {@code
 * numenta/NAB} at commit {@code ea702d75}): its corpus and results files, the scaled-sigmoid window
 * scoring, the threshold sweep and the normalised score.
 *
 * <p>Entry points: {@link dev.vigil.eval.nab.NabCorpus} (data files and anomaly windows), {@link
 * dev.vigil.eval.nab.NabResults} (a detector's results directory), {@link
 * dev.vigil.eval.nab.NabScorer} (scoring) and the {@link dev.vigil.eval.nab.NabReport} it returns.
 * {@link dev.vigil.eval.nab.NabScorer} documents how each of NAB's rules is followed.
 */
package dev.vigil.eval.nab;
