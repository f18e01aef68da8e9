package dev.vigil.mitigate;

import dev.vigil.mitigate.api.Decision;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One step in a decision's life, as {@link DecisionManager} reports it to its {@link
 * DecisionListener}.
 *
 * @param kind what happened
 * @param decision the decision it happened to
 * @param at when, by the manager's clock
 * @param backends {@link Kind#APPLIED}, {@link Kind#LIFTED}, {@link Kind#EXPIRED}: the backends
 *     whose first apply or revoke call carried it out; else empty
 * @param failed the backends whose first call failed or ran past its deadline (counted; retried
 *     with backoff, which the decision's outcomes show); else empty
 */
public record DecisionChange(
    Kind kind, Decision decision, Instant at, List<String> backends, List<String> failed) {

  /** What happened to a decision. */
  public enum Kind {
    /** Made (by policy or an operator) and stored; simulated decisions stop here. */
    MADE,
    /**
     * Handed to the backends of its action, each of which has answered (or failed, or run past its
     * deadline); a decision whose action has none is only made.
     */
    APPLIED,
    /** Lifted by an operator before it expired: marked in the store, revoked on its backends. */
    LIFTED,
    /** Reached its expiry: marked in the store, revoked on its backends. */
    EXPIRED
  }

  /** Validates and copies. */
  public DecisionChange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(at, "at");
    backends = List.copyOf(backends);
    failed = List.copyOf(failed);
  }
}
