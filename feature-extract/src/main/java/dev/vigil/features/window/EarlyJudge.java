package dev.vigil.features.window;

/**
 * Decides whether a host's window still in progress already lies beyond the benign range, so that
 * it is closed and scored at once instead of at its end (early windows, {@code
 * features.early-windows}).
 *
 * <p>Only features that can only grow within a window are offered ({@link
 * dev.vigil.features.HostFeatures#growingFeatures()}: packet, byte, host, port and new-socket
 * counts): one already past the benign maximum stays past whatever the rest of the window brings,
 * so the partial window's value is a lower bound of the whole window's and the early verdict cannot
 * be one the full window would have reversed. Fractions, means and decayed statistics of a partial
 * window are noisy with few packets and may still fall back into the range; they are not judged
 * (they are scored, with the rest of the vector, when the window closes).
 *
 * <p>Called on the thread that feeds the table, at a host's packet-count checkpoints only (see
 * {@link dev.vigil.features.table.WindowedHostTable}); must not allocate nor keep {@code partial}.
 * The feature-extract module knows no model, so the judge comes from above (the daemon adapts its
 * model's scaler, {@code FeatureScaler.beyondRange}).
 */
@FunctionalInterface
public interface EarlyJudge {
  /**
   * Returns whether the in-progress window is beyond the benign range.
   *
   * @param partial a vector laid out as the table's schema, in which only the entries at {@code
   *     features} are set (the others hold stale values and must be ignored)
   * @param features the indices of the set entries, ascending (the table's growing features)
   */
  boolean beyondBenign(float[] partial, int[] features);
}
