package dev.vigil.mitigate.policy;

import java.time.Duration;

/**
 * Longer decisions for repeat offenders, as fail2ban's {@code bantime.increment}: the {@code n}th
 * offence of an entity within {@code lookBack} lasts {@code duration × factor^(n−1)}, at most
 * {@code max} (and never less than the rule's own duration).
 *
 * @param factor growth per offence, at least 1 (1 turns escalation off)
 * @param max the longest escalated duration
 * @param lookBack how far back earlier offences count
 */
public record Escalation(double factor, Duration max, Duration lookBack) {
  /** Validates. */
  public Escalation {
    if (!(factor >= 1 && factor <= 100)) {
      throw new IllegalArgumentException("factor must be between 1 and 100, was " + factor);
    }
    if (max.isNegative() || max.isZero() || lookBack.isNegative() || lookBack.isZero()) {
      throw new IllegalArgumentException("max and lookBack must be positive");
    }
  }

  /** Returns escalation turned off. */
  public static Escalation off() {
    return new Escalation(1, Duration.ofDays(365), Duration.ofDays(1));
  }

  /** Returns the duration of offence number {@code offences} (1 for a first offence). */
  public Duration apply(Duration base, int offences) {
    if (factor == 1 || offences <= 1) {
      return base;
    }
    double millis = base.toMillis() * Math.pow(factor, offences - 1);
    if (!(millis < max.toMillis())) {
      return base.compareTo(max) > 0 ? base : max;
    }
    return Duration.ofMillis((long) millis);
  }
}
