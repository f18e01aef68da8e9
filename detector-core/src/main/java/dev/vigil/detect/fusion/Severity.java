package dev.vigil.detect.fusion;

/**
 * How far a fused score lies in the tail of normal scores: {@link #LOW} at the alert threshold
 * (false-positive rate f on normal data), then each level at a tenth of the previous level's normal
 * exceedance rate (f/10, f/100, f/1000).
 */
public enum Severity {
  /** Below the alert threshold. */
  NONE,
  /** Exceeded by normal data at rate f. */
  LOW,
  /** Exceeded by normal data at rate f/10. */
  MEDIUM,
  /** Exceeded by normal data at rate f/100. */
  HIGH,
  /** Exceeded by normal data at rate f/1000. */
  CRITICAL
}
