package dev.vigil.mitigate;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link DecisionManager} calls each backend: every backend has its own thread and queue, each
 * apply, revoke or reconcile must answer within {@code deadline} (a call that does not is
 * abandoned, interrupted and counted as failed), and a failed apply or revoke is retried after
 * {@code firstRetry}, doubled each time up to {@code maxRetry}, until {@code maxAttempts} calls in
 * all.
 *
 * @param deadline longest one call may take
 * @param queueSize most calls waiting for one backend; a call beyond it fails at once (and is
 *     retried)
 * @param maxAttempts calls of one apply or revoke before it is given up, at least 1
 * @param firstRetry wait before the first retry
 * @param maxRetry longest wait between retries
 */
public record BackendCalls(
    Duration deadline, int queueSize, int maxAttempts, Duration firstRetry, Duration maxRetry) {

  /** Validates every field, naming the one that is wrong. */
  public BackendCalls {
    Objects.requireNonNull(deadline, "deadline");
    Objects.requireNonNull(firstRetry, "firstRetry");
    Objects.requireNonNull(maxRetry, "maxRetry");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, was " + deadline);
    }
    if (queueSize < 1) {
      throw new IllegalArgumentException("queueSize must be at least 1, was " + queueSize);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (firstRetry.isNegative() || firstRetry.isZero() || maxRetry.compareTo(firstRetry) < 0) {
      throw new IllegalArgumentException(
          "firstRetry must be positive and at most maxRetry, were " + firstRetry + ", " + maxRetry);
    }
  }

  /** Returns the defaults: 30 s deadline, 1,024 queued calls, 8 attempts, 1 s to 5 min. */
  public static BackendCalls defaults() {
    return new BackendCalls(
        Duration.ofSeconds(30), 1024, 8, Duration.ofSeconds(1), Duration.ofMinutes(5));
  }

  /** Returns these settings with {@code d} as the deadline. */
  public BackendCalls withDeadline(Duration d) {
    return new BackendCalls(d, queueSize, maxAttempts, firstRetry, maxRetry);
  }

  /** Returns the wait before retrying after failed attempt {@code attempt} (1 for the first). */
  public Duration retryAfter(int attempt) {
    Duration d = firstRetry;
    for (int i = 1; i < attempt && d.compareTo(maxRetry) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxRetry) > 0 ? maxRetry : d;
  }
}
