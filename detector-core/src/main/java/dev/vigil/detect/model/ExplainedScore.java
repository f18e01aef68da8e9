package dev.vigil.detect.model;

import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Severity;
import java.util.List;
import java.util.Map;

/**
 * A scored vector, explained: the fused score against its threshold, the severity, each component's
 * normalised score (1 = the normal 99th percentile), the components beyond their own normal tail,
 * and the features that contribute most to the reconstruction error.
 *
 * <p>Named for what it holds, a score with its explanation, not for a decision: whether to raise an
 * alert is the daemon's call, and whether to act on one is mitigation's (its {@code
 * dev.vigil.mitigate.policy.Verdict}).
 *
 * @param score the fused score A
 * @param threshold the alert threshold
 * @param severity how deep in the normal tail the score lies
 * @param components normalised score per component present (prediction absent on an entity's first
 *     vector)
 * @param fired components above their own threshold
 * @param topFeatures largest reconstruction-error contributions, largest first
 */
public record ExplainedScore(
    double score,
    double threshold,
    Severity severity,
    Map<Component, Double> components,
    List<Component> fired,
    List<FeatureContribution> topFeatures) {
  /** Copies. */
  public ExplainedScore {
    components = Map.copyOf(components);
    fired = List.copyOf(fired);
    topFeatures = List.copyOf(topFeatures);
  }

  /** Returns whether the score is at or above the threshold. */
  public boolean anomalous() {
    return score >= threshold;
  }

  /** Returns a one-line summary, e.g. for logs and decision reasons. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    b.append(severity.name().toLowerCase(java.util.Locale.ROOT))
        .append(
            String.format(
                java.util.Locale.ROOT, " anomaly %.2f (threshold %.2f)", score, threshold));
    if (!fired.isEmpty()) {
      b.append("; fired:");
      for (Component c : fired) {
        b.append(' ').append(c.key());
      }
    }
    if (!topFeatures.isEmpty()) {
      b.append("; top:");
      for (FeatureContribution f : topFeatures) {
        b.append(String.format(java.util.Locale.ROOT, " %s %.0f%%", f.name(), 100 * f.share()));
      }
    }
    return b.toString();
  }
}
