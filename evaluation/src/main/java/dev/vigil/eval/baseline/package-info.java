/**
 * Baseline detectors for side-by-side evaluation against Vigil's ensemble: statistical thresholding
 * ({@link dev.vigil.eval.baseline.ZScoreBaseline}), supervised classifiers trained with labels as
 * in the literature's baselines ({@link dev.vigil.eval.baseline.SvmBaseline}, {@link
 * dev.vigil.eval.baseline.RandomForestBaseline}, both Smile), and Amazon's Random Cut Forest
 * ({@link dev.vigil.eval.baseline.RcfBaseline}) as an outside unsupervised peer.
 *
 * <p>Every detector is fitted once and then only scored; a higher score means more anomalous or
 * more likely an attack. The unsupervised ones (z-score, RCF) learn from normal rows only. None of
 * them scales its input: callers pass vectors on comparable scales (the evaluation passes the
 * NSL-KDD encoder's [0, 1] vectors).
 */
package dev.vigil.eval.baseline;
