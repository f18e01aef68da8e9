package dev.vigil.eval.nab;

import java.util.List;
import java.util.Objects;

/**
 * A NAB application profile: the cost matrix weighting true positives, false positives, true
 * negatives and false negatives ({@code config/profiles.json}, where they are {@code tpWeight},
 * {@code fpWeight}, {@code tnWeight} and {@code fnWeight}).
 *
 * <p>{@code tnWeight} is part of NAB's profiles but NAB's scorer never reads it; neither does this
 * one. A true positive earns up to {@code tpWeight} (the earliest detection in a window), a false
 * positive costs up to {@code fpWeight} and a missed window costs {@code fnWeight}.
 *
 * @param name the profile's name
 * @param tpWeight A_TP, the weight of a true positive; finite, not negative
 * @param fpWeight A_FP, the weight of a false positive; finite, not negative
 * @param tnWeight A_TN, the weight of a true negative (unused by the scoring); finite, not negative
 * @param fnWeight A_FN, the cost of a missed window; finite, not negative
 */
public record NabProfile(
    String name, double tpWeight, double fpWeight, double tnWeight, double fnWeight) {

  /** NAB's {@code standard} profile: A_TP 1.0, A_FP 0.11, A_TN 1.0, A_FN 1.0. */
  public static final NabProfile STANDARD = new NabProfile("standard", 1.0, 0.11, 1.0, 1.0);

  /** NAB's {@code reward_low_FP_rate} profile: A_TP 1.0, A_FP 0.22, A_TN 1.0, A_FN 1.0. */
  public static final NabProfile REWARD_LOW_FP_RATE =
      new NabProfile("reward_low_FP_rate", 1.0, 0.22, 1.0, 1.0);

  /** NAB's {@code reward_low_FN_rate} profile: A_TP 1.0, A_FP 0.11, A_TN 1.0, A_FN 2.0. */
  public static final NabProfile REWARD_LOW_FN_RATE =
      new NabProfile("reward_low_FN_rate", 1.0, 0.11, 1.0, 2.0);

  /** NAB's three profiles, in {@code profiles.json}'s order. */
  public static final List<NabProfile> ALL =
      List.of(STANDARD, REWARD_LOW_FP_RATE, REWARD_LOW_FN_RATE);

  /** Validates the profile. */
  public NabProfile {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("profile name must not be blank");
    }
    check("tpWeight", tpWeight);
    check("fpWeight", fpWeight);
    check("tnWeight", tnWeight);
    check("fnWeight", fnWeight);
  }

  private static void check(String what, double w) {
    if (!(Double.isFinite(w) && w >= 0)) {
      throw new IllegalArgumentException(what + " must be finite and not negative, was " + w);
    }
  }

  /**
   * Returns one of NAB's three profiles by its name.
   *
   * @throws IllegalArgumentException if the name is not one of them
   */
  public static NabProfile named(String name) {
    for (NabProfile p : ALL) {
      if (p.name.equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "no NAB profile named '"
            + name
            + "'; known: standard, reward_low_FP_rate, reward_low_FN_rate");
  }
}
